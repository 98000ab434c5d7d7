"""Where a patch puts its bytes: org blocks, their overlaps (two hooks writing
the same ROM bytes), calls that cross banks, and a per-bank space plan.

The assembler gives exact addresses when the patch assembles; otherwise
(a hook calling labels that live in the game) sizes are estimated from the
isa table, and the report says so.

Codes: L101 two blocks overlap · L102 JSR/JMP across banks (from the linter's
L004) · L103 block crosses a bank boundary · L104 size estimated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.analysis.source import parse_number, parse_operand, parse_source
from triforce.diagnostics import Diagnostic, SourceSpan, note, warning
from triforce.isa import BRANCHES, OPCODES, Mode, by_mnemonic

LOROM_BANK_BYTES = 0x8000
BLANK_ROM_BYTES = 0x100000


@dataclass
class Block:
    start: int              # 24-bit SNES address
    size: int
    line: int
    origin: str             # the org/freecode text
    placed: bool = True     # False: a freecode block whose address asar picks later

    @property
    def end(self) -> int:   # exclusive
        return self.start + self.size


@dataclass
class PatchLayout:
    blocks: list[Block] = field(default_factory=list)
    exact: bool = True
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def by_bank(self) -> dict[int, int]:
        used: dict[int, int] = {}
        for block in self.blocks:
            if not block.placed:
                continue
            bank = (block.start >> 16) & 0x7F
            used[bank] = used.get(bank, 0) + block.size
        return dict(sorted(used.items()))

    def to_dict(self) -> dict:
        return {"exact": self.exact,
                "blocks": [{"start": f"${b.start:06X}", "end": f"${b.end - 1:06X}", "size": b.size,
                            "line": b.line, "origin": b.origin} for b in self.blocks],
                "banks": {f"${bank:02X}": used for bank, used in self.by_bank().items()},
                "diagnostics": [d.to_dict() for d in self.diagnostics]}


def layout(source: str, *, filename: str = "<input>") -> PatchLayout:
    """Blocks of the patch, with overlap and bank-crossing findings."""
    blocks = _assembled_blocks(source)
    exact = blocks is not None
    if blocks is None:
        blocks = _estimated_blocks(source)
    result = PatchLayout(blocks, exact)
    if not exact:
        result.diagnostics.append(note("L104", "the patch does not assemble on its own (labels from the game?); "
                                       "block sizes are estimated from the instruction table",
                                       SourceSpan(filename)))
    ordered = sorted((b for b in blocks if b.placed), key=lambda b: b.start)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.start >= a.end:
                break
            if a.line != b.line:
                lo, hi = max(a.start, b.start), min(a.end, b.end) - 1
                result.diagnostics.append(warning(
                    "L101", f"the block at line {b.line} ({b.origin}) overwrites ${lo:06X}-${hi:06X}, "
                    f"already written by the block at line {a.line} ({a.origin})", SourceSpan(filename, b.line, 1)))
    for block in blocks:
        if block.placed and block.size and (block.start >> 16) != ((block.end - 1) >> 16):
            result.diagnostics.append(warning("L103", f"{block.origin} runs past the end of bank "
                                              f"${block.start >> 16:02X}", SourceSpan(filename, block.line, 1)))
    from triforce.analysis.lint import lint
    for diag in lint(source, filename=filename).diagnostics:
        if diag.code == "L004":
            result.diagnostics.append(warning("L102", diag.message, diag.span))
    return result


def _assembled_blocks(source: str) -> list[Block] | None:
    from triforce.asm import assemble

    text = source if any(s.directive in ("lorom", "hirom") for s in parse_source(source)) else "lorom\n" + source
    # A blank 1 MiB image gives freecode somewhere to go (its place is then only an example).
    result = assemble(text, rom=bytes(BLANK_ROM_BYTES))
    if not result.ok:
        return None
    offset = 0 if text is source else 1
    blocks: list[Block] = []
    for record in result.lines:
        if not record.data:
            continue
        line = record.line - offset
        last = blocks[-1] if blocks else None
        if last is not None and last.end == record.snes_addr:
            last.size += len(record.data)
            continue
        blocks.append(Block(record.snes_addr, len(record.data), line, f"code at ${record.snes_addr:06X}"))
    _name_blocks(blocks, source)
    return blocks


def _name_blocks(blocks: list[Block], source: str) -> None:
    origins = [(s.line, s.text.strip()) for s in parse_source(source)
               if s.directive in ("org", "freecode", "freedata", "pushpc", "pullpc")]
    for block in blocks:
        before = [text for line, text in origins if line <= block.line]
        if before:
            block.origin = before[-1]
            block.line = max(line for line, text in origins if line <= block.line)


def _estimated_blocks(source: str) -> list[Block]:
    blocks: list[Block] = []
    current: Block | None = None
    for statement in parse_source(source):
        if statement.directive == "org":
            number = parse_number(statement.operand)
            current = Block(number[0], 0, statement.line, statement.text.strip()) if number else None
            if current:
                blocks.append(current)
            continue
        if statement.directive in ("freecode", "freedata", "freespace"):
            current = Block(0, 0, statement.line, statement.text.strip(), placed=False)
            blocks.append(current)
            continue
        if current is None:
            continue
        current.size += _estimate(statement)
    return blocks


def _estimate(statement) -> int:
    if statement.directive in ("db", "dw", "dl", "dd"):
        items = [i for i in statement.operand.split(",") if i.strip()]
        return len(items) * {"db": 1, "dw": 2, "dl": 3, "dd": 4}[statement.directive]
    if not statement.is_instruction:
        return 0
    modes = by_mnemonic(statement.mnemonic)
    operand = parse_operand(statement)
    if operand.kind == "none" or operand.kind == "acc":
        return 1
    if operand.kind == "imm":
        return 1 + (operand.size or 1)
    if operand.kind == "block":
        return 3
    if statement.mnemonic in BRANCHES:
        return 2
    if (Mode.LONG in modes and Mode.ABS not in modes) or operand.size == 3:   # JSL, JML
        return 4
    if Mode.REL16 in modes:
        return 3
    if operand.size == 1 and any(OPCODES[c].mode.name.startswith("DP") for c in modes.values()):
        return 2
    return 3


def bank_plan(source: str) -> list[str]:
    """Zelda's hints: space used per bank and where new code could go."""
    plan = layout(source)
    lines = []
    for bank, used in plan.by_bank().items():
        lines.append(f"bank ${bank:02X}: {used} bytes written by this patch "
                     f"({LOROM_BANK_BYTES - used} of {LOROM_BANK_BYTES} left in a LoROM bank, before the game's own data)")
    if any(b.origin.startswith("org") and (b.start & 0x7FFFFF) >= 0x008000 and (b.start >> 16) & 0x7F == 0
           for b in plan.blocks):
        lines.append("code placed with org in bank $00 competes with the game's own code: move routines "
                     "to `freecode` (asar finds free space and writes a RATS tag) and keep only the hook jumps "
                     "(JSL to the new code) at the original addresses")
    if len(plan.by_bank()) > 1:
        lines.append("several banks are touched: call across banks with JSL/RTL (or JML), not JSR/JMP")
    lines.append("put `warnpc $XXXXXX` after each hook to fail the build if it grows past the bytes it replaces")
    return lines


__all__ = ["Block", "PatchLayout", "bank_plan", "layout"]
