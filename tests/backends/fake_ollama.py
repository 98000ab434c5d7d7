"""A local HTTP server that implements Ollama's documented API faithfully — a FAKE.

Ollama itself cannot be installed here (no model downloads), so the ``ollama``
backend is tested against this server, and the official ``ollama`` Python
client is run against the same server to check that it is faithful
(tests/backends/test_fake_ollama_faithful.py). It follows docs/api.md of
Ollama: ``GET /``, ``/api/version``, ``/api/tags``, ``/api/ps``; ``POST
/api/chat`` and ``/api/generate`` streaming NDJSON over chunked transfer
(``stream: false`` gives one object); an empty message list / prompt loads a
model (``done_reason: "load"``), ``keep_alive: 0`` unloads it
(``done_reason: "unload"``); errors are ``{"error": "..."}`` with the status
Ollama uses (404 for an unknown model, 400 for a bad request), and a failure
after streaming began is an ``{"error": ...}`` line.

Replies are deterministic: ``reply(model, messages)`` (configurable) split
into word chunks. Faults for tests: ``delay_first`` (seconds before the first
byte), ``delay_chunk``, and per-model ``faults``: ``"truncate"`` (the stream
stops without the done line), ``"garbage"`` (a non-JSON line), ``"error"`` (an
error line mid-stream), ``"503"`` (``n`` failures before success).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _duration(value) -> float:
    """keep_alive: seconds (number) or a Go duration string ("5m", "1h", "30s", "0")."""
    if value is None:
        return 300.0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "h", "m", "s"):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * units[unit]
    return float(text)


def default_reply(model: str, messages: list[dict]) -> str:
    last = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
    system = next((m.get("content", "") for m in messages if m.get("role") == "system"), "")
    return f"{model} says: {last} [system {len(system)} chars]"


class FakeOllama:
    def __init__(self, models: dict[str, int] | None = None,
                 reply: Callable[[str, list[dict]], str] = default_reply):
        # name -> size in bytes (what /api/tags and /api/ps report)
        self.models = dict(models or {"qwen2.5-coder:7b": 4_683_087_332})
        self.reply = reply
        self.loaded: dict[str, float] = {}     # name -> expiry (monotonic)
        self.requests: list[tuple[str, str, dict | None]] = []
        self.load_count: dict[str, int] = {}
        self.delay_first = 0.0
        self.delay_chunk = 0.0
        self.faults: dict[str, str] = {}
        self.fail_503 = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- state ---------------------------------------------------------------
    def _resolve(self, name: str) -> str | None:
        if name in self.models:
            return name
        if ":" not in name and f"{name}:latest" in self.models:
            return f"{name}:latest"
        return None

    def _touch(self, name: str, keep_alive) -> None:
        seconds = _duration(keep_alive)
        with self.lock:
            if name not in self.loaded and seconds != 0:
                self.load_count[name] = self.load_count.get(name, 0) + 1
            if seconds == 0:
                self.loaded.pop(name, None)
            elif seconds < 0:
                self.loaded[name] = float("inf")
            else:
                self.loaded[name] = time.monotonic() + seconds

    def running(self) -> list[str]:
        now = time.monotonic()
        with self.lock:
            for name in [n for n, exp in self.loaded.items() if exp <= now]:
                del self.loaded[name]
            return sorted(self.loaded)

    def _details(self, name: str) -> dict:
        return {"parent_model": "", "format": "gguf", "family": "qwen2", "families": ["qwen2"],
                "parameter_size": "7.6B", "quantization_level": "Q4_K_M"}

    # -- HTTP ------------------------------------------------------------------
    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def _json(self, status: int, payload) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def do_GET(self):
                server.requests.append(("GET", self.path, None))
                if self.path == "/":
                    body = b"Ollama is running"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif self.path == "/api/version":
                    self._json(200, {"version": "0.6.3"})
                elif self.path == "/api/tags":
                    self._json(200, {"models": [
                        {"name": n, "model": n, "modified_at": _now(), "size": size,
                         "digest": f"{abs(hash(n)):064x}"[:64], "details": server._details(n)}
                        for n, size in server.models.items()]})
                elif self.path == "/api/ps":
                    now = time.monotonic()
                    out = []
                    for n in server.running():
                        remaining = server.loaded.get(n, now) - now
                        expires = (datetime.now(timezone.utc) + timedelta(
                            seconds=min(remaining, 10**8))).isoformat()
                        out.append({"name": n, "model": n, "size": server.models[n],
                                    "digest": f"{abs(hash(n)):064x}"[:64], "details": server._details(n),
                                    "expires_at": expires, "size_vram": server.models[n],
                                    "context_length": 4096})
                    self._json(200, {"models": out})
                else:
                    self._json(404, {"error": "404 page not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    return self._json(400, {"error": "invalid character in request body"})
                server.requests.append(("POST", self.path, body))
                if self.path not in ("/api/chat", "/api/generate"):
                    return self._json(404, {"error": "404 page not found"})
                if server.fail_503 > 0:
                    server.fail_503 -= 1
                    return self._json(503, {"error": "server busy, please try again. maximum pending requests exceeded"})
                name = body.get("model")
                if not name:
                    return self._json(400, {"error": "model is required"})
                model = server._resolve(name)
                if model is None:
                    return self._json(404, {"error": f'model "{name}" not found, try pulling it first'})
                chat = self.path == "/api/chat"
                messages = body.get("messages") if chat else [{"role": "user", "content": body.get("prompt", "")}]
                if messages is None:
                    messages = []
                if not isinstance(messages, list):
                    return self._json(400, {"error": "json: cannot unmarshal messages"})
                keep_alive = body.get("keep_alive")
                empty = not messages or (not chat and not body.get("prompt"))
                if empty:
                    # Documented: no messages / empty prompt loads (or, with keep_alive 0, unloads).
                    server._touch(model, keep_alive)
                    reason = "unload" if keep_alive is not None and _duration(keep_alive) == 0 else "load"
                    payload = {"model": model, "created_at": _now(), "done": True, "done_reason": reason}
                    payload.update({"message": {"role": "assistant", "content": ""}} if chat else {"response": ""})
                    return self._json(200, payload)
                server._touch(model, keep_alive)
                text = server.reply(model, messages)
                words = [w + " " for w in text.split(" ")]
                words[-1] = words[-1][:-1]
                prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)

                def piece(content: str, done: bool) -> dict:
                    out = {"model": model, "created_at": _now()}
                    if chat:
                        out["message"] = {"role": "assistant", "content": content}
                    else:
                        out["response"] = content
                    out["done"] = done
                    if done:
                        out.update(done_reason="stop", total_duration=1_000_000, load_duration=1000,
                                   prompt_eval_count=prompt_tokens, prompt_eval_duration=1000,
                                   eval_count=len(words), eval_duration=1000)
                    return out

                if server.delay_first:
                    time.sleep(server.delay_first)
                if body.get("stream") is False:
                    whole = piece("".join(words), True)
                    return self._json(200, whole)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                fault = server.faults.get(model)
                try:
                    for index, word in enumerate(words):
                        if fault == "garbage" and index == 1:
                            self._chunk(b"<html>proxy error</html>\n")
                            break
                        if fault == "error" and index == 1:
                            self._chunk(json.dumps({"error": "an error was encountered while running the model"}).encode() + b"\n")
                            break
                        line = json.dumps(piece(word, False)).encode() + b"\n"
                        # Split a line across two chunks: clients must reassemble.
                        half = len(line) // 2
                        self._chunk(line[:half])
                        self._chunk(line[half:])
                        if server.delay_chunk:
                            time.sleep(server.delay_chunk)
                        if fault == "truncate" and index == 0:
                            break
                    else:
                        self._chunk(json.dumps(piece("", True)).encode() + b"\n")
                    self._chunk(b"")
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
