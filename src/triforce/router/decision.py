"""The router's answer for one query."""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.diagnostics import Diagnostic


@dataclass
class RouteDecision:
    query: str
    intents: list[str]                 # execution order; ["general"] when nothing fits
    experts: list[str]                 # one per intent, same order
    confidence: float                  # in [0, 1]
    scores: dict[str, float]           # per-intent probability (or keyword confidence)
    path: str                          # "fast" (no encoder), "embedding", "keyword", "empty", "binary"; "+previous"
    latency_ms: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def is_fallback(self) -> bool:
        return self.intents == ["general"]

    def to_dict(self, *, query_chars: int | None = None) -> dict:
        """The ``triforce route --json`` shape. ``query_chars`` cuts a long query."""
        query = self.query
        if query_chars is not None and len(query) > query_chars:
            query = query[:query_chars]
        return {
            "query": query,
            "intents": list(self.intents),
            "experts": list(self.experts),
            "confidence": round(float(self.confidence), 4),
            "scores": {k: round(float(v), 4) for k, v in sorted(self.scores.items(), key=lambda kv: -kv[1])},
            "path": self.path,
            "latency_ms": round(float(self.latency_ms), 3),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
