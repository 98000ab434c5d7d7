"""A routine's signature, measured in the simulator: which registers and flags
it takes as inputs, which it changes, what memory it reads and writes, and
how many cycles it takes. Also a one-shot run summary for debugging.

Inputs are found by perturbation: a register is an input when changing only
its entry value changes what the routine leaves behind.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from triforce.analysis.machine import EntryState, Machine, Outcome, build, is_rom
from triforce.diagnostics import Diagnostic, error

_REGISTERS = ("a", "x_reg", "y")
_FLAGS = {"C": 0x01, "Z": 0x02, "V": 0x40, "N": 0x80}
_NAMES = {"a": "A", "x_reg": "X", "y": "Y"}


@dataclass
class Signature:
    ok: bool
    inputs: list[str] = field(default_factory=list)        # "A", "X", "C", "$7E0010"...
    outputs: list[str] = field(default_factory=list)       # registers/flags that change
    reads: list[int] = field(default_factory=list)         # canonical addresses (data, not code)
    writes: list[int] = field(default_factory=list)
    cycles: tuple[int, int] | None = None                  # min, max over the runs
    stack_balanced: bool = True
    preserves_widths: bool = True
    runs: int = 0
    failures: list[str] = field(default_factory=list)      # "budget from A=$1234 ..."
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "inputs": self.inputs, "outputs": self.outputs,
                "reads": [f"${a:06X}" for a in self.reads], "writes": [f"${a:06X}" for a in self.writes],
                "cycles": list(self.cycles) if self.cycles else None,
                "stack_balanced": self.stack_balanced, "preserves_widths": self.preserves_widths,
                "runs": self.runs, "failures": self.failures}


def _fingerprint(o: Outcome, skip: str = "", skip_bit: int = 0) -> tuple:
    regs = {"a": o.a, "x_reg": o.x, "y": o.y}
    if skip:
        regs[skip] = None
    p = o.p & 0xC3 & ~skip_bit
    return (o.reason, regs["a"], regs["x_reg"], regs["y"], p, o.s, tuple(sorted(o.writes.items())))


def _is_input(first: Outcome, first_state: EntryState, second: Outcome, second_state: EntryState,
              reg: str = "", bit: int = 0) -> bool:
    """Changing only ``reg`` (or flag ``bit``) on entry changed the result: everything
    else differs, or the item itself neither passed through nor got one fixed value."""
    if _fingerprint(first, reg, bit) != _fingerprint(second, reg, bit):
        return True
    if reg:
        exit_of = {"a": "a", "x_reg": "x", "y": "y"}[reg]
        a, b = getattr(first, exit_of), getattr(second, exit_of)
        passed = a == getattr(first_state, reg) and b == getattr(second_state, reg)
        return not passed and a != b
    a, b = first.p & bit, second.p & bit
    passed = a == (first_state.p & bit) and b == (second_state.p & bit)
    return not passed and a != b


def routine_signature(source: str, *, m: int = 1, x: int = 1, runs: int = 24, seed: int = 0,
                      context: str = "", budget: int = 50_000) -> Signature:
    built = build(source, context=context)
    if not built.ok:
        return Signature(False, diagnostics=built.diagnostics)
    machine = Machine(built, budget=budget)
    rng = random.Random(seed)
    base = EntryState(m=m, x=x)
    first = machine.run(base)
    memory = sorted(a for a in (first.reads | set(first.writes)) if not is_rom(a) and not 0x7E0100 <= a <= 0x7E01FF)
    inputs: set[str] = set()
    outputs: set[str] = set()
    reads: set[int] = set()
    writes: set[int] = set()
    cycles: list[int] = []
    failures: list[str] = []
    balanced = widths = True
    total = 0
    for _ in range(max(1, runs)):
        state = base.copy()
        state.a, state.x_reg, state.y = rng.getrandbits(16), rng.getrandbits(16 if not x else 8), \
            rng.getrandbits(16 if not x else 8)
        state.p = rng.getrandbits(8) & 0xC3
        for addr in memory:
            state.ram[addr] = rng.getrandbits(8)
        outcome = machine.run(state)
        total += 1
        if not outcome.finished:
            failures.append(f"{outcome.reason} from A=${state.a:04X} X=${state.x_reg:04X} Y=${state.y:04X}")
            continue
        cycles.append(outcome.cycles)
        reads |= {a for a in outcome.reads if not is_rom(a) and not 0x7E0100 <= a <= 0x7E01FF}
        writes |= {a for a in outcome.writes if not 0x7E0100 <= a <= 0x7E01FF}
        if outcome.s != state.s:
            balanced = False
        if bool(outcome.p & 0x20) != bool(m) or bool(outcome.p & 0x10) != bool(x):
            widths = False
        for reg in _REGISTERS:
            mask = 0xFF if (reg == "a" and m) or (reg != "a" and x) else 0xFFFF
            if (getattr(outcome, "x" if reg == "x_reg" else reg) & mask) != (getattr(state, reg) & mask):
                outputs.add(_NAMES[reg])
        for flag, bit in _FLAGS.items():
            if (outcome.p ^ state.p) & bit:
                outputs.add(flag)
        for reg in _REGISTERS:
            if _NAMES[reg] in inputs:
                continue
            other = state.copy()
            setattr(other, reg, getattr(state, reg) ^ (0x5A if reg != "a" or m else 0x5AA5))
            if _is_input(outcome, state, machine.run(other), other, reg=reg):
                inputs.add(_NAMES[reg])
        for flag, bit in _FLAGS.items():
            if flag in inputs:
                continue
            other = state.copy()
            other.p ^= bit
            if _is_input(outcome, state, machine.run(other), other, bit=bit):
                inputs.add(flag)
    memory_inputs = [f"${a:06X}" for a in sorted(reads - writes)][:16]
    order = ["A", "X", "Y", "N", "V", "Z", "C"]
    sig = Signature(
        ok=bool(cycles), inputs=[r for r in order if r in inputs] + memory_inputs,
        outputs=[r for r in order if r in outputs], reads=sorted(reads), writes=sorted(writes),
        cycles=(min(cycles), max(cycles)) if cycles else None, stack_balanced=balanced,
        preserves_widths=widths, runs=total, failures=failures[:5])
    if not cycles:
        sig.diagnostics.append(error("E003", "the routine did not finish from any state"))
    return sig


@dataclass
class RunSummary:
    ok: bool
    reason: str = ""
    cycles: int = 0
    instructions: int = 0
    exit: dict = field(default_factory=dict)
    writes: dict[int, int] = field(default_factory=dict)
    rom_writes: list = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def run_once(source: str, *, m: int = 1, x: int = 1, state: dict | None = None,
             context: str = "", budget: int = 100_000) -> RunSummary:
    """Run the code once from a given (or the default) state and report what it did."""
    built = build(source, context=context)
    if not built.ok:
        return RunSummary(False, "assemble", diagnostics=built.diagnostics)
    machine = Machine(built, budget=budget)
    entry = EntryState.from_dict(state or {}, m=m, x=x)
    outcome = machine.run(entry)
    exit_state = {"a": outcome.a, "x": outcome.x, "y": outcome.y, "p": outcome.p, "s": outcome.s,
                  "d": outcome.d, "dbr": outcome.dbr, "e": outcome.e}
    stack_top = entry.s
    writes = {a: v for a, v in outcome.writes.items() if not outcome.stack_floor <= a <= (0x7E0000 | stack_top)}
    return RunSummary(outcome.finished, outcome.reason, outcome.cycles, outcome.instructions,
                      exit_state, writes, list(outcome.rom_writes))


__all__ = ["RunSummary", "Signature", "routine_signature", "run_once"]
