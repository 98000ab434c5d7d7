"""Scripted experts for the orchestrator tests: a MockBackend per test, a fixed router."""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.backends.mock import MockBackend
from triforce.config import Config
from triforce.orchestrator import Orchestrator


@dataclass
class FixedDecision:
    """The fields of router.RouteDecision the orchestrator and the store read."""

    query: str
    intents: list[str]
    experts: list[str]
    confidence: float = 0.9
    scores: dict = field(default_factory=dict)
    path: str = "fixed"
    latency_ms: float = 0.0

    def to_dict(self) -> dict:
        return {"query": self.query, "intents": list(self.intents), "experts": list(self.experts),
                "confidence": self.confidence, "path": self.path}


class FixedRouter:
    """Routes every question to the same experts (routing quality is not under test here)."""

    def __init__(self, *pairs: tuple[str, str]):
        self.pairs = pairs
        self.calls: list[tuple[str, str | None]] = []

    def route(self, query: str, *, top_k=None, previous_expert=None):
        self.calls.append((query, previous_expert))
        return FixedDecision(query, [i for _, i in self.pairs], [e for e, _ in self.pairs])


def asm(code: str) -> str:
    return f"```asm\n{code.strip()}\n```"


def scripted(replies, *, router=None, store=False, config=None, **mock_options):
    """An Orchestrator whose every expert is one MockBackend with ``replies``."""
    backend = MockBackend(replies, **mock_options)
    orchestrator = Orchestrator(config=config or Config(), store=store, router=router,
                                backend_factory=lambda expert, request: backend)
    return orchestrator, backend


def by_expert(replies: dict[str, list[str]]):
    """A reply callable: each expert gets its own list, in turn (last one repeats)."""
    seen: dict[str, int] = {}

    def reply(request) -> str:
        expert = request.options.get("expert")
        n = seen.get(expert, 0)
        seen[expert] = n + 1
        items = replies[expert]
        return items[min(n, len(items) - 1)]

    return reply


# A 16-bit increment of $10/$11 with 8-bit A; the user says only memory matters.
INCREMENT_QUERY = ("Make this faster. A and the flags are free after this.\n" + asm("""
    LDA $10
    CLC
    ADC #$01
    STA $10
    LDA $11
    ADC #$00
    STA $11
    RTS
"""))
INCREMENT_GOOD = "INC $10\nBNE +\nINC $11\n+\nRTS"
INCREMENT_WRONG = "INC $10\nRTS"          # forgets the carry into $11
