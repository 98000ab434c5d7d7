"""One model call with streaming, a deadline and cancellation.

The backend's ``chat`` generator runs in a worker thread that hands chunks
over a queue, so a backend that hangs inside a read cannot hold the request
past its timeout, and a client that disconnects (the server sets ``cancel``)
stops the request within a fraction of a second. The worker stops reading at
the next chunk once told to; a backend's own ``request.timeout`` bounds what
it can still spend after that.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

from triforce.backends.base import Backend, BackendError, ChatChunk, ChatRequest

#: How often the waiting side looks at the cancel flag.
_POLL_S = 0.05


@dataclass
class StreamOutcome:
    text: str
    status: str                      # ok | error | timeout | cancelled
    final: ChatChunk | None = None
    model: str | None = None
    adapter: str | None = None
    backend: str | None = None       # who produced the chunks, where the backend says
    error: BackendError | None = None
    elapsed_ms: float = 0.0


def _pump(backend: Backend, request: ChatRequest, out: queue.Queue, stop: threading.Event) -> None:
    try:
        stream = backend.chat(request)
        try:
            for chunk in stream:
                if stop.is_set():
                    break
                out.put(("chunk", chunk))
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        out.put(("end", None))
    except BackendError as exc:
        out.put(("error", exc))
    except Exception as exc:  # a backend bug or a raw transport error: report, don't crash
        out.put(("error", BackendError("malformed", f"{type(exc).__name__}: {exc}",
                                       backend=getattr(backend, "name", ""))))


def stream_chat(backend: Backend, request: ChatRequest, *, on_text: Callable[[str], None],
                timeout: float, cancel: threading.Event | None = None) -> StreamOutcome:
    """Stream ``request`` through ``backend``, calling ``on_text`` for every piece of text."""
    start = time.perf_counter()
    deadline = start + max(0.001, timeout)
    chunks: queue.Queue = queue.Queue()
    stop = threading.Event()
    worker = threading.Thread(target=_pump, args=(backend, request, chunks, stop),
                              name="triforce-stream", daemon=True)
    worker.start()
    parts: list[str] = []
    outcome = StreamOutcome("", "ok")
    try:
        while True:
            if cancel is not None and cancel.is_set():
                outcome.status = "cancelled"
                outcome.error = BackendError("cancelled", "the request was cancelled",
                                             backend=getattr(backend, "name", ""))
                break
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                outcome.status = "timeout"
                outcome.error = BackendError("timeout", f"no complete reply within {timeout:g} s",
                                             hint="raise [orchestrator] step_timeout or use a faster tier",
                                             backend=getattr(backend, "name", ""))
                break
            try:
                kind, item = chunks.get(timeout=min(remaining, _POLL_S) if cancel else remaining)
            except queue.Empty:
                continue
            if kind == "end":
                break
            if kind == "error":
                outcome.status = "error"
                outcome.error = item
                break
            chunk: ChatChunk = item
            if chunk.model:
                outcome.model = chunk.model
            if chunk.adapter:
                outcome.adapter = chunk.adapter
            if getattr(chunk, "backend", None):
                outcome.backend = chunk.backend
            if chunk.text:
                parts.append(chunk.text)
                on_text(chunk.text)
            if chunk.done:
                outcome.final = chunk
    finally:
        stop.set()
    outcome.text = "".join(parts)
    outcome.elapsed_ms = (time.perf_counter() - start) * 1000.0
    return outcome
