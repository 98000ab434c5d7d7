"""Bad input gets each API's own error, a vanished client cancels cleanly, the server keeps serving."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.server.harness import start_server
from triforce.server.settings import ServerSettings

CHAT = "/v1/chat/completions"
GOOD = {"model": "triforce/din", "messages": [{"role": "user", "content": "hi"}]}

# (path, body bytes, expected status, expected Triforce code)
BAD_REQUESTS = [
    (CHAT, b'{"model": "triforce", "messages": [', 400, "H100"),
    (CHAT, b"not json at all", 400, "H100"),
    (CHAT, json.dumps({"model": 5, "messages": []}).encode(), 400, "H101"),
    (CHAT, json.dumps({"model": "triforce", "messages": "hi"}).encode(), 400, "H101"),
    (CHAT, json.dumps({"model": "triforce", "messages": [{"role": "user", "content": "x"}],
                       "stream": "yes"}).encode(), 400, "H101"),
    (CHAT, json.dumps({"model": "triforce", "messages": [{"role": "user", "content": "x"}],
                       "max_tokens": "100"}).encode(), 400, "H101"),
    (CHAT, json.dumps({"model": "triforce", "messages": [{"role": "wizard", "content": "x"}]}).encode(),
     400, "H101"),
    (CHAT, json.dumps({"model": "triforce", "messages": [{"role": "system", "content": "x"}]}).encode(),
     400, "H103"),
    (CHAT, json.dumps({"model": "triforce/bowser", "messages": [{"role": "user", "content": "x"}]}).encode(),
     404, "H104"),
    (CHAT, json.dumps([1, 2, 3]).encode(), 400, "H101"),
    ("/api/chat", b"{oops", 400, "H100"),
    ("/api/chat", json.dumps({"model": "triforce", "messages": [{"role": "user", "content": 3}]}).encode(),
     400, "H101"),
    ("/api/generate", json.dumps({"model": "nope", "prompt": "x"}).encode(), 404, "H104"),
    ("/api/generate", json.dumps({"prompt": "x"}).encode(), 400, "H101"),
    ("/v1/route", json.dumps({"query": ""}).encode(), 400, "H101"),
    ("/v1/route", json.dumps({"query": "x", "top_k": "2"}).encode(), 400, "H101"),
]


def assert_clean(text: str) -> None:
    """No traceback, no file path of the server in any error body."""
    assert "Traceback" not in text
    assert ".py" not in text and "/work/" not in text and "site-packages" not in text


@pytest.mark.parametrize("path,body,status,code", BAD_REQUESTS)
def test_bad_requests_get_the_apis_own_error(live_server, path, body, status, code):
    response = httpx.post(live_server.url + path, content=body, timeout=30,
                          headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["x-triforce-error"] == code
    assert_clean(response.text)
    payload = response.json()
    if path.startswith("/api/"):
        assert set(payload) == {"error"} and isinstance(payload["error"], str)
    else:
        assert set(payload["error"]) == {"message", "type", "param", "code"}
        assert payload["error"]["code"] == code


def test_unknown_path_and_wrong_method(live_server):
    with live_server.client() as c:
        missing = c.get("/v1/nothing-here")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "H105"
        ollama_missing = c.get("/api/nothing")
        assert ollama_missing.status_code == 404 and isinstance(ollama_missing.json()["error"], str)
        wrong = c.get(CHAT)
        assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "H106"


def test_huge_bodies_are_refused_before_parsing(live_server):
    limit = live_server.app.state.engine.settings.max_body_bytes
    huge = json.dumps({"model": "triforce", "messages": [
        {"role": "user", "content": "x" * (limit + 10)}]}).encode()
    with live_server.client() as c:
        declared = c.post(CHAT, content=huge, headers={"content-type": "application/json"})
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "H107"

        def chunks():   # no Content-Length: the limit still holds
            for i in range(0, len(huge), 65536):
                yield huge[i:i + 65536]

    with live_server.client() as c:
        chunked = c.post("/api/chat", content=chunks(), headers={"content-type": "application/json"})
        assert chunked.status_code == 413
        assert isinstance(chunked.json()["error"], str)
    with live_server.client() as c:
        assert c.post(CHAT, json=GOOD).status_code == 200


def test_a_body_that_never_arrives_times_out(tmp_path):
    server = start_server(tmp_path, settings=ServerSettings(port=0, body_timeout_s=0.5))
    try:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"model\"")
        reply = sock.recv(4096)
        sock.close()
        assert reply.startswith(b"HTTP/1.1 408") and b"H115" in reply
        assert httpx.get(server.url + "/health").status_code == 200
    finally:
        server.stop()


def _raw_stream_then_hang_up(port: int, path: str, body: dict, read_bytes: int) -> bytes:
    """Start a streaming request on a raw socket, read a little, then close it."""
    payload = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    received = b""
    while len(received) < read_bytes:
        piece = sock.recv(4096)
        if not piece:
            break
        received += piece
    sock.close()
    return received


@pytest.mark.parametrize("path", [CHAT, "/api/chat"])
def test_disconnect_mid_stream_cancels_and_logs(tmp_path, path):
    # A long, slow reply: 200 chunks, 50 ms apart (10 s if nobody cancels).
    server = start_server(tmp_path, delay=0.05, replies={"din": "x" * 3200})
    try:
        body = {"model": "triforce/din", "stream": True,
                "messages": [{"role": "user", "content": "talk for a long time"}]}
        started = time.monotonic()
        head = _raw_stream_then_hang_up(server.port, path, body, read_bytes=600)
        assert b"200 OK" in head
        assert server.wait_for_rows(1, timeout=10) == 1
        assert time.monotonic() - started < 6   # cancelled, not run to the end
        row = server.store.recent_requests(limit=5)[0]
        assert row["status"] == "cancelled"
        metrics = httpx.get(server.url + "/metrics").text
        assert "triforce_client_disconnects_total 1" in metrics
        assert 'status="cancelled"' in metrics
        # The server keeps serving, and the client slot was given back.
        assert httpx.get(server.url + "/health").json()["in_flight"] == 0
        ok = httpx.post(server.url + CHAT, json={**GOOD, "model": "triforce/nayru"}, timeout=30)
        assert ok.status_code == 200
        assert server.wait_for_rows(2) == 2
    finally:
        server.stop()


def test_disconnect_while_waiting_for_a_non_streaming_answer(tmp_path):
    server = start_server(tmp_path, delay=0.05, replies={"din": "x" * 3200})
    try:
        body = {"model": "triforce/din", "messages": [{"role": "user", "content": "take your time"}]}
        started = time.monotonic()
        assert _raw_stream_then_hang_up(server.port, CHAT, body, read_bytes=0) == b""
        assert server.wait_for_rows(1, timeout=10) == 1
        assert time.monotonic() - started < 6
        assert server.store.recent_requests(limit=1)[0]["status"] == "cancelled"
        assert httpx.get(server.url + "/health").json()["in_flight"] == 0
    finally:
        server.stop()


def test_sse_heartbeat_during_silence(tmp_path, monkeypatch):
    from triforce.server import engine

    monkeypatch.setattr(engine, "HEARTBEAT_S", 0.1)
    server = start_server(tmp_path, delay=0.35, replies={"din": "abcdefgh" * 2})
    try:
        body = {**GOOD, "stream": True}
        with httpx.stream("POST", server.url + CHAT, json=body, timeout=30) as response:
            lines = [line for line in response.iter_lines() if line]
        assert ": keep-alive" in lines
        data = [json.loads(line[6:]) for line in lines if line.startswith("data: {")]
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in data if c["choices"])
        assert text.startswith("abcdefgh" * 2)
        assert lines[-1] == "data: [DONE]"
    finally:
        server.stop()


def test_request_timeout_is_an_error_in_api_format(tmp_path):
    server = start_server(tmp_path, delay=0.2, replies={"din": "y" * 400},
                          settings=ServerSettings(port=0, request_timeout_s=0.5))
    try:
        slow = httpx.post(server.url + CHAT, json=GOOD, timeout=30)
        assert slow.status_code == 504
        assert slow.json()["error"]["code"] == "H110"
        with httpx.stream("POST", server.url + "/api/chat", timeout=30,
                          json={**GOOD, "stream": True}) as response:
            lines = [json.loads(line) for line in response.iter_lines() if line]
        assert "error" in lines[-1] and isinstance(lines[-1]["error"], str)
        # Both timed-out requests are still in the log, as cancelled.
        assert server.wait_for_rows(2) == 2
        assert {r["status"] for r in server.store.recent_requests()} == {"cancelled"}
    finally:
        server.stop()


def test_api_key_is_required_everywhere_but_health(tmp_path):
    key = "s3cret-key-for-tests"
    server = start_server(tmp_path, settings=ServerSettings(port=0, api_key=key))
    try:
        with server.client() as c:
            denied = c.post(CHAT, json=GOOD)
            assert denied.status_code == 401 and denied.json()["error"]["code"] == "H108"
            assert c.post(CHAT, json=GOOD, headers={"Authorization": "Bearer wrong"}).status_code == 401
            ollama_denied = c.get("/api/tags")
            assert ollama_denied.status_code == 401 and isinstance(ollama_denied.json()["error"], str)
            assert c.get("/metrics").status_code == 401
            assert c.get("/health").status_code == 200
            assert c.get("/").status_code == 200     # the page asks for the key itself
            allowed = c.post(CHAT, json=GOOD, headers={"Authorization": f"Bearer {key}"})
            assert allowed.status_code == 200
    finally:
        server.stop()


def test_cors_is_off_unless_configured(live_server, tmp_path):
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    with live_server.client() as c:
        response = c.options(CHAT, headers=preflight)
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-origin" not in c.get("/v1/models",
                                                          headers={"Origin": "https://evil.example"}).headers
    server = start_server(tmp_path, settings=ServerSettings(
        port=0, cors_origins=("https://editor.example",)))
    try:
        with server.client() as c:
            allowed = c.options(CHAT, headers={**preflight, "Origin": "https://editor.example"})
            assert allowed.headers["access-control-allow-origin"] == "https://editor.example"
            other = c.options(CHAT, headers=preflight)
            assert other.headers.get("access-control-allow-origin") != "https://evil.example"
    finally:
        server.stop()


def test_server_survives_all_of_the_above(live_server):
    with live_server.client() as c:
        health = c.get("/health").json()
        assert health["status"] == "ok"
        assert c.post(CHAT, json=GOOD).status_code == 200
        metrics = c.get("/metrics").text
    # Every orchestration that ran is in the log exactly once, and nothing else is:
    # the rejected requests above never reached it.
    finished = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                   if line.startswith("triforce_requests_total{"))
    rows = live_server.store.recent_requests(limit=10_000)
    assert len(rows) == finished
    assert len({row["id"] for row in rows}) == len(rows)
    assert all(row["steps"][0]["expert"] == "din" for row in rows)


class ExplodingOrchestrator:
    """An orchestrator with a bug: ask() raises with an internal path in the message."""

    def ask(self, request, on_event=None):
        raise RuntimeError("boom in /work/main/src/triforce/orchestrator/core.py line 1")


@pytest.mark.parametrize("stream", [False, True])
def test_an_orchestrator_crash_is_a_clean_500_and_still_logged(tmp_path, stream):
    server = start_server(tmp_path, orchestrator=ExplodingOrchestrator())
    try:
        with server.client() as c:
            response = c.post(CHAT, json={**GOOD, "stream": stream})
            ollama = c.post("/api/chat", json={**GOOD, "stream": stream})
        assert_clean(response.text + ollama.text)
        if stream:
            assert '"code":"H112"' in response.text and response.text.endswith("data: [DONE]\n\n")
            assert json.loads(ollama.text.strip().splitlines()[-1])["error"]
        else:
            assert response.status_code == 500 and response.json()["error"]["code"] == "H112"
            assert ollama.status_code == 500 and isinstance(ollama.json()["error"], str)
        assert server.wait_for_rows(2) == 2
        assert {r["status"] for r in server.store.recent_requests()} == {"error"}
        assert httpx.get(server.url + "/health").json()["in_flight"] == 0
    finally:
        server.stop()
