"""Whole listings and single-instruction snippets as assembler source."""

from __future__ import annotations

from triforce.disasm.model import DisassemblyResult, Instruction
from triforce.disasm.render import data_text, hex_value, render
from triforce.rom.mappers import MAPPERS, get_mapper, pc_to_snes, snes_to_pc

_COMMENT_COLUMN = 28


def mapper_directive(mapper: str) -> str:
    """asar's directive for a mapper name of ``triforce.rom.mappers``."""
    return "sa1rom" if mapper == "sa1" else mapper


def _maps_linearly(start: int, last: int, mapper: str) -> bool:
    """Whether asar can ``org`` to ``start`` and write on to ``last`` at the
    addresses the listing gives (one linear run of ROM)."""
    first_pc, last_pc = snes_to_pc(start, mapper), snes_to_pc(last, mapper)
    return first_pc is not None and last_pc is not None and last_pc - first_pc == last - start


def _first_rom_address(mapper: str) -> int:
    addr = pc_to_snes(0, mapper)
    return 0x008000 if addr is None else addr


def placement_lines(start: int, end: int, mapper: str | None, dialect: str = "asar") -> list[str]:
    """Lines that make the following code assemble at ``start``.

    asar can only ``org`` to an address that maps to ROM; code that lives
    elsewhere (WRAM routines, addresses of another mapper) is assembled at the
    first ROM address with ``base`` set to where it runs.
    """
    if dialect == "ca65":
        return [".p816", ".smart -", f".org {hex_value(start, 3)}"]
    if dialect == "64tass":
        return ['.cpu "65816"', f"* = {hex_value(start, 3)}"]
    mapper = get_mapper(mapper or "lorom").name
    lines = [mapper_directive(mapper)]
    last = max(start, end - 1)
    if not _maps_linearly(start, last, mapper):
        lines += [f"org {hex_value(_first_rom_address(mapper), 3)}", f"base {hex_value(start, 3)}"]
    else:
        lines.append(f"org {hex_value(start, 3)}")
    return lines


def _segments(instructions: list[Instruction], mapper: str) -> list[tuple[list[str], list[Instruction]]]:
    """Split a listing where asar needs a new ``org``: asar refuses to run past
    a bank's end, and code outside ROM is assembled in ROM-sized chunks with
    ``base``, each at its own free spot of the image."""
    groups: list[list[Instruction]] = []
    for ins in instructions:
        if groups and (ins.addr >> 16) == (groups[-1][0].addr >> 16):
            groups[-1].append(ins)
        else:
            groups.append([ins])
    piece = MAPPERS[mapper].bank_size
    spans = [(g, g[0].addr, g[-1].addr + g[-1].length) for g in groups]
    linear = [_maps_linearly(start, end - 1, mapper) for _, start, end in spans]
    # Chunks assembled with base go after every byte the listing orgs to directly.
    free_pc = max((snes_to_pc(end - 1, mapper) + 1 for (_, _, end), ok in zip(spans, linear, strict=True)
                   if ok), default=0)
    out: list[tuple[list[str], list[Instruction]]] = []
    for (group, start, _), is_linear in zip(spans, linear, strict=True):
        if is_linear:
            out.append(([f"org {hex_value(start, 3)}"], group))
            continue
        chunk: list[Instruction] = []
        size = 0
        for ins in group + [None]:  # None flushes the last chunk
            if ins is not None and size + ins.length <= piece:
                chunk.append(ins)
                size += ins.length
                continue
            if chunk:
                if free_pc % piece + size > piece:
                    free_pc += piece - free_pc % piece
                org = pc_to_snes(free_pc, mapper)
                out.append(([f"org {hex_value(org, 3)}", f"base {hex_value(chunk[0].addr, 3)}"],
                            chunk))
                free_pc += size
            chunk, size = ([ins], ins.length) if ins is not None else ([], 0)
    return out


def _width_lines(m: int, x: int, prev: tuple[int, int] | None, dialect: str) -> list[str]:
    """ca65/64tass size immediates from directives, so say when M/X change."""
    if dialect == "asar":
        return []
    names = {"ca65": ((".a16", ".a8"), (".i16", ".i8")),
             "64tass": ((".al", ".as"), (".xl", ".xs"))}[dialect]
    out = []
    if prev is None or prev[0] != m:
        out.append(names[0][m])
    if prev is None or prev[1] != x:
        out.append(names[1][x])
    return out


def instruction_text(ins: Instruction, dialect: str = "asar") -> str:
    if dialect == "asar":
        return ins.text
    if ins.is_data:
        return data_text(ins.raw, dialect)
    label = ins.label if not ins.label_offset else f"{ins.label}+{ins.label_offset}"
    return render(ins.opcode, ins.operand, ins.length, label=label, dialect=dialect)


def _with_comment(text: str, ins: Instruction) -> str:
    code = f"    {text}"
    raw = " ".join(f"{b:02X}" for b in ins.raw)
    return f"{code.ljust(_COMMENT_COLUMN)} ; {hex_value(ins.addr, 3)}: {raw}"


def listing_source(result: DisassemblyResult, *, comments: bool = True, header: bool = True,
                   dialect: str = "asar") -> str:
    ins_list = result.instructions
    starts = {i.addr for i in ins_list}
    out: list[str] = []
    if header and comments:
        out.append(
            f"; triforce disasm: {len(ins_list)} instruction{'s' if len(ins_list) != 1 else ''}, "
            f"{hex_value(result.start_addr, 3)}-{hex_value(result.end_addr, 3)}")
    segment_starts: dict[int, list[str]] = {}
    if header and dialect == "asar" and ins_list:
        mapper = get_mapper(result.mapper or "lorom").name
        out.append(mapper_directive(mapper))
        segment_starts = {seg[0].addr: lines for lines, seg in _segments(ins_list, mapper)}
        out += segment_starts.pop(ins_list[0].addr)  # the first org heads the listing
    elif header:
        out += placement_lines(result.start_addr, result.end_addr, result.mapper, dialect)
    for addr, name in sorted(result.labels.items()):
        if addr not in starts:
            out.append(f"{name} = {hex_value(addr, 3)}")
    widths: tuple[int, int] | None = None
    for ins in ins_list:
        out += segment_starts.get(ins.addr, [])
        out += _width_lines(ins.m, ins.x, widths, dialect)
        widths = (ins.m, ins.x)
        name = result.labels.get(ins.addr)
        if name is not None:
            out.append(f"{name}:")
        text = instruction_text(ins, dialect)
        out.append(_with_comment(text, ins) if comments else f"    {text}")
    return "\n".join(out) + "\n"


def instruction_snippet(ins: Instruction, *, mapper: str | None = None) -> str:
    lines = placement_lines(ins.addr, ins.addr + ins.length, mapper)
    if ins.label is not None and ins.target is not None:
        lines.append(f"{ins.label} = {hex_value(ins.target - ins.label_offset, 3)}")
    lines.append(ins.text)
    return "\n".join(lines) + "\n"
