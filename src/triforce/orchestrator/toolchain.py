"""Thin adapters over the toolchain contracts (docs/CONTRACTS.md).

The orchestrator calls the assembler, cycle counter, linter, equivalence
checker and the assumption reader only through these functions, which import
the layer lazily and turn "that layer is not installed" into a diagnostic
instead of an exception — a missing tool makes a block *unchecked*, never
*verified*. No 65816 logic lives here.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path

from triforce.diagnostics import Diagnostic, error, note, warning


@dataclass
class Assembled:
    ok: bool | None                      # None: the assembler is not available
    bytes: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    result: object = None                # the AssemblyResult, for the cycle counter


@dataclass
class Equivalence:
    equivalent: bool | None
    states_tested: int = 0
    counterexample: dict | None = None
    ignored: list[str] = field(default_factory=list)
    before: dict | None = None
    after: dict | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class Assumptions:
    """What the user or the expert said about the code's context."""

    live_out: set[str] | None = None     # None: everything counts
    m: int = 1
    x: int = 1
    emulation: bool = False
    notes: list[str] = field(default_factory=list)
    scratch: tuple = ()
    reasons: dict = field(default_factory=dict)   # item -> the words that made it dead

    def to_dict(self) -> dict:
        return {"live_out": sorted(self.live_out) if self.live_out is not None else None,
                "m": self.m, "x": self.x, "emulation": self.emulation, "notes": list(self.notes)}


def _missing(code: str, what: str, exc: Exception) -> Diagnostic:
    return warning(code, f"{what} is not available ({type(exc).__name__}: {exc}); not checked")


def assemble(code: str, *, filename: str, include_dirs=(), base_dir: Path | None = None,
             defines: dict[str, str] | None = None) -> Assembled:
    try:
        from triforce.asm import assemble as asm_assemble
    except ImportError as exc:
        return Assembled(None, diagnostics=[_missing("O101", "the assembler", exc)])
    result = asm_assemble(code, filename=filename, include_dirs=tuple(include_dirs),
                          allow_any_path=False, base_dir=base_dir, defines=dict(defines or {}))
    size = sum(len(w.data) for w in getattr(result, "writes", []) or [])
    return Assembled(bool(result.ok), size, list(result.diagnostics), result)


def cycles(assembled: Assembled, code: str, *, m: int, x: int, emulation: bool = False):
    """``(min, max)`` cycles of the code's straight-line path, or None with a diagnostic."""
    try:
        from triforce.analysis.cycles import count_cycles
    except ImportError as exc:
        return None, [_missing("O102", "the cycle counter", exc)]
    source = assembled.result if assembled.result is not None else code
    report = count_cycles(source, m=m, x=x, emulation=emulation)
    return (int(report.total_min), int(report.total_max)), list(getattr(report, "diagnostics", []) or [])


def lint(code: str, *, filename: str, m: int, x: int) -> list[Diagnostic]:
    try:
        from triforce.analysis.lint import lint as run_lint
    except ImportError:
        return []   # the linter is optional ("lint warnings where the linter exists")
    return list(run_lint(code, filename=filename, m=m, x=x).diagnostics)


def _cost(cost) -> dict | None:
    if cost is None:
        return None
    if isinstance(cost, dict):
        return dict(cost)
    if hasattr(cost, "to_dict"):
        return dict(cost.to_dict())
    out = {}
    for key in ("bytes", "cycles", "cycles_min", "cycles_max", "instructions"):
        value = getattr(cost, key, None)
        if value is not None:
            out[key] = list(value) if isinstance(value, tuple) else value
    return out or None


def equivalence(original: str, candidate: str, assumptions: Assumptions, *,
                states: int, seed: int = 0, defines: dict[str, str] | None = None) -> Equivalence:
    try:
        from triforce.analysis.equivalence import check_equivalence
    except ImportError as exc:
        return Equivalence(None, diagnostics=[_missing("O105", "the equivalence checker", exc)])
    options = {}
    if defines and "context" in inspect.signature(check_equivalence).parameters:
        # Define lines emit no bytes: as context they only make the user's names known.
        options["context"] = "\n".join(f"!{name} = {value}" for name, value in defines.items())
    if assumptions.reasons and "reasons" in inspect.signature(check_equivalence).parameters:
        options["reasons"] = assumptions.reasons
    result = check_equivalence(original, candidate, live_out=assumptions.live_out,
                               m=assumptions.m, x=assumptions.x, emulation=assumptions.emulation,
                               states=states, seed=seed, scratch=assumptions.scratch, **options)
    return Equivalence(result.equivalent, int(result.states_tested or 0), result.counterexample,
                       list(result.ignored or []), _cost(result.before), _cost(result.after),
                       list(result.diagnostics))


def read_assumptions(user_texts: list[str], expert_text: str,
                     code: str) -> tuple[Assumptions, list[Diagnostic]]:
    """Liveness, scratch memory and widths from the user's and the expert's words.

    Delegates to ``triforce.analysis.assumptions``. What the expert states dead
    is honoured (the issue allows it) but labelled as the expert's claim; widths
    the user states win over the expert's. Without the reader the check stays at
    its strictest (everything live, 8-bit registers) and says so.
    """
    try:
        from triforce.analysis.assumptions import LIVE_ITEMS, parse_assumptions
    except ImportError as exc:
        return Assumptions(), [note("O106", f"assumption reader not available ({exc}); "
                                            "everything the code leaves behind is compared")]
    said = parse_assumptions("\n\n".join(t for t in user_texts if t), code)
    claimed = parse_assumptions(expert_text, code) if expert_text else None
    live = said.live_out
    notes = [f"{item} (you said)" for item in said.ignored]
    scratch = list(said.scratch)
    if claimed is not None and claimed.live_out is not None:
        # The expert may declare more things dead, never what the user said must survive.
        everything = set(LIVE_ITEMS)
        dead = everything - set(claimed.live_out) - set(said.preserved)
        user_live = set(live) if live is not None else everything
        if dead & user_live:
            live = user_live - dead
            notes += [f"{item} (the expert's claim)" for item in claimed.ignored
                      if item.split(":", 1)[0] in dead & user_live]
        scratch += [r for r in claimed.scratch if r not in scratch]
    m = said.m if said.m is not None else (claimed.m if claimed and claimed.m is not None else 1)
    x = said.x if said.x is not None else (claimed.x if claimed and claimed.x is not None else 1)
    reasons = {}
    for text in notes:
        item, _, why = text.partition(":")
        reasons.setdefault(item.strip(), why.strip())
    return Assumptions(live_out=live, m=m, x=x, notes=notes, scratch=tuple(scratch),
                       reasons=reasons), []


def failure(code: str, what: str, exc: Exception) -> Diagnostic:
    """A tool that raised (a bug there, not the user's fault): report it, never crash."""
    return error(code, f"{what} failed: {type(exc).__name__}: {exc}")
