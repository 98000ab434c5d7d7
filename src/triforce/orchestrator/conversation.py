"""A conversation: history, a forced expert, routing context and session statistics.

``triforce chat`` drives one; the server can keep one per client. Each turn is
an ordinary :meth:`Orchestrator.ask` with the history so far and the previous
expert (the router's conversation context).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field, replace

from triforce.backends.base import ChatMessage
from triforce.orchestrator.types import Answer, AskRequest

#: Turns of history sent with a question (older turns drop off).
HISTORY_TURNS = 8
#: Characters kept of each message in the history.
HISTORY_CHARS = 20_000


@dataclass
class SessionStats:
    turns: int = 0
    experts: Counter = field(default_factory=Counter)
    repair_rounds: int = 0
    blocks: int = 0
    verified_answers: int = 0
    refuted_blocks: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: list[float] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        self.turns += 1
        for step in answer.steps:
            if step.chosen:
                self.experts[step.expert] += 1
            self.repair_rounds += step.repair_rounds
            self.blocks += len(step.code_blocks)
            self.refuted_blocks += sum(b.equivalent is False for b in step.code_blocks)
            self.prompt_tokens += step.prompt_tokens
            self.completion_tokens += step.completion_tokens
        self.verified_answers += bool(answer.verified and answer.steps)
        self.latency_ms.append(answer.latency_ms)

    def to_dict(self) -> dict:
        lat = sorted(self.latency_ms)
        return {
            "turns": self.turns,
            "experts": dict(self.experts),
            "repair_rounds": self.repair_rounds,
            "code_blocks": self.blocks,
            "verified_answers": self.verified_answers,
            "refuted_blocks": self.refuted_blocks,
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens},
            "latency_ms": {"avg": round(sum(lat) / len(lat), 2) if lat else 0.0,
                           "max": round(lat[-1], 2) if lat else 0.0},
        }


class Conversation:
    def __init__(self, orchestrator, template: AskRequest | None = None):
        self.orchestrator = orchestrator
        self.template = template or AskRequest(query="")
        self.history: list[ChatMessage] = []
        self.expert: str | None = self.template.expert
        self.previous_expert: str | None = None
        self.last_route: dict | None = None
        self.stats = SessionStats()
        self.id = uuid.uuid4().hex

    def set_expert(self, name: str | None) -> str | None:
        """Force ``name`` for the next turns (None/"auto": let the router choose).
        Returns an error message for an unknown expert."""
        if not name or name == "auto":
            self.expert = None
            return None
        known = self.orchestrator.experts()
        if known and name not in known:
            return f"unknown expert {name!r}; choose one of {', '.join(sorted(known))} or auto"
        self.expert = name
        return None

    def route(self, query: str) -> dict:
        """What the router would do with ``query`` now (nothing is asked or logged)."""
        decision = self.orchestrator.router().route(query, previous_expert=self.previous_expert)
        return decision.to_dict()

    def ask(self, text: str, on_event=None) -> Answer:
        request = replace(self.template, query=text, history=list(self.history[-2 * HISTORY_TURNS:]),
                          expert=self.expert, previous_expert=self.previous_expert,
                          conversation_id=self.id, source="chat")
        answer = self.orchestrator.ask(request, on_event=on_event)
        self.stats.add(answer)
        if answer.route:
            self.last_route = answer.route
        shown = [s for s in answer.steps if s.chosen]
        if shown:
            self.previous_expert = shown[-1].expert
        reply = "\n\n".join(s.text for s in shown if s.text.strip()) or answer.markdown
        self.history += [ChatMessage("user", text[:HISTORY_CHARS]),
                         ChatMessage("assistant", reply[:HISTORY_CHARS])]
        return answer

    def reset(self) -> None:
        self.history.clear()
        self.previous_expert = None
