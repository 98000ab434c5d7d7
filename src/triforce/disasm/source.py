"""Whole listings and single-instruction snippets as assembler source."""

from __future__ import annotations

from triforce.disasm.model import DisassemblyResult, Instruction
from triforce.disasm.render import data_text, hex_value, render

# asar's directive for each mapper name of ``triforce.rom.mappers``.
_MAPPER_DIRECTIVE = {"sa1": "sa1rom"}
_COMMENT_COLUMN = 28


def mapper_directive(mapper: str) -> str:
    return _MAPPER_DIRECTIVE.get(mapper, mapper)


def _maps_to_rom(addr: int, mapper: str) -> bool | None:
    """Whether asar can ``org`` to ``addr`` under ``mapper``; None when the
    mappers are not available to ask."""
    try:
        from triforce.rom.mappers import snes_to_pc
    except ImportError:
        return None
    try:
        return snes_to_pc(addr, mapper) is not None
    except (KeyError, ValueError):
        return None


def _first_rom_address(mapper: str) -> int:
    try:
        from triforce.rom.mappers import pc_to_snes

        addr = pc_to_snes(0, mapper)
    except (ImportError, KeyError, ValueError):
        addr = None
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
    mapper = mapper or "lorom"
    lines = [mapper_directive(mapper)]
    last = max(start, end - 1)
    fits = _maps_to_rom(start, mapper)
    if fits is not False and (start >> 16) == (last >> 16):
        fits = fits if _maps_to_rom(last, mapper) is not False else False
    if fits is False:
        lines += [f"org {hex_value(_first_rom_address(mapper), 3)}", f"base {hex_value(start, 3)}"]
    else:
        lines.append(f"org {hex_value(start, 3)}")
    return lines


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
    return render(ins.opcode, ins.operand, ins.length, label=ins.label, dialect=dialect)


def _with_comment(text: str, ins: Instruction) -> str:
    code = f"    {text}"
    raw = " ".join(f"{b:02X}" for b in ins.raw)
    return f"{code.ljust(_COMMENT_COLUMN)} ; {hex_value(ins.addr, 3)}: {raw}"


def listing_source(result: DisassemblyResult, *, comments: bool = True, header: bool = True,
                   dialect: str = "asar") -> str:
    ins_list = result.instructions
    starts = {i.addr for i in ins_list}
    out: list[str] = []
    if header:
        if comments:
            out.append(
                f"; triforce disasm: {len(ins_list)} instruction{'s' if len(ins_list) != 1 else ''}, "
                f"{hex_value(result.start_addr, 3)}-{hex_value(result.end_addr, 3)}")
        out += placement_lines(result.start_addr, result.end_addr, result.mapper, dialect)
    for addr, name in sorted(result.labels.items()):
        if addr not in starts:
            out.append(f"{name} = {hex_value(addr, 3)}")
    widths: tuple[int, int] | None = None
    for ins in ins_list:
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
        lines.append(f"{ins.label} = {hex_value(ins.target, 3)}")
    lines.append(ins.text)
    return "\n".join(lines) + "\n"
