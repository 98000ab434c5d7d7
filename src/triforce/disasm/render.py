"""Instruction text in an assembler's syntax: asar (the default), ca65 or 64tass.

Every choice here is made so that the assembler turns the text back into the
same bytes:
- memory operands print with as many hex digits as they have bytes, and with an
  explicit width (asar ``.b/.w/.l``, ca65 ``z:/a:/f:``, 64tass ``@b/@w/@l``)
  whenever the mnemonic has the same operand shape at another width, or the
  operand is a label narrower than 24 bits (its value may be wider);
- immediates print with 2 or 4 digits, as the tracked M/X made them;
- branches (and PER) always name their target: a label, never a bare number,
  because asar reads a bare number after a branch as a raw displacement;
- MVN/MVP: asar writes the operand bytes in source order, ca65 and 64tass use
  the WDC order ``src,dest`` (bytes ``dest src``).
"""

from __future__ import annotations

from triforce.isa import OPCODES, Mode, by_mnemonic
from triforce.isa.queries import sets_widths_from_operand

DIALECTS = ("asar", "ca65", "64tass")

# Explicit operand widths (1, 2, 3 bytes) in each syntax.
_WIDTH_SUFFIX = ("", "b", "w", "l")
_CA65_PREFIX = ("", "z:", "a:", "f:")
_TASS_PREFIX = ("", "@b ", "@w ", "@l ")


def hex_value(value: int, nbytes: int) -> str:
    return f"${value:0{2 * nbytes}X}"


def _same_shape_count(mnemonic: str, mode: Mode) -> int:
    return sum(1 for other in by_mnemonic(mnemonic) if other.syntax == mode.syntax)


# (mnemonic, mode) pairs whose operand shape exists at another width too
# (``LDA $12`` / ``LDA $1234`` / ``LDA $123456``), read from the ISA table.
_AMBIGUOUS = frozenset((op.mnemonic, op.mode) for op in OPCODES
                       if _same_shape_count(op.mnemonic, op.mode) > 1)


def is_width_ambiguous(mnemonic: str, mode: Mode) -> bool:
    return (mnemonic, mode) in _AMBIGUOUS


def render(opcode: int, operand: int | None, length: int, *, label: str | None = None,
           dialect: str = "asar") -> str:
    """Text of one instruction. ``label`` replaces the operand value (required
    for REL8/REL16, where it names the branch target)."""
    op = OPCODES[opcode]
    mode = op.mode
    mnemonic = op.mnemonic
    size = length - 1
    if mode is Mode.IMP:
        return mnemonic
    if mode is Mode.ACC:
        return f"{mnemonic} A"
    if mode is Mode.BLOCK:
        first, second = operand & 0xFF, operand >> 8
        if dialect == "ca65":
            return f"{mnemonic} #{hex_value(second, 1)},#{hex_value(first, 1)}"
        if dialect == "64tass":
            return f"{mnemonic} {hex_value(second, 1)},{hex_value(first, 1)}"
        return f"{mnemonic} {hex_value(first, 1)},{hex_value(second, 1)}"
    if mode in (Mode.IMM_M, Mode.IMM_X, Mode.IMM8):
        # BRK/COP/WDM: a signature byte, not an operand the instruction uses.
        if dialect == "ca65" and mode is Mode.IMM8 and sets_widths_from_operand(mnemonic) is None:
            return f"{mnemonic} {hex_value(operand, 1)}"  # ca65's signature-byte form
        return f"{mnemonic} #{hex_value(operand, size)}"
    if mode in (Mode.REL8, Mode.REL16):
        if label is None:
            raise ValueError("a branch needs a label for its target")
        return f"{mnemonic} {label}"

    value = label if label is not None else hex_value(operand, size)
    # A label may be wider than the operand (asar would then pick a longer form
    # or refuse): give its width unless it is already the widest (24-bit).
    forced = is_width_ambiguous(mnemonic, mode) or (label is not None and size < 3)
    if dialect == "asar":
        suffix = f".{_WIDTH_SUFFIX[size]}" if forced else ""
        return f"{mnemonic}{suffix} {mode.syntax.format(value)}"
    if dialect == "ca65":
        prefix = _CA65_PREFIX[size] if forced else ""
        return f"{mnemonic} {mode.syntax.format(prefix + value)}"
    if dialect == "64tass":
        prefix = _TASS_PREFIX[size] if forced else ""
        return f"{mnemonic} {mode.syntax.format(prefix + value)}"
    raise ValueError(f"unknown dialect {dialect!r}; expected one of {DIALECTS}")


def data_text(raw: bytes, dialect: str = "asar") -> str:
    """Bytes that do not form an instruction."""
    body = ",".join(hex_value(b, 1) for b in raw)
    if dialect == "ca65":
        return f".byte {body}"
    if dialect == "64tass":
        return f".byte {body}"
    return f"db {body}"
