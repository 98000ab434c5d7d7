"""One model call: streaming, deadline, cancellation, dying backends."""

from __future__ import annotations

import threading
import time

from triforce.backends.base import ChatChunk, ChatMessage, ChatRequest
from triforce.backends.mock import MockBackend
from triforce.orchestrator.streaming import stream_chat

REQUEST = ChatRequest(messages=[ChatMessage("user", "hi")])


class HangingBackend:
    """Sends one chunk, then blocks until released (a server that stopped answering)."""

    name = "hanging"

    def __init__(self):
        self.release = threading.Event()

    def chat(self, request):
        yield ChatChunk(text="partial ")
        self.release.wait(5)
        yield ChatChunk(text="late", done=True)

    def close(self):
        self.release.set()


class RawErrorBackend:
    name = "raw"

    def chat(self, request):
        yield ChatChunk(text="a")
        raise ConnectionResetError("peer reset")

    def close(self):
        pass


def test_tokens_stream_in_order_and_the_final_chunk_is_kept():
    pieces = []
    outcome = stream_chat(MockBackend("hello world", chunk_size=3), REQUEST,
                          on_text=pieces.append, timeout=5)
    assert outcome.status == "ok"
    assert "".join(pieces) == outcome.text == "hello world"
    assert len(pieces) == 4
    assert outcome.final is not None and outcome.final.done


def test_a_hanging_backend_times_out_with_the_partial_text():
    backend = HangingBackend()
    start = time.perf_counter()
    outcome = stream_chat(backend, REQUEST, on_text=lambda t: None, timeout=0.3)
    assert time.perf_counter() - start < 2
    assert outcome.status == "timeout"
    assert outcome.error.kind == "timeout"
    assert outcome.text == "partial "
    backend.close()


def test_cancel_stops_the_call_quickly():
    backend = HangingBackend()
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    start = time.perf_counter()
    outcome = stream_chat(backend, REQUEST, on_text=lambda t: None, timeout=30, cancel=cancel)
    assert time.perf_counter() - start < 2
    assert outcome.status == "cancelled"
    backend.close()


def test_dying_mid_stream_is_an_error_outcome_not_an_exception():
    outcome = stream_chat(MockBackend("x" * 100, chunk_size=10, fail_after=3), REQUEST,
                          on_text=lambda t: None, timeout=5)
    assert outcome.status == "error"
    assert outcome.error.kind == "malformed"
    assert outcome.text == "x" * 30


def test_raw_transport_errors_become_backend_errors():
    outcome = stream_chat(RawErrorBackend(), REQUEST, on_text=lambda t: None, timeout=5)
    assert outcome.status == "error"
    assert outcome.error.kind == "malformed"
    assert "ConnectionResetError" in outcome.error.message
