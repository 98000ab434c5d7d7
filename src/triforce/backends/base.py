"""The Backend protocol: one required method (``chat``) plus ``close()``.

Everything a model server does for Triforce goes through ``chat``, which yields
:class:`ChatChunk` objects as tokens arrive (the last one has ``done=True``
and, where the server reports them, token counts). Optional methods —
``list_models()``, ``health()``, ``preload(model)`` — are looked up with
``getattr`` by callers, so a third-party backend can stay tiny.

Failures are raised as :class:`BackendError` with a ``kind`` and a ``hint``
naming what the user should fix (``ollama pull qwen2.5-coder:7b``, a config
key); callers never see raw transport exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol, runtime_checkable


@dataclass(frozen=True)
class ChatMessage:
    role: str          # "system", "user" or "assistant"
    content: str


@dataclass
class ChatRequest:
    messages: list[ChatMessage]
    model: str = ""
    adapter: str | None = None     # LoRA adapter name/id, where the backend swaps adapters
    temperature: float = 0.2
    max_tokens: int = 1024
    stop: list[str] | None = None
    seed: int | None = None
    timeout: float = 120.0         # seconds for the whole request
    options: dict = field(default_factory=dict)   # backend-specific extras


@dataclass
class ChatChunk:
    text: str = ""
    done: bool = False
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model: str | None = None
    adapter: str | None = None
    backend: str | None = None     # which backend produced it (names who answered)


@dataclass
class BackendHealth:
    ok: bool
    detail: str = ""
    models: list[str] = field(default_factory=list)


class BackendError(Exception):
    """A backend failure with a stable ``kind`` and a ``hint`` that says what to fix.

    kinds: ``unreachable``, ``missing_model``, ``missing_adapter``, ``timeout``,
    ``malformed``, ``http``, ``config``, ``cancelled``.
    """

    def __init__(self, kind: str, message: str, hint: str = "", backend: str = "",
                 retryable: bool = False):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint
        self.backend = backend
        self.retryable = retryable

    def __str__(self) -> str:
        text = f"{self.backend + ': ' if self.backend else ''}{self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@runtime_checkable
class Backend(Protocol):
    name: str

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        """Stream the reply; the final chunk has ``done=True``."""
        ...

    def close(self) -> None:
        ...


def collect(chunks: Iterator[ChatChunk]) -> tuple[str, ChatChunk | None]:
    """Join a stream into its text and the final (``done``) chunk, if any."""
    parts: list[str] = []
    last = None
    for chunk in chunks:
        parts.append(chunk.text)
        if chunk.done:
            last = chunk
    return "".join(parts), last
