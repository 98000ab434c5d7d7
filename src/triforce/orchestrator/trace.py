"""The request trace stored in the request log (``Store.log_request``, one row per request).

It records every step — expert, backend, model, adapter, tokens, time, each
attempt's validation — plus route, plan, totals and status. Texts are cut so a
megabyte question or a runaway answer cannot bloat the store.
"""

from __future__ import annotations

import time

from triforce.orchestrator.types import Answer, AskRequest, StepResult

TRACE_TEXT_CHARS = 20_000


def overall_status(steps: list[StepResult], cancelled: bool) -> str:
    """ok | unverified (checks fail) | partial (some step failed) | error | cancelled."""
    if cancelled:
        return "cancelled"
    shown = [s for s in steps if s.chosen] or steps
    if not shown or all(s.status in ("error", "timeout", "cancelled") for s in shown):
        return "error"
    if any(s.status in ("error", "timeout", "cancelled") for s in shown):
        return "partial"
    if any(s.status == "failed_checks" for s in shown):
        return "unverified"
    return "ok"


def _step(step: StepResult) -> dict:
    data = step.to_dict()
    data["text"] = step.text[:TRACE_TEXT_CHARS]
    for block in data["code_blocks"]:
        block["code"] = block["code"][:TRACE_TEXT_CHARS]
    return data


def validation_summary(answer: Answer) -> dict:
    blocks = [b for s in answer.steps for b in s.code_blocks]
    return {
        "blocks": len(blocks),
        "checked": sum(b.checked for b in blocks),
        "assembled": sum(b.assembles is True for b in blocks),
        "failed_assembly": sum(b.assembles is False for b in blocks),
        "equivalent": sum(b.equivalent is True for b in blocks),
        "not_equivalent": sum(b.equivalent is False for b in blocks),
        "repair_rounds": sum(s.repair_rounds for s in answer.steps),
        "verified": answer.verified,
        "user_blocks": len(answer.user_code),
    }


def build_trace(answer: Answer, request: AskRequest, query: str) -> dict:
    first = answer.steps[0] if answer.steps else None
    return {
        "ts": time.time(),
        "query": query[:TRACE_TEXT_CHARS],
        "query_chars": len(query),
        "conversation_id": request.conversation_id,
        "source": request.source,
        "route": answer.route,
        "plan": answer.plan,
        "steps": [_step(s) for s in answer.steps],
        "validation": validation_summary(answer),
        "latency_ms": round(answer.latency_ms, 3),
        "timing": {
            "total_ms": round(answer.latency_ms, 3),
            "model_ms": round(sum(s.model_ms for s in answer.steps), 3),
            "check_ms": round(sum(s.check_ms for s in answer.steps), 3),
            "overhead_ms": round(answer.overhead_ms, 3),
        },
        "tokens": {"prompt": sum(s.prompt_tokens for s in answer.steps),
                   "completion": sum(s.completion_tokens for s in answer.steps)},
        "backend": first.backend if first else None,
        "model": first.model if first else None,
        "toolkit": answer.toolkit,
        "status": answer.status,
        "diagnostics": [d.to_dict() for d in answer.diagnostics],
    }
