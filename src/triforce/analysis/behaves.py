"""One ``behaves`` case of the benchmark format: run code from an entry state
and compare the registers and RAM it names with what is expected."""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.analysis.machine import EntryState, Machine, Outcome, build, canonical

_FLAG_BITS = {"c": 0x01, "z": 0x02, "v": 0x40, "n": 0x80, "m": 0x20, "x": 0x10}


@dataclass
class CaseResult:
    passed: bool
    mismatches: list[str] = field(default_factory=list)
    outcome: Outcome | None = None


def compare_expectations(outcome: Outcome, state: EntryState, expect: dict,
                         writable=None) -> list[str]:
    """Mismatches between ``outcome`` and ``expect`` (keys as in bench/FORMAT.md)."""
    bad: list[str] = []
    exit_m = 1 if (outcome.e or outcome.p & 0x20) else 0
    actual = {"a": outcome.a & (0xFF if exit_m else 0xFFFF), "a16": outcome.a, "x_reg": outcome.x,
              "y": outcome.y, "d": outcome.d, "dbr": outcome.dbr, "s": outcome.s, "e": outcome.e}
    for key, want in expect.items():
        if key == "ram":
            for addr, value in want:
                addr = canonical(int(addr))
                got = outcome.writes.get(addr, state.ram.get(addr, 0))
                if got != value:
                    bad.append(f"${addr:06X}: expected ${value:02X}, got ${got:02X}")
        elif key in _FLAG_BITS:
            got = int(bool(outcome.p & _FLAG_BITS[key]))
            if got != int(want):
                bad.append(f"{key}: expected {want}, got {got}")
        elif key in actual:
            if actual[key] != int(want):
                bad.append(f"{key}: expected ${int(want):X}, got ${actual[key]:X}")
    if writable is not None:
        ranges = [(canonical(int(a)), canonical(int(b))) for a, b in writable]
        for addr in outcome.writes:
            if outcome.stack_floor <= addr <= (0x7E0000 | state.s):
                continue
            if not any(first <= addr <= last for first, last in ranges):
                bad.append(f"${addr:06X}: written but not writable")
    return bad


def check_case(code: str, case: dict, *, context: str = "", hooks=None, m: int = 1, x: int = 1) -> CaseResult:
    built = build(code, context=context)
    if not built.ok:
        return CaseResult(False, [d.message for d in built.diagnostics if d.is_error][:3])
    machine = Machine(built, hooks=hooks)
    state = EntryState.from_dict(case.get("entry", {}), m=m, x=x)
    for addr, value in case.get("ram", []) or []:
        state.ram[canonical(int(addr))] = int(value) & 0xFF
    outcome = machine.run(state)
    if not outcome.finished:
        return CaseResult(False, [f"did not finish: {outcome.reason}"], outcome)
    bad = compare_expectations(outcome, state, case.get("expect", {}), case.get("writable"))
    if outcome.rom_writes:
        bad.append(f"wrote ROM at ${outcome.rom_writes[0][0]:06X}")
    return CaseResult(not bad, bad, outcome)


__all__ = ["CaseResult", "check_case", "compare_expectations"]
