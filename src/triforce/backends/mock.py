"""A scripted backend for tests and demos; ships in the package on purpose.

``replies`` is a list of strings (used in turn, the last one repeating) or a
callable ``(ChatRequest) -> str``. Replies are streamed in chunks of
``chunk_size`` characters with an optional ``delay`` between them.
``fail_after`` makes the stream die after that many chunks with a
``malformed`` BackendError — the "server dies mid-stream" case.
Every request is kept in ``requests`` so tests can assert what was sent.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

from triforce.backends.base import BackendError, BackendHealth, ChatChunk, ChatRequest


class MockBackend:
    name = "mock"

    def __init__(self, replies: list[str] | Callable[[ChatRequest], str] | str | None = None,
                 chunk_size: int = 8, delay: float = 0.0, fail_after: int | None = None,
                 models: list[str] | None = None, **_ignored):
        if isinstance(replies, str):
            replies = [replies]
        self.replies = replies if replies is not None else ["(mock reply)"]
        self.chunk_size = max(1, int(chunk_size))
        self.delay = float(delay)
        self.fail_after = fail_after
        self.models = models or ["mock"]
        self.requests: list[ChatRequest] = []
        self.closed = False

    def _reply_for(self, request: ChatRequest) -> str:
        if callable(self.replies):
            return self.replies(request)
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        return self.replies[index] if self.replies else ""

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        self.requests.append(request)
        text = self._reply_for(request)
        pieces = [text[i:i + self.chunk_size] for i in range(0, len(text), self.chunk_size)]
        for count, piece in enumerate(pieces):
            if self.fail_after is not None and count >= self.fail_after:
                raise BackendError("malformed", "stream ended unexpectedly", backend=self.name)
            if self.delay:
                time.sleep(self.delay)
            yield ChatChunk(text=piece, model=request.model or "mock", adapter=request.adapter)
        prompt_tokens = sum(len(m.content.split()) for m in request.messages)
        yield ChatChunk(done=True, prompt_tokens=prompt_tokens,
                        completion_tokens=len(text.split()), model=request.model or "mock",
                        adapter=request.adapter)

    def list_models(self) -> list[str]:
        return list(self.models)

    def health(self) -> BackendHealth:
        return BackendHealth(ok=not self.closed, detail="mock", models=list(self.models))

    def close(self) -> None:
        self.closed = True
