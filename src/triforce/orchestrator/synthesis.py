"""One answer from the steps: pick (ensemble) or join (sequence), then write it in Markdown.

Every code block carries its verdict right under it and in a verification
table; an optimization is called *equivalent* only when the checker said so,
and one the checker refuted is shown with a warning and the counterexample,
never as a result.
"""

from __future__ import annotations

import json

from triforce.orchestrator.blocks import annotate
from triforce.orchestrator.plan import Plan
from triforce.orchestrator.types import BlockReport, StepResult

TOOLKIT_BANNER = ("> **No model answered:** this answer comes from Triforce's deterministic "
                  "toolkit (no model is configured or reachable). Configure one with "
                  "`--backend`/`--model` or `[experts]` in triforce.toml.")


def _cost(block: BlockReport, objective: str) -> int:
    if objective == "bytes":
        return block.bytes if block.bytes is not None else 1 << 30
    return block.cycles[1] if block.cycles else 1 << 30


def rank_key(step: StepResult, objective: str) -> tuple:
    """Lower is better: answered, checks pass, proven rewrite, cheapest, fewest repairs."""
    blocks = [b for b in step.code_blocks if b.checked]
    failed = any(b.failed for b in blocks)
    proven = [b for b in blocks if b.equivalent is True]
    needs_proof = step.intent == "optimization"
    best = min((_cost(b, objective) for b in (proven if needs_proof else blocks) if b.assembles),
               default=1 << 30)
    return (step.status not in ("ok", "failed_checks"), failed,
            needs_proof and not proven, not blocks, best, step.repair_rounds, step.sample)


def choose(steps: list[StepResult], plan: Plan) -> None:
    """Mark which steps the answer shows. Ensembles of code keep the best; prose is merged."""
    if plan.mode != "ensemble" or len(steps) < 2:
        for step in steps:
            step.chosen = True
        return
    if not any(s.code_blocks for s in steps):
        for step in steps:
            step.chosen = step.status in ("ok", "failed_checks") or step is steps[0]
        return
    best = min(steps, key=lambda s: rank_key(s, plan.objective))
    for step in steps:
        step.chosen = step is best


def _cycles(block: BlockReport) -> str:
    if not block.cycles:
        return "—"
    low, high = block.cycles
    return str(low) if low == high else f"{low}–{high}"


def _delta(block: BlockReport) -> str:
    before, after = block.before or {}, block.after or {}
    parts = []
    for key in ("bytes", "cycles"):
        b, a = before.get(key), after.get(key)
        if isinstance(b, list):
            b = b[-1]
        if isinstance(a, list):
            a = a[-1]
        if isinstance(a, int) and isinstance(b, int):
            parts.append(f"{key} {b}→{a}" if key == "bytes" else f"measured cycles {b}→{a}")
    return ", ".join(parts)


def verdict(block: BlockReport) -> str:
    """One line under a code block: what the toolchain established about it."""
    if not block.checked:
        reason = block.diagnostics[0].message if block.diagnostics else "not checked"
        return f"> ⚠ **Not checked:** {reason}"
    if block.assembles is False:
        errors = [d for d in block.diagnostics if d.is_error][:3]
        detail = "; ".join(f"line {d.span.line}: {d.message} [{d.code}]" for d in errors)
        return f"> ✘ **Does not assemble** — {detail or 'see diagnostics'}"
    parts = [f"assembles · {block.bytes} bytes · {_cycles(block)} cycles"]
    if block.role == "original":
        parts.append("same as your code")
    if block.equivalent is True:
        ignored = f" (ignoring {summarize_ignored(block.ignored)})" if block.ignored else ""
        delta = _delta(block)
        parts.append(f"**equivalent to your code on {block.states_tested} states**{ignored}"
                     + (f" · {delta}" if delta else ""))
    elif block.equivalent is False:
        return ("> ✘ **NOT equivalent to your code** — do not use it. Counterexample: "
                + describe_counterexample(block.counterexample))
    elif block.role == "candidate":
        parts.append("**equivalence NOT verified**")
    if block.lint:
        parts.append(f"{len(block.lint)} lint warning(s): "
                     + "; ".join(f"{d.code} line {d.span.line}" for d in block.lint[:3]))
    return "> ✔ " + " · ".join(parts)


def summarize_ignored(ignored: list[str]) -> str:
    """``A, B, N, V, Z, C (you said: "A and the flags are free")`` — items grouped by reason."""
    groups: dict[str, list[str]] = {}
    for entry in ignored:
        item, _, reason = str(entry).partition(":")
        groups.setdefault(reason.strip(), []).append(item.strip())
    parts = []
    for reason, items in groups.items():
        if reason.endswith("(you said)"):
            reason = "you said " + reason[: -len("(you said)")].strip()
        elif reason.endswith("(the expert's claim)"):
            reason = "the expert claimed " + reason[: -len("(the expert's claim)")].strip()
        parts.append(f"{', '.join(items)}" + (f" ({reason})" if reason else ""))
    return "; ".join(parts)


def _hex(value) -> str:
    return f"${value:X}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def describe_counterexample(example) -> str:
    """``mem $7E0011: yours $FF, original $00 — from A=$FFFF X=$FF ... $7E0010=$FF``."""
    if not isinstance(example, dict):
        return _short(example)
    diffs = example.get("differences")
    state = example.get("state")
    if not isinstance(diffs, list) or not isinstance(state, dict):
        return _short(example)
    what = "; ".join(f"{d.get('item')}: yours {_hex(d.get('candidate'))}, original "
                     f"{_hex(d.get('original'))}" for d in diffs[:4] if isinstance(d, dict))
    regs = " ".join(f"{name}={_hex(state[key])}" for key, name in
                    (("a", "A"), ("x_reg", "X"), ("y", "Y"), ("p", "P"))
                    if key in state)
    regs += "".join(f" {flag}={state[flag]}" for flag in ("m", "x", "e") if flag in state)
    ram = " ".join(f"{_hex(addr)}={_hex(val)}" for addr, val in (state.get("ram") or [])[:6])
    return f"{what} — from {regs}" + (f", RAM {ram}" if ram else "")


def _short(state) -> str:
    text = json.dumps(state, sort_keys=True, default=str) if state is not None else "none reported"
    return text if len(text) <= 300 else text[:297] + "..."


def _equiv_cell(block: BlockReport) -> str:
    if block.equivalent is True:
        return f"yes ({block.states_tested} states)"
    if block.equivalent is False:
        return "**NO**"
    return "not verified" if block.role == "candidate" else "—"


def table(rows: list[tuple[str, BlockReport]]) -> str:
    lines = ["| code | assembles | bytes | cycles | equivalent | notes |",
             "|---|---|---|---|---|---|"]
    for name, b in rows:
        assembles = {True: "yes", False: "**no**", None: "not checked"}[b.assembles]
        notes = []
        if b.equivalent is True and b.ignored:
            items = [str(i).partition(":")[0] for i in b.ignored]
            notes.append("ignores " + ", ".join(i for i in items if len(i) <= 3))
        if _delta(b):
            notes.append(_delta(b))
        errors = [d for d in b.diagnostics if d.is_error]
        if errors:
            line = f" line {errors[0].span.line}" if errors[0].span.line else ""
            notes.append(f"{errors[0].code}{line}")
        elif not b.checked and b.diagnostics:
            notes.append(b.diagnostics[0].code)
        if b.lint:
            notes.append(f"{len(b.lint)} lint")
        lines.append(f"| {name} | {assembles} | {b.bytes if b.bytes is not None else '—'} | "
                     f"{_cycles(b)} | {_equiv_cell(b)} | {'; '.join(notes)} |")
    return "\n".join(lines)


def step_heading(step: StepResult) -> str:
    sample = f", sample {step.sample + 1}" if step.sample else ""
    source = "toolkit" if step.toolkit else f"{step.backend}/{step.model}" if step.model else step.backend
    return f"## {step.expert} ({step.intent}{sample}) — {source}"


def step_notes(step: StepResult, rounds_allowed: int) -> list[str]:
    notes = []
    if step.fallback_from:
        notes.append(f"> ⚠ The {step.fallback_from} backend failed; {step.backend} answered instead.")
    if step.status in ("error", "timeout", "cancelled"):
        what = {"error": "failed", "timeout": "timed out", "cancelled": "was cancelled"}[step.status]
        notes.append(f"> ⚠ **The {step.expert} expert {what}:** {step.error}. "
                     + ("The partial reply above is unverified." if step.text.strip()
                        else "No reply was received."))
    if step.repair_rounds:
        fixed = step.status == "ok"
        notes.append(f"> Repair: {step.repair_rounds} round(s) of toolchain feedback; "
                     + ("all checks pass now." if fixed else
                        f"the checks still fail after {step.repair_rounds} round(s) (limit {rounds_allowed})."))
    elif step.status == "failed_checks":
        notes.append("> ⚠ The checks fail and no repair round was allowed.")
    return notes


def render(steps: list[StepResult], user_code: list[BlockReport], plan: Plan, *,
           toolkit: bool, header_notes: list[str] = ()) -> tuple[str, str]:
    """The full Markdown answer and its summary: the notes and verification table,
    i.e. what a client that streamed the experts' text still has to show."""
    shown = [s for s in steps if s.chosen]
    parts: list[str] = list(header_notes)
    if toolkit:
        parts.append(TOOLKIT_BANNER)
    summary: list[str] = list(header_notes)
    many = len(shown) > 1 or plan.mode != "single"
    for step in shown:
        if many:
            parts.append(step_heading(step))
        notes = {b.index: verdict(b) for b in step.code_blocks}
        body = annotate(step.text, notes) if step.text.strip() else "_(no reply)_"
        parts.append(body.strip())
        parts.extend(step_notes(step, plan.max_repair_rounds))
        summary.extend(step_notes(step, plan.max_repair_rounds))
    verification = verification_section(steps, user_code, plan)
    if verification:
        parts.append(verification)
        summary.append(verification)
    return "\n\n".join(p for p in parts if p), "\n\n".join(p for p in summary if p)


def verification_section(steps: list[StepResult], user_code: list[BlockReport], plan: Plan) -> str:
    rows: list[tuple[str, BlockReport]] = [(f"your code #{b.index + 1}", b) for b in user_code]
    for step in steps:
        label = step.expert + (f" s{step.sample + 1}" if plan.mode == "ensemble" and len(steps) > 1
                               and steps[0].expert == step.expert else "")
        rows.extend((f"{label} #{b.index + 1}" + ("" if step.chosen else " (not chosen)"), b)
                    for b in step.code_blocks)
    if not rows:
        return ""
    lines = ["### Verification", table(rows),
             "_cycles: every line counted once (min–max over widths and page/branch "
             "penalties); “measured” figures are simulator runs from the first test state._"]
    refuted = [(s, b) for s in steps if s.chosen for b in s.code_blocks if b.equivalent is False]
    for step, block in refuted:
        lines.append(f"⚠ {step.expert} block {block.index + 1} is **not equivalent** to your code; "
                     f"counterexample: {describe_counterexample(block.counterexample)}")
    unproven = [b for s in steps if s.chosen for b in s.code_blocks
                if b.role == "candidate" and b.equivalent is None]
    if unproven:
        lines.append(f"⚠ {len(unproven)} rewrite(s) could not be verified; treat them as untested.")
    if plan.mode == "ensemble" and len(steps) > 1:
        chosen = [f"{s.expert}" + (f" sample {s.sample + 1}" if s.sample or len(steps) > 1 else "")
                  for s in steps if s.chosen]
        lines.append(f"Ensemble of {len(steps)} answers; shown: {', '.join(chosen)} "
                     f"(ranked by checks passed, then {plan.objective}).")
    return "\n\n".join(lines)
