"""Questions the analysis tools ask about instructions, answered from the effects table.

These work on mnemonics as written in source (case-insensitive) and answer
"no" / empty for anything that is not a 65816 mnemonic (directives, macros),
so callers can pass any statement's name. The accumulator's bytes (A, B, C)
are reported together as ``"A"``.
"""

from __future__ import annotations

from triforce.isa import MNEMONICS, OPCODES, Mode, by_mnemonic
from triforce.isa.effects_table import _REGISTER_FORMS
from triforce.isa.semantics import COMPUTED, EFFECTS, Effects

_ACCUMULATOR = frozenset({"A", "B", "C"})


def _row(mnemonic: str) -> Effects | None:
    return EFFECTS.get(mnemonic.upper()) if mnemonic else None


def _coarse(names: frozenset[str], accumulator: bool) -> frozenset[str]:
    out = {"A" if name in _ACCUMULATOR else name for name in names if name != "@"}
    if "@" in names and accumulator:
        out.add("A")
    return frozenset(out)


def register_reads(mnemonic: str, *, accumulator: bool = False) -> frozenset[str]:
    """Registers the instruction reads (not counting its addressing mode's index or base
    registers). ``accumulator``: the operand is A (``ASL``, ``INC A``), not memory."""
    row = _row(mnemonic)
    return _coarse(row.reads, accumulator) if row else frozenset()


def register_writes(mnemonic: str, *, accumulator: bool = False) -> frozenset[str]:
    """Registers the instruction may change (PC only when it transfers control)."""
    row = _row(mnemonic)
    return _coarse(row.writes, accumulator) if row else frozenset()


def writes_memory(mnemonic: str) -> bool:
    """Whether some form of the mnemonic stores to its memory operand."""
    return any("w" in OPCODES[code].access for code in by_mnemonic(mnemonic).values())


def is_store(mnemonic: str) -> bool:
    """A store: writes its memory operand without reading it (STA, STX, STY, STZ)."""
    return any(OPCODES[code].access == "w" for code in by_mnemonic(mnemonic).values())


def register_operation(mnemonic: str, *, accumulator: bool = False) -> tuple[str, str] | None:
    """``(register, read-modify-write)`` for an instruction that modifies one register in
    place the way its memory twin modifies memory: INX -> ("X", "INC"); with
    ``accumulator`` (the operand is A), ASL -> ("A", "ASL"). Else None."""
    row = _row(mnemonic)
    if row is None:
        return None
    if row.mnemonic in _REGISTER_FORMS:
        (register,) = _coarse(row.writes, False)
        return register, _REGISTER_FORMS[row.mnemonic]
    if accumulator and "@" in row.reads and "@" in row.writes:
        return "A", row.mnemonic
    return None


def loaded_register(mnemonic: str) -> str | None:
    """The register a plain load fills from its operand (LDA -> "A", LDX -> "X"), else None."""
    row = _row(mnemonic)
    if row is None or row.reads or row.push or row.pull or len(row.writes) != 1:
        return None
    (name,) = _coarse(row.writes, False) or ("",)
    return name if name in ("A", "X", "Y") else None


def compared_register(mnemonic: str) -> str | None:
    """The register a compare subtracts its operand from (CMP -> "A", CPX -> "X"), else None."""
    row = _row(mnemonic)
    if row is None or row.writes or set(row.flags) != {"N", "Z", "C"}:
        return None
    (name,) = _coarse(row.reads, False) or ("",)
    return name or None


def compare_for(register: str) -> str | None:
    """The compare instruction for a register ("X" -> "CPX")."""
    return next((name for name in sorted(MNEMONICS) if compared_register(name) == register), None)


def transferred_registers(mnemonic: str) -> tuple[str, str] | None:
    """``(source, destination)`` of a register-to-register copy (TAX -> ("A", "X"))."""
    row = _row(mnemonic)
    if row is None or row.push or row.pull or Mode.IMP not in by_mnemonic(mnemonic):
        return None
    reads, writes = _coarse(row.reads, False), _coarse(row.writes, False)
    if len(reads) != 1 or len(writes) != 1 or reads == writes:
        return None
    return next(iter(reads)), next(iter(writes))


def sets_widths_from_operand(mnemonic: str) -> int | None:
    """REP -> 0, SEP -> 1: the value the flags named by the operand take; else None."""
    row = _row(mnemonic)
    kind = row.flags.get("M") if row else None
    return {"operand-clears": 0, "operand-sets": 1}.get(kind or "")


def restores_flags(mnemonic: str) -> bool:
    """PLP/RTI: every status bit is loaded from the stack."""
    row = _row(mnemonic)
    return bool(row) and row.flags.get("M") == COMPUTED and bool(row.pull)


def subroutine_return(mnemonic: str) -> bool:
    """RTS/RTL: a return that pulls only an address (RTI also restores P)."""
    row = _row(mnemonic)
    return bool(row) and row.flow == "return" and not row.flags


def transfers_control(mnemonic: str) -> bool:
    """Jumps and calls (JMP, JML, JSR, JSL, BRA, BRL): the operand is a code address."""
    row = _row(mnemonic)
    return bool(row) and row.flow in ("jump", "call")


def far_twin(mnemonic: str) -> str | None:
    """The long (bank-changing) form of a 16-bit jump or call: JSR -> JSL, JMP -> JML."""
    row = _row(mnemonic)
    if row is None or row.flow not in ("call", "jump") or "PBR" in row.writes \
            or Mode.ABS not in by_mnemonic(mnemonic):
        return None
    return next((name for name in sorted(MNEMONICS) if EFFECTS[name].flow == row.flow
                 and Mode.LONG in by_mnemonic(name)), None)


def jump_for_call(mnemonic: str) -> str | None:
    """The jump that replaces a call in tail position (JSR -> JMP, JSL -> JML): same
    flow target, same bank behaviour."""
    row = _row(mnemonic)
    if row is None or row.flow != "call":
        return None
    modes = {mode for mode in by_mnemonic(mnemonic) if mode in (Mode.ABS, Mode.LONG)}
    return next((name for name in sorted(MNEMONICS) if EFFECTS[name].flow == "jump"
                 and modes & set(by_mnemonic(name))), None)


def return_for_call(mnemonic: str) -> str | None:
    """The return that pulls what the call pushed (JSR -> RTS, JSL -> RTL)."""
    row = _row(mnemonic)
    if row is None or row.flow != "call":
        return None
    return next((name for name in sorted(MNEMONICS)
                 if subroutine_return(name) and EFFECTS[name].pull == row.push), None)


def branch_flag(mnemonic: str) -> str | None:
    """The flag a conditional branch tests (BPL -> "N"), else None."""
    row = _row(mnemonic)
    return row.condition[0] if row and row.condition else None


def branch_on(flag: str, value: int) -> str | None:
    """The conditional branch taken when ``flag`` equals ``value`` (("N", 0) -> "BPL")."""
    return next((name for name, row in sorted(EFFECTS.items())
                 if row.condition == (flag, value)), None)


__all__ = [
    "branch_flag",
    "branch_on",
    "compare_for",
    "compared_register",
    "far_twin",
    "is_store",
    "jump_for_call",
    "loaded_register",
    "register_operation",
    "register_reads",
    "register_writes",
    "restores_flags",
    "return_for_call",
    "sets_widths_from_operand",
    "subroutine_return",
    "transferred_registers",
    "transfers_control",
    "writes_memory",
]
