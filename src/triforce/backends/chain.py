"""A fallback chain: try each (backend, model, adapter) in turn until one answers.

The first candidate is the resolved choice; the others come from the
configured fallback list (another tier, another backend, finally the
toolkit). A candidate is abandoned only for failures that happen before it has
streamed any text — once words reached the user, a switch would splice two
answers, so a mid-stream failure is raised as it is. Every chunk carries the
name of the backend that produced it, and ``attempts`` records what failed
on the way, so an answer can say plainly who answered and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator

from triforce.backends.base import Backend, BackendError, BackendHealth, ChatChunk, ChatRequest

# Failures another candidate can fix; config errors and cancellations are not.
FALLBACK_KINDS = frozenset({"unreachable", "missing_model", "missing_adapter", "timeout",
                            "malformed", "http"})


@dataclass
class Candidate:
    backend_name: str
    model: str
    adapter: str | None
    tier: str | None = None
    make: Callable[[], Backend] | None = None     # created on first use
    backend: Backend | None = None
    owned: bool = True          # False: shared (a Resolver's), closed by its owner

    def get(self) -> Backend:
        if self.backend is None:
            if self.make is None:
                raise BackendError("config", f"backend {self.backend_name!r} cannot be created",
                                   backend=self.backend_name)
            self.backend = self.make()
        return self.backend

    def describe(self) -> str:
        model = self.model or "-"
        adapter = f" + {self.adapter}" if self.adapter else ""
        return f"{self.backend_name}:{model}{adapter}"


@dataclass
class Attempt:
    candidate: str
    error: BackendError


class ChainBackend:
    """A Backend made of candidates; ``name`` is the first candidate's backend name."""

    def __init__(self, candidates: list[Candidate], *, expert: str | None = None):
        if not candidates:
            raise ValueError("a chain needs at least one candidate")
        self.candidates = candidates
        self.expert = expert
        self.name = candidates[0].backend_name
        self.attempts: list[Attempt] = []
        self.answered_by: Candidate | None = None

    def _request_for(self, index: int, request: ChatRequest) -> ChatRequest:
        candidate = self.candidates[index]
        options = dict(request.options)
        if self.expert:
            options.setdefault("expert", self.expert)
        if index == 0:
            # The caller may have chosen model/adapter itself; fill only what is missing.
            return replace(request, model=request.model or candidate.model,
                           adapter=request.adapter if request.adapter is not None else candidate.adapter,
                           options=options)
        return replace(request, model=candidate.model, adapter=candidate.adapter, options=options)

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        self.attempts = []
        self.answered_by = None
        last_error: BackendError | None = None
        for index, candidate in enumerate(self.candidates):
            streamed = False
            try:
                backend = candidate.get()
                for chunk in backend.chat(self._request_for(index, request)):
                    if chunk.backend is None:
                        chunk.backend = candidate.backend_name
                    if chunk.text:
                        streamed = True
                    self.answered_by = candidate
                    yield chunk
                return
            except BackendError as exc:
                if not exc.backend:
                    exc.backend = candidate.backend_name
                self.attempts.append(Attempt(candidate.describe(), exc))
                last_error = exc
                if streamed or exc.kind not in FALLBACK_KINDS:
                    raise
        assert last_error is not None
        if len(self.attempts) > 1:
            tried = "; ".join(f"{a.candidate}: {a.error.kind}" for a in self.attempts)
            last_error.message = f"{last_error.message} (also tried {tried})"
        raise last_error

    def list_models(self) -> list[str]:
        backend = self.candidates[0].get()
        lister = getattr(backend, "list_models", None)
        return list(lister()) if lister else []

    def health(self):
        health = getattr(self.candidates[0].get(), "health", None)
        return health() if health else BackendHealth(ok=True, detail="no health check")

    def preload(self, model: str) -> None:
        preload = getattr(self.candidates[0].get(), "preload", None)
        if preload:
            preload(model)

    def close(self) -> None:
        closed: set[int] = set()
        for candidate in self.candidates:
            if candidate.owned and candidate.backend is not None and id(candidate.backend) not in closed:
                closed.add(id(candidate.backend))
                candidate.backend.close()
