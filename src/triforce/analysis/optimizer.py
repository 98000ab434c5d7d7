"""Din's deterministic optimizer: peephole rewrites, each kept only when the
equivalence checker proves it on the caller's live-out set.

Rounds: every rule proposes rewrites of the current code; each proposal is
screened on a few hundred states, the cheapest proven one (by the objective)
is confirmed on the full state count and adopted, and the next round starts
from it. Nothing that failed the full check is ever returned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from triforce.analysis.equivalence import Cost, EquivalenceResult, check_equivalence
from triforce.analysis.peephole import propose, render, to_entries
from triforce.diagnostics import Diagnostic, note


@dataclass
class Rewrite:
    rule: str
    description: str
    before: Cost
    after: Cost

    def to_dict(self) -> dict:
        return {"rule": self.rule, "description": self.description,
                "before": self.before.to_dict(), "after": self.after.to_dict()}


@dataclass
class OptimizeResult:
    code: str                               # the improved code (the original when nothing helped)
    equivalence: EquivalenceResult | None   # the full check of ``code`` against the original
    rewrites: list[Rewrite] = field(default_factory=list)
    before: Cost | None = None
    after: Cost | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def improved(self) -> bool:
        return bool(self.rewrites)

    def to_dict(self) -> dict:
        return {"code": self.code, "improved": self.improved,
                "rewrites": [r.to_dict() for r in self.rewrites],
                "before": self.before.to_dict() if self.before else None,
                "after": self.after.to_dict() if self.after else None,
                "equivalence": self.equivalence.to_dict() if self.equivalence else None,
                "diagnostics": [d.to_dict() for d in self.diagnostics]}


def _score(cost: Cost, objective: str) -> tuple:
    cycles = cost.cycles if cost.cycles is not None else 1 << 30
    if objective == "bytes":
        return (cost.bytes, cycles)
    if objective == "cycles":
        return (cycles, cost.bytes)
    return (cycles + cost.bytes, cycles, cost.bytes)


def optimize(source: str, *, live_out=None, m: int = 1, x: int = 1, emulation: bool = False,
             objective: str = "cycles", states: int = 1000, screen_states: int = 150,
             seed: int = 0, scratch=(), entry_states=(), vary=None, context: str = "",
             max_rounds: int = 8, reasons: dict | None = None,
             deadline_s: float | None = None, stub_missing: bool = False) -> OptimizeResult:
    """Improve ``source`` by proven rewrites. ``objective``: "cycles", "bytes" or "both".

    ``deadline_s`` bounds the search time: when it passes, the best code proven
    so far is returned (never an unproven one).
    """
    stop_at = time.monotonic() + deadline_s if deadline_s else None
    if stub_missing:
        from triforce.analysis.machine import external_stubs
        stubs = external_stubs(source, context)
        context = (context + "\n" if context.strip() else "") + stubs
    common = dict(live_out=live_out, m=m, x=x, emulation=emulation, seed=seed, scratch=scratch,
                  entry_states=entry_states, vary=vary, context=context, reasons=reasons)
    baseline = check_equivalence(source, source, states=min(states, 50), **common)
    if baseline.equivalent is not True:
        return OptimizeResult(source, baseline, [], baseline.before, baseline.after,
                              list(baseline.diagnostics))
    current_entries = to_entries(source)
    current_cost = baseline.before
    rewrites: list[Rewrite] = []
    final: EquivalenceResult | None = None
    rejected: set[str] = set()
    for _ in range(max_rounds):
        best = None
        for proposal in propose(current_entries):
            if stop_at is not None and time.monotonic() > stop_at:
                break
            code = render(proposal.entries)
            if code in rejected:
                continue
            screen = check_equivalence(source, code, states=screen_states, **common)
            if screen.equivalent is not True:
                rejected.add(code)
                continue
            if _score(screen.after, objective) >= _score(current_cost, objective):
                continue
            if best is None or _score(screen.after, objective) < _score(best[1].after, objective):
                best = (proposal, screen, code)
        if best is None:
            break
        proposal, _screen, code = best
        full = check_equivalence(source, code, states=states, **common)
        if full.equivalent is not True:
            rejected.add(code)
            continue
        rewrites.append(Rewrite(proposal.rule, proposal.description, current_cost, full.after))
        current_entries, current_cost, final = list(proposal.entries), full.after, full
    code = render(current_entries) if rewrites else source
    diags = [] if rewrites else [note("E014", "no proven improvement found")]
    return OptimizeResult(code, final, rewrites, baseline.before, current_cost, diags)


__all__ = ["OptimizeResult", "Rewrite", "optimize"]
