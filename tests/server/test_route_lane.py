"""POST /v1/route on its short path: same answers and errors as FastAPI's endpoint,
statistics queued and all committed, router processes, settings."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import httpx
import pytest

from tests.server.harness import make_factory, real_router, start_server
from triforce.config import Config
from triforce.server.route_lane import RouteLane
from triforce.server.settings import ServerSettings, check_settings

QUERIES = [
    "optimize this loop for fewer cycles: ldx #0 / inx / cpx #10 / bne -",
    "write a DMA routine that copies 2 KiB to VRAM",
    "why does my NMI handler crash after a few frames?",
    "what does this routine at $80C0 do?",
    "map the RAM usage of my hack",
    "hello, how are you?",
]

# (body bytes, content type or None) -> both paths must agree on status, code and body.
BODIES = [
    (json.dumps({"query": QUERIES[0]}).encode(), "application/json"),
    (json.dumps({"query": QUERIES[1], "top_k": 2}).encode(), "application/json"),
    (json.dumps({"query": QUERIES[1], "top_k": 2.0}).encode(), "application/json"),
    (json.dumps({"query": QUERIES[2], "previous_expert": "din"}).encode(), "application/json"),
    (json.dumps({"query": QUERIES[2]}).encode(), "application/vnd.api+json; charset=utf-8"),
    (json.dumps({"query": QUERIES[2]}).encode(), None),   # strict content type: not JSON
    (json.dumps({"query": ""}).encode(), "application/json"),
    (json.dumps({"query": "x", "top_k": "2"}).encode(), "application/json"),
    (json.dumps({"query": "x", "top_k": 0}).encode(), "application/json"),
    (json.dumps({"query": "x", "surprise": 1}).encode(), "application/json"),
    (json.dumps({"query": 5}).encode(), "application/json"),
    (json.dumps({"query": "x", "record": "no"}).encode(), "application/json"),
    (json.dumps(["query"]).encode(), "application/json"),
    (b'{"query": ', "application/json"),
    (b"not json", None),
    (b"", "application/json"),
    (json.dumps({"query": "x"}).encode(), "text/plain"),
]


def _apps(tmp_path):
    """The server's app, and the same app without the lane (FastAPI's own endpoint)."""
    from triforce.orchestrator import Orchestrator
    from triforce.server.app import create_app
    from triforce.store import Store

    apps = []
    for name in ("lane", "plain"):
        store = Store(tmp_path / f"{name}.db")
        config = Config()
        app = create_app(ServerSettings(port=0), store=store, config=config,
                         orchestrator=Orchestrator(config=config, store=store,
                                                   router=real_router()))
        if name == "plain":
            app.user_middleware = [m for m in app.user_middleware if m.cls is not RouteLane]
        apps.append(app)
    return apps


def _comparable(response: httpx.Response):
    body = response.json()
    if response.status_code == 200:
        body.pop("latency_ms")          # timing differs between the two calls
    else:
        body["error"].pop("message")    # codes are the contract, wording is not
    return response.status_code, response.headers.get("x-triforce-error"), body


def test_the_lane_answers_exactly_as_the_fastapi_endpoint(tmp_path):
    lane, plain = _apps(tmp_path)
    if lane.state.engine.router is None:
        pytest.skip("the router layer is not importable in this checkout")

    async def run():
        results = []
        for app in (lane, plain):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answers = []
                for body, content_type in BODIES:
                    headers = {"content-type": content_type} if content_type else {}
                    answers.append(_comparable(
                        await client.post("/v1/route", content=body, headers=headers)))
                results.append(answers)
            app.state.engine.close()
        return results

    via_lane, via_fastapi = asyncio.run(run())
    for case, (a, b) in enumerate(zip(via_lane, via_fastapi)):
        assert a == b, BODIES[case]
    statuses = [a[0] for a in via_lane]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {400}
    assert via_lane[13][1] == "H100" and via_lane[7][1] == "H101"
    assert via_lane[0][2]["intents"] == real_router().route(QUERIES[0]).to_dict()["intents"]


def test_every_route_is_recorded_and_committed_by_shutdown(tmp_path):
    server = start_server(tmp_path, settings=ServerSettings(port=0))
    requests = 240

    async def flood():
        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as c:
            answers = await asyncio.gather(*(
                c.post("/v1/route", json={"query": QUERIES[i % len(QUERIES)],
                                          "conversation_id": f"conv{i % 4}"})
                for i in range(requests)))
            dry = await c.post("/v1/route", json={"query": QUERIES[0], "record": False})
            metrics = (await c.get("/metrics")).text
        return answers, dry, metrics

    try:
        answers, dry, metrics = asyncio.run(flood())
    finally:
        server.stop()   # right away: rows still queued must be committed by the shutdown
    assert all(a.status_code == 200 for a in answers) and dry.status_code == 200
    rows = server.store.recent_routes(limit=10_000)
    assert len(rows) == requests
    assert {r["source"] for r in rows} == {"api"}
    assert sorted(r["conversation_id"] for r in rows) == sorted(
        f"conv{i % 4}" for i in range(requests))
    # Each conversation's turns chain through the transitions table.
    transitions = server.store.routing_stats()["transitions"]
    inside_plans = sum(len(a.json()["experts"]) - 1 for a in answers)
    assert sum(sum(t.values()) for t in transitions.values()) == inside_plans + requests - 4
    assert f"triforce_route_requests_total {requests + 1}" in metrics
    assert f'triforce_route_duration_seconds_count {requests + 1}' in metrics
    assert "triforce_statistics_rows_lost_total 0" in metrics
    assert "triforce_statistics_rows_queued " in metrics


def _embedding_router():
    """The packaged router with its embedding model, or None where it cannot load."""
    try:
        from triforce.router import Router
    except ImportError:
        return None
    router = Router.load(Config(data={"router": {"mode": "auto"}}))
    if router.model is None or router.encoder() is None:
        return None
    return router


def test_router_processes_answer_like_the_router_and_survive_a_crash(tmp_path):
    from triforce.orchestrator import Orchestrator

    router = _embedding_router()
    if router is None:
        pytest.skip("the embedding router (model + encoder package) is not installed")
    orchestrator = Orchestrator(config=Config(), router=router, backend_factory=make_factory(0.0))
    server = start_server(tmp_path, settings=ServerSettings(port=0, route_processes=2),
                          orchestrator=orchestrator)
    workers = server.app.state.engine.route_workers
    try:
        assert workers is not None and len(workers.pids()) == 2
        assert os.getpid() not in workers.pids()
        with server.client() as client:
            for query in QUERIES * 3:
                body = client.post("/v1/route", json={"query": query}).json()
                expected = router.route(query).to_dict()
                assert (body["intents"], body["experts"], body["confidence"]) == (
                    expected["intents"], expected["experts"], expected["confidence"])
            os.kill(workers.pids()[0], signal.SIGKILL)
            time.sleep(0.2)
            after = [client.post("/v1/route", json={"query": q}) for q in QUERIES * 2]
        assert all(r.status_code == 200 for r in after)
        assert workers.alive == 1
    finally:
        server.stop()
    assert len(server.store.recent_routes(limit=1000)) == len(QUERIES) * 5
    assert workers.pids() == []   # closed with the server


def test_a_keyword_router_gets_no_router_processes(tmp_path):
    """Its decision costs less than the pipe to a process would."""
    if real_router() is None:
        pytest.skip("the router layer is not importable in this checkout")
    server = start_server(tmp_path, settings=ServerSettings(port=0, route_processes=2))
    try:
        assert server.app.state.engine.route_workers is None
        with server.client() as client:
            assert client.post("/v1/route", json={"query": QUERIES[0]}).status_code == 200
    finally:
        server.stop()


def test_route_settings_are_checked():
    codes = lambda **kw: [d.code for d in check_settings(ServerSettings(**kw))]
    assert codes(route_processes=-1) == ["H004"]
    assert codes(route_threads=0) == ["H004"]
    assert codes(route_processes="2") == ["H006"] and codes(route_processes=None) == ["H006"]
    assert ServerSettings.from_config({"route-processes": 0}).route_processes == 0


class _BrokenRouter:
    """A router that fails: the client must get H112 and no traceback."""

    settings = None
    model = None

    def route(self, query, **_):
        raise RuntimeError("/secret/path/router.py exploded")


def test_router_failures_get_stable_codes(tmp_path):
    from triforce.orchestrator import Orchestrator
    from triforce.server.app import create_app
    from triforce.store import Store

    async def post(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/v1/route", json={"query": "optimize this"})
            metrics = (await client.get("/metrics")).text
        app.state.engine.close()
        return response, metrics

    results = []
    for router in (_BrokenRouter(), None):
        store = Store(tmp_path / f"{type(router).__name__}.db")
        app = create_app(ServerSettings(port=0), store=store, config=Config(),
                         orchestrator=Orchestrator(config=Config(), store=store, router=router))
        app.state.engine.router = router   # None: this server has no router at all
        results.append(asyncio.run(post(app)))
    (broken, broken_metrics), (missing, missing_metrics) = results
    assert (broken.status_code, broken.headers["x-triforce-error"]) == (500, "H112")
    assert "secret" not in broken.text and "Traceback" not in broken.text
    assert 'triforce_http_errors_total{code="H112"} 1' in broken_metrics
    assert (missing.status_code, missing.headers["x-triforce-error"]) == (503, "H113")
    assert 'triforce_http_errors_total{code="H113"} 1' in missing_metrics


class _FailingStore:
    """A store whose writes fail: routing still answers, /metrics counts the lost row."""

    def record_route_async(self, decision, **_):
        from concurrent.futures import Future

        future = Future()
        future.set_exception(OSError("disk full"))
        return future

    def writer_stats(self):
        return {"rows": 0, "batches": 0, "pending": 3}

    def close(self):
        pass


def test_a_statistics_row_the_store_loses_is_counted_not_fatal(tmp_path):
    if real_router() is None:
        pytest.skip("the router layer is not importable in this checkout")
    lane, plain = _apps(tmp_path)
    plain.state.engine.close()
    real_store, lane.state.engine.store = lane.state.engine.store, _FailingStore()

    async def run():
        transport = httpx.ASGITransport(app=lane)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            routed = await client.post("/v1/route", json={"query": QUERIES[0]})
            metrics = (await client.get("/metrics")).text
        lane.state.engine.close()
        return routed, metrics

    routed, metrics = asyncio.run(run())
    real_store.close()
    assert routed.status_code == 200
    assert "triforce_statistics_rows_lost_total 1" in metrics
    assert "triforce_statistics_rows_queued 3" in metrics
