"""The orchestrator's public data: the request, streamed events, results, the answer.

Everything here is plain data with ``to_dict()`` so the CLI (``--json``), the
HTTP server and the request log all serialise the same shape. The keys of
:meth:`Answer.to_dict` are a contract other tools read (issue 4): ``answer``,
``route.intents``, ``steps[].expert/backend/model/repair_rounds/code_blocks[]``
with blocks carrying ``code``, ``assembles``, ``bytes``, ``cycles`` ``[min,max]``,
``equivalent`` and ``counterexample``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from triforce.diagnostics import Diagnostic

#: Event kinds, in the order a request normally emits them.
EVENT_KINDS = ("route", "plan", "step_start", "token", "progress", "validation",
               "step_end", "done", "error")


@dataclass
class AskRequest:
    query: str
    history: list = field(default_factory=list)      # ChatMessage or {"role", "content"}
    expert: str | None = None                        # force one expert (skips the router's choice)
    tier: str | None = None                          # fast | balanced | quality
    backend: str | None = None
    base_url: str | None = None
    model: str | None = None
    max_repair_rounds: int | None = None             # None: config [orchestrator] (default 2)
    timeout: float | None = None                     # seconds per model call; None: config
    plan: str | None = None                          # force "single" | "sequence" | "ensemble"
    samples: int | None = None                       # ensemble samples of one expert
    include_dirs: tuple = ()                         # the user's own include paths (sandbox)
    previous_expert: str | None = None               # conversation context for the router
    conversation_id: str | None = None
    source: str = "cli"                              # who asked: cli | chat | server | bench
    cancel: threading.Event | None = None            # set it to stop the request (client gone)
    # Sampling the client asked for; None keeps the config / plan defaults.
    max_tokens: int | None = None
    temperature: float | None = None
    stop: list[str] | None = None
    seed: int | None = None


@dataclass
class Event:
    kind: str
    expert: str | None = None
    text: str = ""
    data: Any = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "expert": self.expert, "text": self.text, "data": self.data}


@dataclass
class BlockReport:
    """One code block of an answer (or of the user's question) after the checks."""

    index: int
    code: str
    lang: str = ""
    line: int = 0                       # 1-based line of the block's first code line in its text
    role: str = "snippet"               # snippet | candidate | original | user
    checked: bool = False               # False: skipped (limits, not code); see diagnostics
    assembles: bool | None = None
    bytes: int | None = None
    cycles: tuple[int, int] | None = None
    equivalent: bool | None = None
    states_tested: int = 0
    counterexample: dict | None = None
    ignored: list[str] = field(default_factory=list)          # what the equivalence check ignored
    before: dict | None = None                                  # {"bytes", "cycles"} of the user's code
    after: dict | None = None
    assumptions: dict | None = None                             # live_out / m / x used for the check
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lint: list[Diagnostic] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.assembles is False or self.equivalent is False

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "code": self.code,
            "lang": self.lang,
            "line": self.line,
            "role": self.role,
            "checked": self.checked,
            "assembles": self.assembles,
            "bytes": self.bytes,
            "cycles": list(self.cycles) if self.cycles is not None else None,
            "equivalent": self.equivalent,
            "states_tested": self.states_tested,
            "counterexample": self.counterexample,
            "ignored": list(self.ignored),
            "before": self.before,
            "after": self.after,
            "assumptions": self.assumptions,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "lint": [d.to_dict() for d in self.lint],
        }


@dataclass
class Attempt:
    """One model call of a step: the first answer or a repair round."""

    round: int
    text: str
    blocks: list[BlockReport]
    model_ms: float = 0.0
    check_ms: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def summary(self) -> dict:
        return {
            "round": self.round,
            "chars": len(self.text),
            "model_ms": round(self.model_ms, 2),
            "check_ms": round(self.check_ms, 2),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "blocks": [{"assembles": b.assembles, "equivalent": b.equivalent,
                        "bytes": b.bytes, "cycles": list(b.cycles) if b.cycles else None}
                       for b in self.blocks],
        }


@dataclass
class StepResult:
    expert: str
    intent: str
    backend: str = ""
    model: str = ""
    adapter: str | None = None
    sample: int = 0
    text: str = ""
    code_blocks: list[BlockReport] = field(default_factory=list)
    repair_rounds: int = 0
    status: str = "ok"                 # ok | failed_checks | error | timeout | cancelled
    error: str | None = None
    toolkit: bool = False              # answered by the deterministic toolkit, no model
    fallback_from: str | None = None   # the backend that failed before this one answered
    attempts: list[Attempt] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed_ms: float = 0.0
    model_ms: float = 0.0
    check_ms: float = 0.0
    chosen: bool = True                # ensemble: synthesis picked this one
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """The step answered, every code block was checked and assembles, and every
        rewrite of the user's code was proven equivalent. Unchecked means unverified."""
        return self.status == "ok" and all(
            b.checked and b.assembles is True and b.equivalent is not False
            and (b.role != "candidate" or b.equivalent is True)
            for b in self.code_blocks)

    def to_dict(self) -> dict:
        return {
            "expert": self.expert,
            "intent": self.intent,
            "backend": self.backend,
            "model": self.model,
            "adapter": self.adapter,
            "sample": self.sample,
            "status": self.status,
            "error": self.error,
            "toolkit": self.toolkit,
            "fallback_from": self.fallback_from,
            "chosen": self.chosen,
            "repair_rounds": self.repair_rounds,
            "text": self.text,
            "code_blocks": [b.to_dict() for b in self.code_blocks],
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens},
            "elapsed_ms": round(self.elapsed_ms, 2),
            "model_ms": round(self.model_ms, 2),
            "check_ms": round(self.check_ms, 2),
            "attempts": [a.summary() for a in self.attempts],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


@dataclass
class Answer:
    markdown: str
    route: dict
    plan: dict
    steps: list[StepResult]
    user_code: list[BlockReport] = field(default_factory=list)
    status: str = "ok"                 # ok | partial | error | cancelled
    toolkit: bool = False
    latency_ms: float = 0.0
    overhead_ms: float = 0.0           # orchestration time minus model time and checks
    request_id: int | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    trace: dict = field(default_factory=dict)
    summary: str = ""                  # notes + verification table: what streaming did not show

    @property
    def verified(self) -> bool:
        return all(s.verified for s in self.steps if s.chosen)

    def to_dict(self) -> dict:
        return {
            "answer": self.markdown,
            "route": self.route,
            "plan": self.plan,
            "status": self.status,
            "verified": self.verified,
            "toolkit": self.toolkit,
            "steps": [s.to_dict() for s in self.steps],
            "user_code": [b.to_dict() for b in self.user_code],
            "latency_ms": round(self.latency_ms, 2),
            "overhead_ms": round(self.overhead_ms, 3),
            "request_id": self.request_id,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
