"""50 concurrent streaming requests: all answered, every statistics row stored."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from tests.server.harness import start_server
from triforce.server.settings import ServerSettings

CONCURRENT = 50


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    # 20 ms between chunks: every stream is still open while the others start.
    server = start_server(tmp_path_factory.mktemp("busy"), delay=0.02,
                          settings=ServerSettings(port=0, per_client_concurrency=CONCURRENT + 10,
                                                  worker_threads=CONCURRENT + 10))
    yield server
    server.stop()


def test_fifty_concurrent_streams_store_every_row(busy_server):
    queries = [f"optimize routine number {i}: lda $10 / clc / adc #1 / sta $10" for i in range(CONCURRENT)]

    async def one(client: openai.AsyncOpenAI, query: str) -> tuple[str, dict]:
        stream = await client.chat.completions.create(
            model="triforce", stream=True, messages=[{"role": "user", "content": query}])
        text, info = [], None
        async for chunk in stream:
            if chunk.choices:
                text.append(chunk.choices[0].delta.content or "")
                if chunk.choices[0].finish_reason:
                    info = chunk.model_extra["triforce"]
        return "".join(text), info

    async def main():
        async with openai.AsyncOpenAI(base_url=busy_server.url + "/v1", api_key="x",
                                      max_retries=0, timeout=60,
                                      http_client=httpx.AsyncClient(
                                          limits=httpx.Limits(max_connections=CONCURRENT))) as client:
            return await asyncio.gather(*(one(client, q) for q in queries))

    results = asyncio.run(main())
    assert len(results) == CONCURRENT
    ids = set()
    for text, info in results:
        assert text and info is not None
        assert info["status"] in ("ok", "unverified"), info["status"]
        ids.add(info["request_id"])
    assert None not in ids and len(ids) == CONCURRENT

    assert busy_server.wait_for_rows(CONCURRENT) == CONCURRENT
    rows = busy_server.store.recent_requests(limit=1000)
    assert {row["id"] for row in rows} == ids
    assert {row["query"] for row in rows} == set(queries)
    assert all(row["status"] in ("ok", "unverified") for row in rows)
    routed = [row for row in rows if row["route"].get("path") not in ("unavailable", "forced")]
    stats = busy_server.store.routing_stats()
    # One routing row per request that the router decided (all of them, with a router).
    assert stats["total_queries"] == len(routed)
    if busy_server.app.state.engine.router is not None:
        assert stats["total_queries"] == CONCURRENT
    # The server's own counters agree with the store.
    metrics = httpx.get(busy_server.url + "/metrics").text
    assert 'triforce_requests_total{api="openai",status="ok"} ' in metrics or \
        'api="openai",status="unverified"' in metrics
    served = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                 if line.startswith("triforce_requests_total{"))
    assert served == CONCURRENT


def test_per_client_concurrency_limit(tmp_path):
    server = start_server(tmp_path, delay=0.2,
                          settings=ServerSettings(port=0, per_client_concurrency=2))
    try:
        body = {"model": "triforce/din", "stream": True,
                "messages": [{"role": "user", "content": "slow please"}]}

        async def main():
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                async def call():
                    async with client.stream("POST", "/v1/chat/completions", json=body) as r:
                        await r.aread()
                        return r.status_code, r.headers.get("x-triforce-error")
                return await asyncio.gather(*(call() for _ in range(4)))

        outcomes = asyncio.run(main())
        assert sorted(status for status, _ in outcomes) == [200, 200, 429, 429]
        assert all(code == "H109" for status, code in outcomes if status == 429)
        # Slots come back: the next request is served.
        ok = httpx.post(server.url + "/v1/chat/completions", timeout=30,
                        json={**body, "stream": False})
        assert ok.status_code == 200
    finally:
        server.stop()
