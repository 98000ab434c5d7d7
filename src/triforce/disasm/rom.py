"""Disassembling a ROM image at an SNES address, through a mapper."""

from __future__ import annotations

from triforce.diagnostics import SourceSpan, error, note, warning
from triforce.disasm.decoder import disassemble
from triforce.disasm.model import (
    D_BAD_MAPPER,
    D_COPIER_HEADER,
    D_EMPTY_ROM,
    D_NOT_ROM,
    D_OUTSIDE_ROM,
    D_REGION_END,
    DisassemblyResult,
)
from triforce.rom.mappers import get_mapper, snes_to_pc

COPIER_HEADER = 512
# Mappers map ROM in linear pieces of at least 32 KiB aligned to 32 KiB of SNES space.
_PIECE = 0x8000


def strip_copier_header(rom: bytes) -> tuple[bytes, bool]:
    """Drop a 512-byte copier header, detected as asar does (size % 1024 == 512)."""
    if len(rom) % 1024 == COPIER_HEADER:
        return rom[COPIER_HEADER:], True
    return rom, False


def mapped_run(addr: int, rom_size: int, mapper: str, limit: int) -> tuple[int | None, int]:
    """(file offset of ``addr``, bytes readable from there without leaving the
    bank, the ROM or the linear run of the map), looking at most ``limit`` ahead."""
    start_pc = snes_to_pc(addr, mapper)
    if start_pc is None:
        return None, 0
    bank_end = (addr & 0xFF0000) + 0x10000  # the program counter wraps inside a bank
    end = min(bank_end, addr + limit)
    cur = addr
    while cur < end:
        piece_end = min(end, (cur | (_PIECE - 1)) + 1)
        first = snes_to_pc(cur, mapper)
        last = snes_to_pc(piece_end - 1, mapper)
        if first != start_pc + (cur - addr) or last != start_pc + (piece_end - 1 - addr):
            break
        cur = piece_end
    run = min(cur - addr, max(0, rom_size - start_pc))
    return start_pc, run


def disassemble_rom(rom: bytes, at: int, *, mapper: str = "lorom", count: int | None = 32,
                    m: int = 1, x: int = 1, symbols: dict[int, str] | None = None,
                    emulation: bool | None = None, db: int | None = None,
                    d: int | None = None) -> DisassemblyResult:
    """Disassemble ``count`` instructions of a ROM image (with or without a
    copier header) starting at the SNES address ``at``. Addresses that are not
    ROM, or lie past the end of the image, give error diagnostics."""
    at &= 0xFFFFFF
    span = SourceSpan(f"${at:06X}", 0, 0)
    empty = DisassemblyResult([], [], at, mapper)
    try:
        mapper = get_mapper(mapper).name
    except ValueError as exc:
        empty.diagnostics.append(error(D_BAD_MAPPER, str(exc), span))
        return empty
    empty.mapper = mapper
    image, had_header = strip_copier_header(bytes(rom))
    if had_header:
        empty.diagnostics.append(note(D_COPIER_HEADER, "skipped a 512-byte copier header", span))
    if not image:
        empty.diagnostics.append(error(D_EMPTY_ROM, "the ROM image is empty", span))
        return empty
    # Four bytes per instruction at most; without a count, read to the end of the run.
    limit = 4 * count if count is not None else 0x10000
    pc, run = mapped_run(at, len(image), mapper, limit)
    if pc is None:
        empty.diagnostics.append(error(
            D_NOT_ROM, f"${at:06X} is not ROM under {mapper}", span))
        return empty
    if pc >= len(image):
        empty.diagnostics.append(error(
            D_OUTSIDE_ROM,
            f"${at:06X} is file offset ${pc:06X}, past the end of the {len(image)}-byte ROM",
            span))
        return empty
    result = disassemble(image[pc:pc + run], start_addr=at, m=m, x=x, count=count,
                         symbols=symbols, emulation=emulation, db=db, d=d)
    result.mapper = mapper
    result.diagnostics[:0] = empty.diagnostics
    if count is not None and len(result.instructions) < count:
        end = at + run
        result.diagnostics.append(warning(
            D_REGION_END,
            f"stopped after {len(result.instructions)} instructions: ${end:06X} leaves the "
            f"bank, the ROM or the mapped run",
            SourceSpan(f"${end & 0xFFFFFF:06X}", 0, 0)))
    return result
