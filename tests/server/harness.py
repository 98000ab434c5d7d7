"""A real Triforce server on 127.0.0.1 (uvicorn in a thread, a free port) for the API tests.

The server runs the real Orchestrator, store and router; only the model is a
MockBackend, injected through ``backend_factory``. Each server gets its own
SQLite store in a temp folder so tests can count its statistics rows.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from triforce.backends.mock import MockBackend
from triforce.config import Config

ASM_REPLY = (
    "Clear the counter in 8-bit mode:\n\n"
    "```asm\n"
    "sep #$20\n"
    "lda #$00\n"
    "sta $10\n"
    "rts\n"
    "```\n"
)


def reply_for(expert: str) -> str:
    return f"[{expert}] " + ASM_REPLY


def make_factory(delay: float = 0.0, chunk_size: int = 16, replies=None):
    """``backend_factory(expert, request)`` -> a MockBackend answering as that expert;
    ``replies``: one text for every expert, or ``{expert: text}`` (others: the default)."""

    def factory(expert, request):
        if isinstance(replies, dict):
            text = replies.get(expert, reply_for(expert))
        else:
            text = replies or reply_for(expert)
        return MockBackend(text, chunk_size=chunk_size, delay=delay)

    return factory


def real_router():
    """The project's router in keyword mode (its embedding classifier costs ~0.1 s a
    query on this machine, which would make 50 routed streams take minutes; routing
    quality is the router's own tests' business). None when the layer is missing:
    the orchestrator then uses the fallback expert and records no routing rows."""
    try:
        from triforce.router import Router
    except ImportError:
        return None
    return Router.load(Config(data={"router": {"mode": "keyword"}}))


@dataclass
class LiveServer:
    app: object
    url: str
    store: object
    thread: threading.Thread
    server: object
    extra: dict = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def wait_for_rows(self, requests: int, timeout: float = 15.0) -> int:
        """Request rows are written by worker threads; wait until ``requests`` exist."""
        deadline = time.monotonic() + timeout
        count = len(self.store.recent_requests(limit=10_000))
        while count < requests and time.monotonic() < deadline:
            time.sleep(0.05)
            count = len(self.store.recent_requests(limit=10_000))
        return count


def start_server(tmp_path: Path, *, settings=None, delay: float = 0.0, replies=None,
                 orchestrator=None) -> LiveServer:
    import uvicorn

    from triforce.orchestrator import Orchestrator
    from triforce.server.app import create_app
    from triforce.server.settings import ServerSettings
    from triforce.store import Store

    store = Store(tmp_path / "server.db")
    config = Config()
    if orchestrator is None:
        orchestrator = Orchestrator(config=config, store=store, router=real_router(),
                                    backend_factory=make_factory(delay, replies=replies))
    app = create_app(settings or ServerSettings(port=0), orchestrator=orchestrator,
                     store=store, config=config)
    # Port 0: the kernel picks a free port; uvicorn binds it itself (a socket handed
    # in through ``sockets=`` loses TCP_NODELAY and costs 40 ms per response).
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           timeout_keep_alive=5, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True, name="triforce-test-server")
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return LiveServer(app, f"http://127.0.0.1:{port}", store, thread, server)
