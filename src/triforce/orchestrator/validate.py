"""Checking every code block of an answer with the real toolchain.

Each block is assembled in a sandbox (an empty scratch folder as its base and
only the user's include paths), measured (bytes, cycles), linted, and — for an
optimization — run against the user's code by the equivalence checker with the
liveness and widths the user and the expert stated. Limits keep a hostile
answer (50 blocks, a megabyte of code) bounded: blocks past them are listed as
*not checked*, with a diagnostic, and never count as verified.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from triforce.diagnostics import Diagnostic, SourceSpan, warning
from triforce.orchestrator import toolchain
from triforce.orchestrator.blocks import CodeBlock, normalise
from triforce.orchestrator.types import BlockReport

#: Intents whose code must behave exactly like the user's code.
EQUIVALENCE_INTENTS = frozenset({"optimization"})
#: Assembler notes that are expected for a snippet (W101: no org, org $008000 assumed).
SNIPPET_NOISE = frozenset({"W101"})


@dataclass
class CheckLimits:
    max_blocks: int = 20             # blocks assembled per answer
    max_equivalence: int = 8         # blocks run against the user's code per answer
    max_block_chars: int = 64_000
    states: int = 1000
    budget_s: float = 30.0           # wall time for all checks of one answer

    @classmethod
    def from_config(cls, section: dict) -> "CheckLimits":
        return cls(
            max_blocks=int(section.get("max_checked_blocks", cls.max_blocks)),
            max_equivalence=int(section.get("max_equivalence_blocks", cls.max_equivalence)),
            max_block_chars=int(section.get("max_block_chars", cls.max_block_chars)),
            states=int(section.get("equivalence_states", cls.states)),
            budget_s=float(section.get("check_budget_s", cls.budget_s)),
        )


@dataclass
class CheckContext:
    """What the checks of one answer need to know about the question."""

    intent: str
    user_texts: list[str]                      # the user's words (query, history)
    subject: str | None = None                 # the user's code an optimization must match
    include_dirs: tuple = ()
    limits: CheckLimits = field(default_factory=CheckLimits)
    progress: Callable[[str, dict], None] | None = None
    cancelled: Callable[[], bool] = lambda: False
    defines: dict[str, str] = field(default_factory=dict)   # the user's asar defines


def _relabel(diags: list[Diagnostic], filename: str, offset: int) -> list[Diagnostic]:
    """Point diagnostics at the block's own name; keep its line numbers (the repair prompt
    shows the block with them) and note the answer line in the message."""
    out = []
    for d in diags:
        span = d.span
        if span.file in ("<input>", filename) or not span.file:
            span = SourceSpan(filename, span.line, span.col, span.end_line, span.end_col)
        suffix = f" (answer line {span.line + offset - 1})" if span.line and offset else ""
        out.append(Diagnostic(d.code, d.severity, d.message + suffix, span))
    return out


def measure(block: CodeBlock, report: BlockReport, ctx: CheckContext, scratch: Path,
            assumptions: toolchain.Assumptions) -> None:
    """Assemble, count and lint one block into ``report``."""
    name = f"block{block.index + 1}.asm"
    try:
        assembled = toolchain.assemble(block.code, filename=name, include_dirs=ctx.include_dirs,
                                       base_dir=scratch, defines=ctx.defines)
    except Exception as exc:  # a bug in the assembler must not take the answer down
        report.diagnostics.append(toolchain.failure("O107", "the assembler", exc))
        return
    report.diagnostics.extend(_relabel([d for d in assembled.diagnostics
                                        if d.code not in SNIPPET_NOISE], name, block.line))
    if assembled.ok is None:
        return
    report.checked = True
    report.assembles = assembled.ok
    if not assembled.ok:
        return
    report.bytes = assembled.bytes
    if assembled.bytes == 0:
        # Defines or labels only: nothing to measure or run.
        report.diagnostics.append(warning("O108", "the block assembles to no bytes",
                                          SourceSpan(name, 1, 1)))
        return
    try:
        report.cycles, diags = toolchain.cycles(assembled, block.code, m=assumptions.m,
                                                x=assumptions.x, emulation=assumptions.emulation)
        report.diagnostics.extend(d for d in diags if d.is_error)
        report.lint = _relabel(toolchain.lint(block.code, filename=name, m=assumptions.m,
                                              x=assumptions.x), name, block.line)
    except Exception as exc:
        report.diagnostics.append(toolchain.failure("O107", "the cycle counter or linter", exc))


def compare(block: CodeBlock, report: BlockReport, ctx: CheckContext,
            assumptions: toolchain.Assumptions) -> None:
    """Run the candidate against the user's code; fill equivalent/counterexample/costs."""
    try:
        result = toolchain.equivalence(ctx.subject, block.code, assumptions,
                                       states=ctx.limits.states, defines=ctx.defines)
    except Exception as exc:
        report.diagnostics.append(toolchain.failure("O107", "the equivalence checker", exc))
        return
    report.equivalent = result.equivalent
    report.states_tested = result.states_tested
    report.counterexample = result.counterexample
    report.ignored = result.ignored
    report.before, report.after = result.before, result.after
    measured = (result.after or {}).get("cycles_range")
    if report.cycles is None and isinstance(measured, list) and None not in measured[:2]:
        # No static count: the cycles the simulator measured over the states it ran.
        report.cycles = (int(measured[0]), int(measured[1]))
    report.diagnostics.extend(result.diagnostics)


def check_blocks(blocks: list[CodeBlock], ctx: CheckContext, *, expert_text: str = "",
                 role: str = "snippet") -> list[BlockReport]:
    limits = ctx.limits
    deadline = time.perf_counter() + limits.budget_s
    wants_equivalence = ctx.intent in EQUIVALENCE_INTENTS and role != "user"
    subject_key = normalise(ctx.subject) if ctx.subject else None
    reports: list[BlockReport] = []
    compared = 0
    if not blocks:
        return reports
    with tempfile.TemporaryDirectory(prefix="triforce-check-") as scratch_name:
        scratch = Path(scratch_name)
        assumptions, notes = toolchain.read_assumptions(ctx.user_texts, expert_text,
                                                        ctx.subject or "")
        for block in blocks:
            report = BlockReport(index=block.index, code=block.code, lang=block.lang,
                                 line=block.line, role=role,
                                 assumptions=assumptions.to_dict())
            reports.append(report)
            if not block.closed:
                report.diagnostics.append(warning("O109", "the block is cut off (unclosed fence)"))
            if ctx.cancelled():
                report.diagnostics.append(warning("O104", "not checked: request cancelled"))
                continue
            if len(block.code) > limits.max_block_chars:
                report.diagnostics.append(warning(
                    "O103", f"not checked: block is {len(block.code)} characters "
                            f"(limit {limits.max_block_chars})"))
                continue
            if block.index >= limits.max_blocks or time.perf_counter() > deadline:
                report.diagnostics.append(warning(
                    "O104", "not checked: the answer's check limit was reached "
                            f"({limits.max_blocks} blocks, {limits.budget_s:g} s)"))
                continue
            if ctx.progress:
                ctx.progress(f"assembling block {block.index + 1}/{len(blocks)}",
                             {"block": block.index, "step": "assemble"})
            measure(block, report, ctx, scratch, assumptions)
            if not (wants_equivalence and report.assembles and report.bytes):
                continue
            if subject_key is None:
                report.diagnostics.append(warning(
                    "O110", "equivalence not checked: the question has no code to compare with"))
                continue
            if normalise(block.code) == subject_key:
                report.role = "original"
                continue
            report.role = "candidate"
            if compared >= limits.max_equivalence or time.perf_counter() > deadline:
                report.diagnostics.append(warning(
                    "O104", "equivalence not checked: the answer's check limit was reached"))
                continue
            compared += 1
            if ctx.progress:
                ctx.progress(f"checking block {block.index + 1} against your code on "
                             f"{limits.states} states", {"block": block.index, "step": "equivalence"})
            compare(block, report, ctx, assumptions)
        if notes and reports:
            reports[0].diagnostics.extend(notes)
    return reports
