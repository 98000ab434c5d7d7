"""The equivalence checker: do two pieces of 65816 code leave the same things behind?

Both are assembled (``lorom`` / ``org`` added when missing) and run in the
simulator from the listed entry states, edge-case states (registers and
memory at 0, $FF, $80, $7F..., flags clear/set) and random states. The memory
the code reads (and writes) is discovered by recording runs and randomised in
later states. By default everything is compared: the memory written, A with
its hidden high byte B, X, Y, the N V Z C flags — and always M, X, D, I, E, DB,
D and S. ``live_out`` narrows the comparison to the items it names (``A``,
``B``, ``X``, ``Y``, ``N``, ``V``, ``Z``, ``C``, ``flags``, ``mem``);
``ignored`` lists exactly what was left out and why.

The answer is ``equivalent=True`` only when every state ran to completion on
both sides and nothing compared differed; a side that does not assemble,
never finishes or writes ROM never yields True.

Diagnostic codes (E = equivalence):
E001 original does not assemble · E002 candidate does not assemble ·
E003 original did not finish (budget/WAI/STP/BRK) · E004 candidate did not
finish where the original did · E005 original writes ROM · E006 candidate
writes ROM · E007 not equivalent (counterexample) · E008 unknown live-out item ·
E009 note: what was ignored · E010 states skipped (original did not finish
from a random state) · E011 no room for the return address · E012 no code ·
E013 bad entry state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from triforce.analysis.machine import Built, EntryState, Machine, Outcome, build, canonical
from triforce.analysis.states import edge_states, random_state, randomisable
from triforce.diagnostics import Diagnostic, error, has_errors, note, warning

LIVE_ITEMS = ("A", "B", "X", "Y", "N", "V", "Z", "C", "mem")
_ALIASES = {"FLAGS": ("N", "V", "Z", "C"), "P": ("N", "V", "Z", "C"), "CARRY": ("C",),
            "ZERO": ("Z",), "NEGATIVE": ("N",), "OVERFLOW": ("V",), "MEM": ("mem",),
            "MEMORY": ("mem",), "RAM": ("mem",), "ACC": ("A",), "ACCUMULATOR": ("A",)}
_FLAG_BITS = {"N": 0x80, "V": 0x40, "Z": 0x02, "C": 0x01}
#: Runs that record every read to discover the memory the code depends on.
DISCOVERY_RUNS = 64
#: Always compared: the widths, decimal and interrupt flags, the mode, DB, D and S.
ALWAYS = ("M", "Xf", "D flag", "I", "E", "DB", "D", "S")


@dataclass(frozen=True)
class Cost:
    bytes: int
    cycles: int | None           # from the first state
    cycles_min: int | None = None
    cycles_max: int | None = None

    def to_dict(self) -> dict:
        return {"bytes": self.bytes, "cycles": self.cycles,
                "cycles_range": [self.cycles_min, self.cycles_max]}


@dataclass
class EquivalenceResult:
    equivalent: bool | None
    states_tested: int
    counterexample: dict | None
    ignored: list[str]
    before: Cost
    after: Cost
    diagnostics: list[Diagnostic] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    states_skipped: int = 0

    def summary(self) -> str:
        cost = (f"{self.before.bytes} -> {self.after.bytes} bytes, "
                f"{self.before.cycles} -> {self.after.cycles} cycles")
        if self.equivalent:
            text = f"equivalent on {self.states_tested} states ({cost})"
        elif self.equivalent is False:
            diffs = ", ".join(_format_difference(d) for d in (self.counterexample or {}).get("differences", [])[:4])
            text = f"NOT equivalent: {diffs or 'differs'} ({cost})"
        else:
            first = next((d for d in self.diagnostics if d.is_error), None)
            text = f"not checked: {first.message if first else 'unknown'}"
        if self.ignored and self.equivalent is not None:
            text += "; ignored: " + "; ".join(self.ignored)
        return text

    def to_dict(self) -> dict:
        return {"equivalent": self.equivalent, "states_tested": self.states_tested,
                "states_skipped": self.states_skipped, "counterexample": self.counterexample,
                "ignored": list(self.ignored), "compared": list(self.compared),
                "before": self.before.to_dict(), "after": self.after.to_dict(),
                "diagnostics": [d.to_dict() for d in self.diagnostics], "summary": self.summary()}


def _format_difference(diff: dict) -> str:
    def fmt(v):
        return f"${v:X}" if isinstance(v, int) else str(v)
    return f"{diff['item']} {fmt(diff.get('original'))} vs {fmt(diff.get('candidate'))}"


def normalize_live_out(live_out) -> tuple[set[str], list[Diagnostic]]:
    if live_out is None:
        return set(LIVE_ITEMS), []
    items: set[str] = set()
    diags = []
    for raw in live_out:
        name = str(raw).strip()
        upper = name.upper()
        if upper in _ALIASES:
            items.update(_ALIASES[upper])
        elif upper in ("A", "B", "X", "Y", "N", "V", "Z", "C"):
            items.add(upper)
        elif name:
            diags.append(warning("E008", f"unknown live-out item {name!r} (known: {', '.join(LIVE_ITEMS)}, flags)"))
    return items, diags


def check_equivalence(original: str, candidate: str, *, live_out=None, m: int = 1, x: int = 1,
                      emulation: bool = False, states: int = 1000, seed: int = 0, scratch=(),
                      entry_states=(), vary: dict | None = None, call: str | None = "auto",
                      context: str = "", context_org: int = 0x00C000,
                      reasons: dict[str, str] | None = None,
                      budget: int = 200_000, stub_missing: bool = False) -> EquivalenceResult:
    """Compare ``candidate`` with ``original``; see the module docstring.

    ``call``: "auto" (a routine when the code returns or ends in a jump, else a
    straight-line snippet), "jsr"/"jsl" (always called as a routine), None
    (always straight-line). ``stub_missing`` defines every call target that
    neither side (nor ``context``) defines as a routine that returns at once.
    """
    live, diagnostics = normalize_live_out(live_out)
    reasons = reasons or {}
    ignored = [f"{item}: {reasons.get(item, 'not in live_out')}" for item in LIVE_ITEMS if item not in live]
    scratch_ranges = [(canonical(int(a)), canonical(int(b))) for a, b in scratch]
    for first, last in scratch_ranges:
        ignored.append(f"mem ${first:06X}-${last:06X}: scratch")
    if "mem" in live:
        ignored.append("stack bytes below the entry S: stack scratch")
    if stub_missing:
        from triforce.analysis.machine import external_stubs
        stubs = external_stubs(original, candidate, context)
        if stubs:
            names = [line[:-1] for line in stubs.splitlines() if line.endswith(":")]
            ignored.append("external routines run as immediate returns: " + ", ".join(names))
            context = (context + "\n" if context.strip() else "") + stubs
    compared = sorted(live) + list(ALWAYS)
    empty = Cost(0, None)

    def fail(equivalent, diags, before=empty, after=empty, tested=0, counterexample=None, skipped=0):
        return EquivalenceResult(equivalent, tested, counterexample, ignored, before, after,
                                 diagnostics + diags, compared, skipped)

    call_mode = "auto" if call == "auto" else call
    first = build(original, context=context, context_org=context_org, call=call_mode, side="original")
    second = build(candidate, context=context, context_org=context_org,
                   call=first.call if (first.ok and call_mode == "auto") else call_mode, side="candidate")
    if first.ok and second.ok and call_mode == "auto" and (first.call is None) != (second.call is None):
        # One returns and the other falls through: run both as their own form, the
        # candidate's call kind following its own code.
        second = build(candidate, context=context, context_org=context_org, call="auto", side="candidate")
    if not first.ok or not second.ok:
        return fail(None, (first.diagnostics if not first.ok else []) + (second.diagnostics if not second.ok else []),
                    Cost(first.size, None), Cost(second.size, None))
    try:
        bases = [EntryState.from_dict(s, m=m, x=x, e=int(emulation)) for s in entry_states] or \
            [EntryState(m=m, x=x, e=int(emulation), p=0)]
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        return fail(None, [error("E013", f"bad entry state: {exc}")])
    if emulation:
        for base in bases:
            base.e, base.m, base.x, base.s = 1, 1, 1, 0x0100 | (base.s & 0xFF)
    runner = _Runner(first, second, live, scratch_ranges, budget)
    return runner.check(bases, states, seed, vary, fail)


class _Runner:
    def __init__(self, first: Built, second: Built, live: set[str], scratch, budget: int):
        self.first, self.second = first, second
        self.live = live
        self.scratch = scratch
        self.original = Machine(first, budget=budget)
        self.candidate = Machine(second, budget=budget)

    def check(self, bases, count, seed, vary, fail):
        rng = random.Random(seed)
        pool: list[int] = []
        pool_set: set[int] = set()
        discover = vary is None
        tested = skipped = 0
        cycles_o: list[int] = []
        cycles_c: list[int] = []

        def costs():
            def cost(built, values):
                if not values:
                    return Cost(built.size, None)
                return Cost(built.size, values[0], min(values), max(values))
            return cost(self.first, cycles_o), cost(self.second, cycles_c)

        def grow(outcome: Outcome, state: EntryState):
            # The return address sits in the 3 bytes at and below the entry S.
            return_low = 0x7E0000 | ((state.s - 3) & 0xFFFF)
            for addr in list(outcome.reads) + list(outcome.writes):
                if addr in pool_set or not randomisable(addr):
                    continue
                if return_low <= addr <= (0x7E0000 | state.s):
                    continue
                pool_set.add(addr)
                pool.append(addr)

        def schedule():
            for base in bases:
                yield base, True
            if discover:
                for state in edge_states(bases[0], sorted(pool)):
                    yield state, False
            for index in range(max(0, count)):
                base = bases[index % len(bases)]
                yield random_state(rng, base, pool, vary), False

        if discover:
            for base in bases:
                for addr in base.ram:
                    canon = canonical(addr)
                    if canon not in pool_set and randomisable(canon):
                        pool_set.add(canon)
                        pool.append(canon)
        for number, (state, listed) in enumerate(schedule()):
            if discover and pool:
                for addr in pool:
                    state.ram.setdefault(addr, 0)
            # Discovery (recording reads) on the listed, edge and first random
            # states, and every tenth one after that; the rest run on the fast path.
            record = discover and (number < DISCOVERY_RUNS or number % 10 == 0)
            o = self.original.run(state, record_reads=record)
            if record:
                grow(o, state)
            problem = _run_problem(o)
            if problem or o.rom_writes:
                if listed or o.rom_writes:
                    code = "E005" if o.rom_writes and not problem else "E003"
                    what = (f"writes ROM at ${o.rom_writes[0][0]:06X}" if code == "E005"
                            else f"did not finish ({problem})")
                    before, after = costs()
                    return fail(None, [error(code, f"the original {what} from state {_brief(state)}")],
                                before, after, tested, None, skipped)
                skipped += 1
                continue
            c = self.candidate.run(state, record_reads=record)
            if record:
                grow(c, state)
            tested += 1
            cycles_o.append(o.cycles)
            differences = []
            c_problem = _run_problem(c)
            if c_problem:
                differences.append({"item": "finished", "original": "ok", "candidate": c_problem})
            elif c.rom_writes:
                addr, value = c.rom_writes[0]
                differences.append({"item": f"ROM write ${addr:06X}", "original": None, "candidate": value})
            else:
                cycles_c.append(c.cycles)
                differences = self.compare(o, c, state)
            if differences:
                before, after = costs()
                counterexample = {"state": state.to_dict(), "differences": differences,
                                  "original_exit": _exit(o), "candidate_exit": _exit(c)}
                code = "E004" if c_problem else ("E006" if c.rom_writes else "E007")
                message = (f"not equivalent: {', '.join(_format_difference(d) for d in differences[:4])} "
                           f"from state {_brief(state)}")
                return fail(False, [error(code, message)], before, after, tested, counterexample, skipped)
        before, after = costs()
        diags = []
        if skipped:
            diags.append(note("E010", f"{skipped} random state(s) skipped: the original did not finish from them"))
        if tested == 0:
            return fail(None, diags + [error("E003", "no state ran to completion")], before, after, 0, None, skipped)
        return fail(True, diags, before, after, tested, None, skipped)

    def compare(self, o: Outcome, c: Outcome, state: EntryState) -> list[dict]:
        live = self.live
        diffs: list[dict] = []
        exit_m = 1 if (o.e or o.p & 0x20) else 0
        exit_x = 1 if (o.e or o.p & 0x10) else 0

        def diff(item, a, b):
            if a != b:
                diffs.append({"item": item, "original": a, "candidate": b})

        if "A" in live:
            mask = 0xFF if exit_m else 0xFFFF
            diff("A", o.a & mask, c.a & mask)
        if "B" in live and exit_m:
            diff("B", o.a >> 8, c.a >> 8)
        index_mask = 0xFF if exit_x else 0xFFFF
        if "X" in live:
            diff("X", o.x & index_mask, c.x & index_mask)
        if "Y" in live:
            diff("Y", o.y & index_mask, c.y & index_mask)
        for flag, bit in _FLAG_BITS.items():
            if flag in live:
                diff(flag, int(bool(o.p & bit)), int(bool(c.p & bit)))
        diff("M", int(bool(o.p & 0x20)), int(bool(c.p & 0x20)))
        diff("X flag", int(bool(o.p & 0x10)), int(bool(c.p & 0x10)))
        diff("D flag", int(bool(o.p & 0x08)), int(bool(c.p & 0x08)))
        diff("I", int(bool(o.p & 0x04)), int(bool(c.p & 0x04)))
        diff("E", o.e, c.e)
        diff("DB", o.dbr, c.dbr)
        diff("D", o.d, c.d)
        diff("S", o.s, c.s)
        if "mem" in live:
            diffs.extend(self.compare_memory(o, c, state))
        return diffs

    def compare_memory(self, o: Outcome, c: Outcome, state: EntryState) -> list[dict]:
        initial = {canonical(addr): value for addr, value in state.ram.items()}
        top = 0x7E0000 | state.s

        def free(addr: int, outcome: Outcome) -> bool:
            if outcome.stack_floor <= addr <= top:
                return True
            return any(first <= addr <= last for first, last in self.scratch)

        diffs = []
        for addr in sorted(o.writes):
            if free(addr, o) or free(addr, c):
                continue
            want = o.writes[addr]
            got = c.writes.get(addr, initial.get(addr, 0))
            if want != got:
                diffs.append({"item": f"mem ${addr:06X}", "original": want, "candidate": got})
        for addr in sorted(set(c.writes) - set(o.writes)):
            if free(addr, c) or free(addr, o):
                continue
            diffs.append({"item": f"mem ${addr:06X} (written only by the candidate)",
                          "original": initial.get(addr, 0), "candidate": c.writes[addr]})
        return diffs[:16]


def _run_problem(outcome: Outcome) -> str | None:
    return None if outcome.finished else outcome.reason


def _exit(outcome: Outcome) -> dict:
    return {"reason": outcome.reason, "a": outcome.a, "x": outcome.x, "y": outcome.y,
            "p": outcome.p, "s": outcome.s, "d": outcome.d, "dbr": outcome.dbr, "e": outcome.e,
            "cycles": outcome.cycles}


def _brief(state: EntryState) -> str:
    ram = ", ".join(f"${a:06X}=${v:02X}" for a, v in sorted(state.ram.items())[:6])
    more = "..." if len(state.ram) > 6 else ""
    return (f"A=${state.a:04X} X=${state.x_reg:04X} Y=${state.y:04X} P=${state.p:02X} "
            f"m={state.m} x={state.x}" + (f" [{ram}{more}]" if ram else ""))


__all__ = ["ALWAYS", "Cost", "EquivalenceResult", "LIVE_ITEMS", "check_equivalence", "normalize_live_out"]
