"""Impa's bounds guard: put a range check in front of an index that comes
from memory, then prove it in the simulator — unchanged behaviour for every
in-range index, and no write at all for an out-of-range one.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from triforce.analysis.equivalence import EquivalenceResult, check_equivalence
from triforce.analysis.machine import EntryState, Machine, build, canonical
from triforce.analysis.peephole import Entry, render, to_entries
from triforce.analysis.source import parse_number, parse_operand, parse_source
from triforce.diagnostics import Diagnostic, note
from triforce.isa.queries import (
    compare_for,
    compared_register,
    loaded_register,
    register_reads,
    register_writes,
    subroutine_return,
    transferred_registers,
    writes_memory,
)

GUARD_LABEL = ".out_of_range"


@dataclass
class GuardResult:
    ok: bool
    code: str = ""
    index_source: str = ""          # "$18B8" — the memory the index comes from
    bound: int | None = None
    in_range: EquivalenceResult | None = None
    out_of_range_states: int = 0
    out_of_range_writes: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.ok and self.in_range and self.in_range.equivalent and not self.out_of_range_writes
                    and self.out_of_range_states)


_BOUND_PATTERNS = (
    (re.compile(r"(\$[0-9A-Fa-f]+|\d+)\s+or\s+(?:more|higher|greater|above|bigger|larger)", re.I), 0),
    (re.compile(r">=\s*(\$[0-9A-Fa-f]+|\d+)"), 0),
    (re.compile(r"\((?:\$?0+|0)\s*-\s*(\$[0-9A-Fa-f]+|\d+)\)"), 1),
    (re.compile(r"\b(\d+)[- ]entr(?:y|ies)\b", re.I), 0),
    (re.compile(r"\bids?\s*>=?\s*(\$[0-9A-Fa-f]+|\d+)", re.I), 0),
)


def bound_from_text(text: str) -> int | None:
    """The first index that is out of range, read from words like "6 or more", "(0-5)"."""
    for pattern, add in _BOUND_PATTERNS:
        match = pattern.search(text or "")
        if match:
            number = parse_number(match.group(1))
            if number:
                return number[0] + add
    return None


def _find_index_load(entries: list[Entry]) -> tuple[int, str, str] | None:
    """(entry index after which to check, compare mnemonic, where the index comes from).

    The index comes from memory (``LDX $18B8``, or ``LDA mem`` shortly before a
    ``TAX``) or, failing that, from a register the routine is called with: A
    when a ``TAX``/``TAY`` comes before anything loads A, X/Y when they index a
    write before anything loads them. ``-1`` means "check at the start".
    """
    for i, entry in enumerate(entries):
        register = loaded_register(entry.mnemonic)
        if register and not entry.operand.startswith("#"):
            statement = parse_source(entry.text)[0]
            operand = parse_operand(statement)
            if operand.kind != "addr" or operand.value is None or operand.index:
                continue
            compare = compare_for(register)
            if register == "A":
                follows = [e.mnemonic for e in entries[i + 1:i + 5]]
                if not any(_a_to_index(m) for m in follows):
                    continue
            return i, compare, entry.operand
    loaded: set[str] = set()     # registers given a new value (not derived from the entry one)
    for i, entry in enumerate(entries):
        if _a_to_index(entry.mnemonic) and "A" not in loaded:
            return i - 1, compare_for("A"), "A"
        accumulator = entry.operand in ("", "A")
        loaded |= register_writes(entry.mnemonic, accumulator=accumulator) - \
            register_reads(entry.mnemonic, accumulator=accumulator)
        if writes_memory(entry.mnemonic):
            index = entry.operand.replace(" ", "").lower()[-2:]
            register = {",x": "X", ",y": "Y"}.get(index)
            if register and register not in loaded:
                return -1, compare_for(register), register
    return None


def _a_to_index(mnemonic: str) -> bool:
    """TAX/TAY: the accumulator copied into an index register."""
    copied = transferred_registers(mnemonic)
    return copied is not None and copied[0] == "A" and copied[1] in ("X", "Y")


def guard(source: str, bound: int, *, m: int = 1, x: int = 1, states: int = 300, seed: int = 0,
          context: str = "") -> GuardResult:
    entries = to_entries(source)
    found = _find_index_load(entries)
    if found is None:
        return GuardResult(False, diagnostics=[note("L301", "no index from memory or from an entry register "
                                                    "was found to guard")])
    at, compare, memory = found
    digits = 2 if (m if compared_register(compare) == "A" else x) else 4
    guard_lines = [Entry((), f"{compare} #${bound:0{digits}X}", compare, f"#${bound:0{digits}X}",
                         f"{bound} or more is out of range"),
                   Entry((), f"BCS {GUARD_LABEL}", "BCS", GUARD_LABEL, "write nothing")]
    if at < 0:
        # Check at the routine's start: the guard takes over the leading labels.
        first = entries[0] if entries else Entry((), "")
        guard_lines[0] = Entry(first.labels, *(guard_lines[0].text, guard_lines[0].mnemonic,
                                               guard_lines[0].operand, guard_lines[0].comment))
        entries = [Entry((), first.text, first.mnemonic, first.operand, first.comment)] + entries[1:]
    guarded = entries[:at + 1] + guard_lines + entries[at + 1:]
    returns = [k for k, e in enumerate(guarded) if subroutine_return(e.mnemonic)]
    if returns and returns[-1] == len(guarded) - 1:
        last = guarded[-1]
        guarded[-1] = Entry(last.labels + (GUARD_LABEL,), last.text, last.mnemonic, last.operand, last.comment)
    else:
        kind = "RTL" if any(e.mnemonic == "RTL" for e in guarded) else "RTS"
        guarded.append(Entry((GUARD_LABEL,), kind, kind))
    code = render(guarded)
    result = GuardResult(True, code, memory if memory not in ("A", "X", "Y") else f"the {memory} register",
                         bound)
    register = {"A": "a", "X": "x_reg", "Y": "y"}.get(memory)
    index_addr = None
    if register is None:
        address = parse_number(memory.split(",")[0].strip())
        if address is None:
            result.diagnostics.append(note("L302", "the index comes from a symbolic address; not verified"))
            return result
        index_addr = canonical(address[0])
    top = max(0, bound - 1)
    vary: dict = {"a": None, "x_reg": None, "y": None}
    if register:
        vary[register] = [0, top]
        entry = {register: 0}
    else:
        vary["ram"] = [[index_addr, 0, top]]
        entry = {"ram": [[index_addr, 0]]}
    # The inserted compare sets N, Z and C by design; everything else must match.
    flag_reason = f"set by the inserted {compare}"
    result.in_range = check_equivalence(source, code, live_out=["A", "B", "X", "Y", "V", "mem"],
                                        m=m, x=x, states=states, seed=seed, vary=vary, context=context,
                                        entry_states=[entry],
                                        reasons={"N": flag_reason, "Z": flag_reason, "C": flag_reason})
    built = build(code, context=context)
    if not built.ok:
        result.ok = False
        result.diagnostics.extend(built.diagnostics)
        return result
    machine = Machine(built)
    rng = random.Random(seed)
    width_top = 0xFF if (m if compared_register(compare) == "A" else x) else 0xFFFF
    edges = {bound, width_top, 0x80 if width_top == 0xFF else 0x8000, min(width_top, bound + 1)}
    values = sorted(v for v in edges if bound <= v <= width_top)
    values += [rng.randint(bound, width_top) for _ in range(16) if bound <= width_top]
    for value in values:
        state = EntryState(a=rng.getrandbits(16), x_reg=rng.getrandbits(8 if x else 16),
                           y=rng.getrandbits(8 if x else 16), m=m, x=x)
        if register:
            setattr(state, register, value if register != "a" else (state.a & 0xFF00 if m else 0) | value)
        else:
            state.ram[index_addr] = value & 0xFF
        outcome = machine.run(state)
        result.out_of_range_states += 1
        stray = [a for a in outcome.writes if not outcome.stack_floor <= a <= 0x7E01FF]
        if not outcome.finished or stray:
            what = outcome.reason if not outcome.finished else ", ".join(f"${a:06X}" for a in stray[:4])
            result.out_of_range_writes.append(f"index ${value:02X}: {what}")
    return result


__all__ = ["GuardResult", "bound_from_text", "guard"]
