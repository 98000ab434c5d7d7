"""Bytes and cycles per line of 65816 code, with ranges where the count depends on data.

``count_cycles(source_or_result, m=1, x=1, emulation=False, dl_nonzero=None)``:

- an :class:`~triforce.asm.AssemblyResult` (anything with ``.lines`` of
  LineRecords) is read record by record, decoding each record's bytes;
- a source string is assembled with :func:`triforce.asm.assemble` when that
  works (any asar source), else read as a plain listing of instructions (one
  per line, labels and comments allowed) by the small parser below.

M and X start at the given widths and follow REP/SEP in straight-line order.
``dl_nonzero=None`` means the direct-page register is unknown, so its penalty
widens the range; every count comes from :mod:`triforce.isa`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from triforce.diagnostics import Diagnostic, SourceSpan, warning
from triforce.isa import OPCODES, Mode, Opcode, by_mnemonic, status_bit
from triforce.isa.queries import (
    far_twin,
    register_writes,
    sets_widths_from_operand,
    transfers_control,
)

UNKNOWN_MNEMONIC = "S201"   # listing line that is not an instruction
BAD_OPERAND = "S202"        # operand form the mnemonic does not have
UNDECODABLE = "S203"        # assembled bytes that do not form whole instructions


@dataclass(frozen=True)
class CycleLine:
    """One source line: its bytes and its (min, max) cycles; ``notes`` say what
    makes the count vary."""

    line: int
    text: str
    size: int
    cycles_min: int
    cycles_max: int
    addr: int | None = None
    m: int = 1
    x: int = 1
    notes: tuple[str, ...] = ()

    @property
    def cycles(self) -> str:
        if self.cycles_min == self.cycles_max:
            return str(self.cycles_min)
        return f"{self.cycles_min}-{self.cycles_max}"


@dataclass
class CycleReport:
    lines: list[CycleLine] = field(default_factory=list)
    total_min: int = 0
    total_max: int = 0
    total_bytes: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    method: str = "listing"   # "assembler" or "listing"

    @property
    def total_cycles(self) -> str:
        if self.total_min == self.total_max:
            return str(self.total_min)
        return f"{self.total_min}-{self.total_max}"

    def to_markdown(self) -> str:
        """Per-line bytes and cycles as a Markdown table, totals last."""
        rows = ["| line | code | bytes | cycles | why it varies |", "|---|---|---|---|---|"]
        for line in self.lines:
            rows.append(f"| {line.line} | `{line.text.strip()}` | {line.size} | {line.cycles} | "
                        f"{'; '.join(line.notes)} |")
        rows.append(f"| | **total** | **{self.total_bytes}** | **{self.total_cycles}** | |")
        return "\n".join(rows)

    def _add(self, line: CycleLine) -> None:
        self.lines.append(line)
        self.total_min += line.cycles_min
        self.total_max += line.cycles_max
        self.total_bytes += line.size


class _Widths:
    """M/X as straight-line code sets them (REP/SEP), forced to 8-bit in emulation."""

    def __init__(self, m: int, x: int, emulation: bool):
        self.emulation = emulation
        self.m, self.x = (1, 1) if emulation else (m & 1, x & 1)

    def apply(self, op: Opcode, operand: int | None) -> None:
        bit = sets_widths_from_operand(op.mnemonic)
        if operand is None or self.emulation or bit is None:
            return
        if operand & status_bit("M"):
            self.m = bit
        if operand & status_bit("X"):
            self.x = bit


def _notes(op: Opcode, x: int, dl_nonzero: bool | None) -> tuple[str, ...]:
    notes = []
    if "p" in op.penalties and x:
        notes.append("+1 if the index crosses a page")
    if "b" in op.penalties:
        notes.append("+1 if taken (+1 more across a page in emulation)")
    if "d" in op.penalties and dl_nonzero is None:
        notes.append("+1 if the D register's low byte is not 0")
    if "v" in op.penalties:
        notes.append("per byte moved")
    return tuple(notes)


def _instruction_cycles(op: Opcode, widths: _Widths, dl_nonzero: bool | None):
    lo, hi = op.cycle_range(widths.m, widths.x, widths.emulation, dl_nonzero)
    return lo, hi, _notes(op, widths.x, dl_nonzero)


def count_cycles(source_or_result, m: int = 1, x: int = 1, emulation: bool = False,
                 dl_nonzero: bool | None = None, *, filename: str = "<input>",
                 source: str | None = None) -> CycleReport:
    """See the module docstring. With an assembly result, ``source`` (the text
    assembled as ``filename``) lets data lines be told from code; otherwise the
    records' files are read from disk where they exist."""
    if hasattr(source_or_result, "lines") and not isinstance(source_or_result, str):
        known = {filename: source.splitlines()} if source is not None else None
        return _from_records(source_or_result.lines, _SourceFiles(known), m, x, emulation, dl_nonzero)
    source = str(source_or_result)
    assembled = _try_assemble(source, filename)
    if assembled is not None:
        sources = _SourceFiles({filename: source.splitlines()})
        return _from_records(assembled.lines, sources, m, x, emulation, dl_nonzero)
    return _from_listing(source, m, x, emulation, dl_nonzero, filename)


def _try_assemble(source: str, filename: str):
    try:
        from triforce.asm import assemble
    except ImportError:
        return None
    try:
        result = assemble(source, filename=filename)
    except Exception:  # an assembler bug must not take the cycle counter down
        return None
    return result if result.ok and result.lines else None


# -- assembled records ----------------------------------------------------------
class _SourceFiles:
    """Source lines by file name: the text given, else read from disk (for
    records of included files); unknown files give no text."""

    def __init__(self, known: dict[str, list[str]] | None = None):
        self._files = dict(known or {})

    def line(self, file: str, number: int) -> str | None:
        if file not in self._files:
            try:
                with open(file, encoding="utf-8") as handle:
                    self._files[file] = handle.read().splitlines()
            except (OSError, UnicodeDecodeError, ValueError):
                self._files[file] = None
        lines = self._files[file]
        if lines is None or not 0 < number <= len(lines):
            return None
        return lines[number - 1]


def _from_records(records, sources: _SourceFiles, m, x, emulation, dl_nonzero) -> CycleReport:
    report = CycleReport(method="assembler")
    widths = _Widths(m, x, emulation)
    for rec in records:
        source_line = sources.line(rec.file, rec.line)
        text = (source_line or "").strip()
        if source_line is not None and not _looks_like_code(text):
            continue  # data directives (db/dw/incbin...) are not executed
        data = bytes(rec.data)
        decode_m = getattr(rec, "decode_m", getattr(rec, "m", 1))
        decode_x = getattr(rec, "decode_x", getattr(rec, "x", 1))
        pos, lo_sum, hi_sum, notes = 0, 0, 0, []
        line_m, line_x = widths.m, widths.x
        while pos < len(data):
            op = OPCODES[data[pos]]
            size = op.length(decode_m, decode_x)
            if pos + size > len(data):
                if source_line is not None:
                    report.diagnostics.append(warning(
                        UNDECODABLE, "bytes do not form whole instructions",
                        SourceSpan(rec.file, rec.line)))
                break
            operand = int.from_bytes(data[pos + 1:pos + size], "little") if size > 1 else None
            lo, hi, why = _instruction_cycles(op, widths, dl_nonzero)
            lo_sum, hi_sum = lo_sum + lo, hi_sum + hi
            notes.extend(n for n in why if n not in notes)
            widths.apply(op, operand)
            if sets_widths_from_operand(op.mnemonic) is not None:
                decode_m, decode_x = widths.m, widths.x
            pos += size
        else:
            report._add(CycleLine(rec.line, text, len(data), lo_sum, hi_sum, rec.snes_addr,
                                  line_m, line_x, tuple(notes)))
    return report


_DATA_DIRECTIVES = {"db", "dw", "dl", "dd", "incbin", "fillbyte", "fill", "padbyte", "pad",
                    "table", "ascii"}


def _looks_like_code(text: str) -> bool:
    """False for lines whose first statement is a data directive."""
    body = _strip_labels(_strip_comment(text))
    word = body.split(None, 1)[0].lower() if body.split() else ""
    return word not in _DATA_DIRECTIVES


# -- the listing parser ---------------------------------------------------------
_LABEL = re.compile(r"^\s*(?:[A-Za-z_][\w.]*:|\.[\w.]+:?|[+-]+:?)(?=\s|$)")
_SIZED = re.compile(r"^([A-Za-z]{3})(?:\.([bwlBWL]))?$")
_NUMBER = re.compile(r"^(\$[0-9A-Fa-f]+|0x[0-9A-Fa-f]+|%[01]+|\d+)")
_SIZE_SUFFIX = {"b": 1, "w": 2, "l": 3}


def _strip_comment(text: str) -> str:
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == ";":
            return text[:i]
    return text


def _strip_labels(text: str) -> str:
    while True:
        match = _LABEL.match(text)
        if not match:
            return text.strip()
        text = text[match.end():]


def _literal(text: str) -> tuple[int | None, int]:
    """(value, byte width) of the leading literal; (None, 2) for a label/expression."""
    match = _NUMBER.match(text.strip())
    if not match:
        return None, 2
    lit = match.group(1)
    if lit.startswith("$") or lit.lower().startswith("0x"):
        digits = lit[1:] if lit.startswith("$") else lit[2:]
        return int(digits, 16), min(3, (len(digits) + 1) // 2)
    value = int(lit[1:], 2) if lit.startswith("%") else int(lit)
    return value, 1 if value < 0x100 else 2 if value < 0x10000 else 3


_PLAIN = {1: Mode.DP, 2: Mode.ABS, 3: Mode.LONG}
_INDEXED_X = {1: Mode.DP_X, 2: Mode.ABS_X, 3: Mode.LONG_X}
_INDEXED_Y = {1: Mode.DP_Y, 2: Mode.ABS_Y}
_INDIRECT = {1: Mode.DP_IND, 2: Mode.ABS_IND}
_INDIRECT_X = {1: Mode.DP_X_IND, 2: Mode.ABS_X_IND}
_INDIRECT_LONG = {1: Mode.DP_IND_L, 2: Mode.ABS_IND_L}


def _pick(modes, table: dict, width: int) -> Mode | None:
    """The smallest form at least ``width`` bytes wide that the mnemonic has."""
    for size in sorted(table):
        if size >= width and table[size] in modes:
            return table[size]
    return None


def parse_operand_mode(mnemonic: str, operand: str, size_hint: int | None):
    """(Mode, literal value or None) for an operand in asar syntax, or None."""
    modes = by_mnemonic(mnemonic)
    op = operand.strip()
    low = op.lower().replace(" ", "")
    if not op or low == "a":
        for mode in (Mode.ACC, Mode.IMP):
            if mode in modes:
                return mode, None
        return None
    if low.startswith("#"):
        value, _ = _literal(op[1:])
        for mode in (Mode.IMM_M, Mode.IMM_X, Mode.IMM8):
            if mode in modes:
                return mode, value
        return None
    if Mode.REL8 in modes or Mode.REL16 in modes:   # branches, BRL, PER
        return (Mode.REL16 if Mode.REL16 in modes else Mode.REL8), None
    if Mode.BLOCK in modes:
        return Mode.BLOCK, None
    width = size_hint
    # A jump or call that changes the bank (JML, JSL) takes a long address; one
    # that stays in it (JMP, JSR) at least a 16-bit one.
    far = transfers_control(mnemonic) and "PBR" in register_writes(mnemonic)
    near = transfers_control(mnemonic) and not far
    if far and not (low.startswith("[") or low.startswith("(")):
        width = 3
    inner_text = re.sub(r"[()\[\]]|,[xys]", "", low)
    value, literal_width = _literal(inner_text)
    width = width or literal_width
    if near and width < 2:
        width = 2
    if ",s" in low and not (low.endswith(",s") or low.endswith(",s),y")):
        return None
    if low.endswith(",s"):
        return (Mode.SR if Mode.SR in modes else None), value
    if low.startswith("(") and low.endswith(",s),y"):
        return (Mode.SR_IND_Y if Mode.SR_IND_Y in modes else None), value
    if low.startswith("(") and low.endswith("),y"):
        return (Mode.DP_IND_Y if Mode.DP_IND_Y in modes else None), value
    if low.startswith("(") and low.endswith(",x)"):
        return _pick(modes, _INDIRECT_X, width), value
    if low.startswith("(") and low.endswith(")"):
        return _pick(modes, _INDIRECT, width), value
    if low.startswith("[") and low.endswith("],y"):
        return (Mode.DP_IND_LY if Mode.DP_IND_LY in modes else None), value
    if low.startswith("[") and low.endswith("]"):
        return _pick(modes, _INDIRECT_LONG, width), value
    if low.endswith(",x"):
        return _pick(modes, _INDEXED_X, width), value
    if low.endswith(",y"):
        return _pick(modes, _INDEXED_Y, width), value
    return _pick(modes, _PLAIN, width), value


def _resolve(mnemonic: str, operand: str, hint: int | None):
    """(Opcode, Mode, literal value) for a statement, trying asar's aliases: the long
    forms are accepted under the short mnemonics too (JMP $123456 is JML)."""
    for name in (mnemonic, far_twin(mnemonic)):
        if name is None:
            continue
        chosen = parse_operand_mode(name, operand, hint)
        if chosen is not None and chosen[0] is not None:
            return OPCODES[by_mnemonic(name)[chosen[0]]], chosen[0], chosen[1]
    return None


def _statements(text: str) -> list[str]:
    """asar separates statements on one line with `` : ``."""
    return [part.strip() for part in re.split(r"\s:\s", text) if part.strip()]


def _from_listing(source: str, m, x, emulation, dl_nonzero, filename) -> CycleReport:
    report = CycleReport(method="listing")
    widths = _Widths(m, x, emulation)
    for number, raw in enumerate(source.splitlines(), start=1):
        body = _strip_comment(raw)
        statements = _statements(body)
        if not statements:
            continue
        span = SourceSpan(filename, number, 1)
        size_sum = lo_sum = hi_sum = 0
        notes: list[str] = []
        line_m, line_x = widths.m, widths.x
        counted = False
        for statement in statements:
            statement = _strip_labels(statement)
            if not statement or "=" in statement.split(None, 1)[0]:
                continue
            head, _, operand = statement.partition(" ")
            if operand.strip().startswith("="):
                continue  # `name = value` definitions
            sized = _SIZED.match(head)
            if not sized or not by_mnemonic(sized.group(1)):
                report.diagnostics.append(warning(
                    UNKNOWN_MNEMONIC, f"not an instruction: {statement.split()[0]!r} (line skipped)", span))
                continue
            mnemonic = sized.group(1).upper()
            hint = _SIZE_SUFFIX.get((sized.group(2) or "").lower())
            resolved = _resolve(mnemonic, operand, hint)
            if resolved is None:
                report.diagnostics.append(warning(
                    BAD_OPERAND, f"{mnemonic} has no form {operand.strip()!r}", span))
                continue
            op, mode, value = resolved
            if counted is False:
                line_m, line_x = widths.m, widths.x
            size = op.length(widths.m, widths.x)
            if mode in (Mode.IMM_M, Mode.IMM_X):
                # asar sizes an immediate by its suffix or literal, not by M/X.
                literal_value, literal_width = _literal(operand.strip()[1:])
                if hint:
                    size = 1 + min(hint, 2)
                elif literal_value is not None:
                    size = 1 + min(literal_width, 2)
            lo, hi, why = _instruction_cycles(op, widths, dl_nonzero)
            size_sum, lo_sum, hi_sum = size_sum + size, lo_sum + lo, hi_sum + hi
            notes.extend(n for n in why if n not in notes)
            widths.apply(op, value)
            counted = True
        if counted:
            report._add(CycleLine(number, raw.strip(), size_sum, lo_sum, hi_sum, None,
                                  line_m, line_x, tuple(notes)))
    return report


__all__ = ["CycleLine", "CycleReport", "count_cycles", "parse_operand_mode"]
