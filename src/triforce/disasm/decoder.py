"""The table-driven decoder: bytes -> instructions, reading only ``triforce.isa``."""

from __future__ import annotations

from typing import NamedTuple

from triforce.diagnostics import Diagnostic, SourceSpan, note, warning
from triforce.disasm.model import (
    D_BANK_CROSSING,
    D_FLAGS_UNKNOWN,
    D_TRUNCATED,
    DisassemblyResult,
    Instruction,
)
from triforce.disasm.render import data_text, render
from triforce.disasm.state import UNKNOWN_FLAGS, CpuKnowledge
from triforce.disasm.symbols import label_name
from triforce.isa import OPCODES, Mode

_BRANCH_MODES = (Mode.REL8, Mode.REL16)
# Operands that hold an address in the program bank (jumps, jump tables, PEA of code).
_PROGRAM_BANK_MODES = (Mode.ABS, Mode.ABS_X_IND)
# Pointers read from bank 0: JMP (a), JML [a].
_BANK0_POINTER_MODES = (Mode.ABS_IND, Mode.ABS_IND_L)
_DATA_BANK_MODES = (Mode.ABS, Mode.ABS_X, Mode.ABS_Y)
_LONG_MODES = (Mode.LONG, Mode.LONG_X)
_DP_MODES = (Mode.DP, Mode.DP_X, Mode.DP_Y, Mode.DP_IND, Mode.DP_X_IND, Mode.DP_IND_Y,
             Mode.DP_IND_L, Mode.DP_IND_LY)
_LOW_RAM_MIRROR = 0x2000  # $0000-$1FFF of banks $00-$3F/$80-$BF mirror $7E0000-$7E1FFF
_DATA_MODES = frozenset(_DATA_BANK_MODES + _LONG_MODES + _DP_MODES)
_MAX_DATA_OFFSET = 3  # LDA player_x+1: bytes of a word/long variable


class _Raw(NamedTuple):
    addr: int
    opcode: int
    operand: int | None
    length: int
    raw: bytes
    m: int
    x: int
    db: int | None
    d: int | None
    emulation: bool | None
    is_data: bool = False


def _span(addr: int) -> SourceSpan:
    # Diagnostics about bytes point at their SNES address; there is no source file.
    return SourceSpan(f"${addr:06X}", 0, 0)


def decode(data: bytes, *, start_addr: int = 0x008000, m: int = 1, x: int = 1,
           count: int | None = None, emulation: bool | None = None,
           db: int | None = None, d: int | None = None
           ) -> tuple[list[_Raw], list[Diagnostic]]:
    """Walk ``data`` as one straight line of code from ``start_addr``."""
    cpu = CpuKnowledge(m=m & 1, x=x & 1, emulation=emulation, db=db, d=d)
    if emulation:
        cpu.m = cpu.x = 1
    out: list[_Raw] = []
    diags: list[Diagnostic] = []
    pos = 0
    n = len(data)
    while pos < n and (count is None or len(out) < count):
        addr = (start_addr + pos) & 0xFFFFFF
        op = OPCODES[data[pos]]
        length = op.length(cpu.m, cpu.x)
        room = 0x10000 - (addr & 0xFFFF)
        if length > room:
            # The CPU would fetch the rest from the start of this bank, while the
            # bytes that follow here belong to the next bank (and asar refuses an
            # instruction across the border): keep this bank's tail as data.
            raw = bytes(data[pos:pos + room])
            diags.append(warning(
                D_BANK_CROSSING,
                f"{op.mnemonic} at ${addr:06X} would cross the end of bank ${addr >> 16:02X}; "
                f"{len(raw)} byte(s) kept as data", _span(addr)))
            out.append(_Raw(addr, raw[0], None, len(raw), raw, cpu.m, cpu.x, cpu.db, cpu.d,
                            cpu.emulation, is_data=True))
            pos += len(raw)
            continue
        if pos + length > n:
            raw = bytes(data[pos:])
            diags.append(warning(
                D_TRUNCATED,
                f"{op.mnemonic} at ${addr:06X} needs {length} bytes, only {len(raw)} left; kept as data",
                _span(addr)))
            out.append(_Raw(addr, raw[0], None, len(raw), raw, cpu.m, cpu.x, cpu.db, cpu.d,
                            cpu.emulation, is_data=True))
            break
        raw = bytes(data[pos:pos + length])
        operand = int.from_bytes(raw[1:], "little") if length > 1 else None
        out.append(_Raw(addr, raw[0], operand, length, raw, cpu.m, cpu.x, cpu.db, cpu.d,
                        cpu.emulation))
        if cpu.step(op, operand, addr) == UNKNOWN_FLAGS:
            diags.append(note(
                D_FLAGS_UNKNOWN,
                f"{op.mnemonic} at ${addr:06X} restores M/X from an unknown byte; "
                f"keeping {'8' if cpu.m else '16'}-bit A and {'8' if cpu.x else '16'}-bit X/Y",
                _span(addr)))
        pos += length
    return out, diags


def branch_target(addr: int, opcode: int, operand: int, length: int) -> int:
    """Destination of a branch/BRL/PER: the displacement wraps inside the bank."""
    bits = 8 if OPCODES[opcode].mode is Mode.REL8 else 16
    disp = operand - (1 << bits) if operand & (1 << (bits - 1)) else operand
    return (addr & 0xFF0000) | ((addr + length + disp) & 0xFFFF)


def _mirrors(addr: int) -> list[int]:
    """The address plus the WRAM address it mirrors (low RAM in system banks)."""
    bank, low = addr >> 16, addr & 0xFFFF
    if low < _LOW_RAM_MIRROR and (bank < 0x40 or 0x80 <= bank < 0xC0):
        return [addr, 0x7E0000 | low]
    return [addr]


def operand_addresses(r: _Raw) -> list[int]:
    """Addresses the operand may refer to, most likely first (for symbol lookup)."""
    if r.is_data or r.operand is None:
        return []
    op = OPCODES[r.opcode]
    mode, value = op.mode, r.operand
    pbr = r.addr & 0xFF0000
    if mode in _BRANCH_MODES:
        return [branch_target(r.addr, r.opcode, value, r.length)]
    if mode in _PROGRAM_BANK_MODES and not op.access:
        return [pbr | value]
    if mode in _BANK0_POINTER_MODES:
        return _mirrors(value)
    if mode in _DATA_BANK_MODES:
        if r.db is not None:
            return _mirrors((r.db << 16) | value)
        # DB unknown: the program bank, then bank 0 (registers, low RAM).
        return list(dict.fromkeys([pbr | value, *_mirrors(value)]))
    if mode in _LONG_MODES:
        return _mirrors(value)
    if mode in _DP_MODES and r.d is not None:
        return _mirrors((r.d + value) & 0xFFFF)
    return []


def _operand_label(r: _Raw, symbols: dict[int, str]) -> tuple[int | None, str | None, int]:
    """(target, symbol, offset) for the operand: ``symbol+offset`` names the
    target. A symbol is used only when writing it keeps the bytes."""
    candidates = operand_addresses(r)
    if not candidates:
        return None, None, 0
    op = OPCODES[r.opcode]
    mode = op.mode
    if mode in _BRANCH_MODES:
        return candidates[0], symbols.get(candidates[0]), 0
    # A label is written with the operand's width, so asar keeps only its low
    # bytes: use it only when those are the operand.
    mask = (1 << (8 * (r.length - 1))) - 1
    # Data operands may point into a variable (``player_x+1``); code targets may not.
    offsets = range(_MAX_DATA_OFFSET + 1) if mode in _DATA_MODES and op.access else (0,)
    for offset in offsets:
        for cand in candidates:
            name = symbols.get((cand - offset) & 0xFFFFFF)
            if name is not None and (cand & mask) == r.operand:
                return cand, name, offset
    return candidates[0], None, 0


def _auto_label(addr: int) -> str:
    return f"L_{addr:06X}"


def disassemble(data: bytes, *, start_addr: int = 0x008000, m: int = 1, x: int = 1,
                count: int | None = None, symbols: dict[int, str] | None = None,
                emulation: bool | None = None, db: int | None = None, d: int | None = None
                ) -> DisassemblyResult:
    """Decode ``data`` placed at ``start_addr``, tracking M/X (1 = 8-bit) through
    REP/SEP/XCE/PHP..PLP and DB/D through the idioms that set them.

    ``symbols`` (address -> name) name branch targets, jump targets and data
    operands; branch targets without a symbol get a generated ``L_bbaaaa`` label.
    """
    start_addr &= 0xFFFFFF
    raws, diags = decode(bytes(data), start_addr=start_addr, m=m, x=x, count=count,
                         emulation=emulation, db=db, d=d)
    clean_symbols: dict[int, str] = {}
    used_names: set[str] = set()
    for addr, name in (symbols or {}).items():
        valid = label_name(name)
        if valid is not None and valid not in used_names:
            clean_symbols[addr & 0xFFFFFF] = valid
            used_names.add(valid)

    labels: dict[int, str] = {}
    instructions: list[Instruction] = []
    for r in raws:
        if r.is_data:
            instructions.append(Instruction(
                r.addr, r.opcode, None, r.length, r.m, r.x, data_text(r.raw), r.raw,
                is_data=True, db=r.db, d=r.d, emulation=r.emulation))
            continue
        mode = OPCODES[r.opcode].mode
        target, name, offset = _operand_label(r, clean_symbols)
        if mode in _BRANCH_MODES and name is None:
            name = labels.get(target) or _unique(_auto_label(target), used_names)
        if name is not None:
            labels[target - offset] = name
        operand_text = name if not offset else f"{name}+{offset}"
        text = render(r.opcode, r.operand, r.length, label=operand_text)
        instructions.append(Instruction(
            r.addr, r.opcode, r.operand, r.length, r.m, r.x, text, r.raw, target, name,
            db=r.db, d=r.d, emulation=r.emulation, label_offset=offset))
    # Symbols that name an instruction start are printed there even when unused.
    for ins in instructions:
        if ins.addr in clean_symbols:
            labels.setdefault(ins.addr, clean_symbols[ins.addr])
    return DisassemblyResult(instructions, diags, start_addr, None, clean_symbols, labels)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    used.add(candidate)
    return candidate
