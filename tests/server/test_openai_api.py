"""The official ``openai`` client against a running server, streaming and not."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.server.harness import reply_for


@pytest.fixture()
def client(live_server):
    with openai.OpenAI(base_url=live_server.url + "/v1", api_key="unused", max_retries=0,
                       timeout=30) as c:
        yield c


def test_models_lists_router_and_every_expert(client, live_server):
    ids = [m.id for m in client.models.list().data]
    assert ids[0] == "triforce"
    experts = set(live_server.app.state.engine.experts)
    assert {f"triforce/{name}" for name in experts} <= set(ids)
    assert "triforce/din" in ids
    assert client.models.retrieve("triforce/din").id == "triforce/din"


def test_forced_expert_non_streaming_carries_route_and_verification(client, live_server):
    completion = client.chat.completions.create(
        model="triforce/din", messages=[{"role": "user", "content": "make this faster: lda #0"}])
    text = completion.choices[0].message.content
    assert text.startswith("[din] Clear the counter")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.completion_tokens > 0
    info = completion.model_extra["triforce"]
    assert info["route"]["experts"] == ["din"]
    assert info["route"]["path"] == "forced"
    step = info["steps"][0]
    assert step["expert"] == "din" and step["backend"] == "mock"
    assert len(step["code_blocks"]) == 1
    block = step["code_blocks"][0]
    assert "sta $10" in block["code"]
    # The toolchain's verdict travels with the block (assembled when the assembler is present).
    assert "assembles" in block and "cycles" in block
    stored = live_server.store.get_request(info["request_id"])
    assert stored is not None and stored["steps"][0]["expert"] == "din"


def test_streaming_yields_the_same_text_and_final_results(client):
    chunks = list(client.chat.completions.create(
        model="triforce/nayru", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "system", "content": "be brief"},
                  {"role": "user", "content": "write a DMA routine"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith(reply_for("nayru"))
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(finals) == 1
    info = finals[0].model_extra["triforce"]
    assert info["steps"][0]["expert"] == "nayru"
    assert isinstance(info["request_id"], int)
    usage = [c for c in chunks if not c.choices]
    assert usage and usage[0].usage.total_tokens > 0
    # More than the opening chunk and the final one: tokens really streamed.
    assert len(chunks) > 4


def test_automatic_routing_answers_and_records_a_route(client, live_server):
    completion = client.chat.completions.create(
        model="triforce", messages=[{"role": "user", "content": "optimize: lda $10 / clc / adc #1"}])
    info = completion.model_extra["triforce"]
    assert info["route"]["intents"], info["route"]
    assert info["steps"], info
    assert completion.choices[0].message.content


def test_unknown_model_is_an_openai_not_found_error(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "x"}])
    body = caught.value.body
    assert body["code"] == "H104" and body["param"] == "model"
    assert body["type"] == "invalid_request_error"


def test_max_tokens_over_the_limit_is_rejected(client, live_server):
    limit = live_server.app.state.engine.settings.max_tokens
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="triforce", max_tokens=limit + 1,
                                       messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["code"] == "H102"
    assert caught.value.body["param"] == "max_tokens"


def test_sse_wire_format_ends_with_done(live_server):
    body = {"model": "triforce/veran", "stream": True,
            "messages": [{"role": "user", "content": "what does this do?"}]}
    with httpx.stream("POST", live_server.url + "/v1/chat/completions", json=body,
                      timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    first = json.loads(lines[0][6:])
    assert first["object"] == "chat.completion.chunk"
    assert first["choices"][0]["delta"]["role"] == "assistant"
