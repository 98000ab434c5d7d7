"""The official ``ollama`` client against a running server: Ollama clients work unchanged."""

from __future__ import annotations

import json

import httpx
import ollama
import pytest

from tests.server.harness import reply_for


@pytest.fixture()
def client(live_server):
    return ollama.Client(host=live_server.url, timeout=30)


def test_tags_list_every_model(client, live_server):
    names = {m.model for m in client.list().models}
    assert "triforce:latest" in names
    assert {f"triforce/{e}:latest" for e in live_server.app.state.engine.experts} <= names


def test_chat_streams_ndjson_by_default(client):
    parts = list(client.chat(model="triforce/farore", stream=True,
                             messages=[{"role": "user", "content": "why does this crash?"}]))
    assert parts[-1].done and parts[-1].done_reason == "stop"
    assert not any(p.done for p in parts[:-1])
    text = "".join(p.message.content or "" for p in parts)
    assert text.startswith(reply_for("farore"))
    assert parts[-1].eval_count and parts[-1].total_duration > 0
    assert len(parts) > 3


def test_chat_without_streaming(client):
    response = client.chat(model="triforce/zelda:latest", stream=False,
                           messages=[{"role": "user", "content": "plan my banks"}])
    assert response.done
    assert response.message.role == "assistant"
    assert response.message.content.startswith("[zelda]")


def test_generate_streaming_and_not(client):
    streamed = "".join(p.response for p in client.generate(model="triforce/tingle",
                                                            prompt="chart my RAM", stream=True))
    whole = client.generate(model="triforce/tingle", prompt="chart my RAM", system="be brief")
    assert streamed.startswith(reply_for("tingle"))
    assert whole.response.startswith(reply_for("tingle"))
    assert whole.done


def test_final_object_carries_triforce_results(live_server):
    body = {"model": "triforce/din", "messages": [{"role": "user", "content": "faster?"}]}
    with httpx.stream("POST", live_server.url + "/api/chat", json=body, timeout=30) as response:
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.iter_lines() if line]
    final = lines[-1]
    assert final["done"] is True
    assert final["triforce"]["steps"][0]["expert"] == "din"
    assert live_server.store.get_request(final["triforce"]["request_id"]) is not None


def test_empty_request_loads_the_model_and_ps_lists_used_models(client, live_server):
    loaded = client.generate(model="triforce/ganon", prompt="")
    assert loaded.done and loaded.done_reason == "load"
    client.chat(model="triforce/impa", messages=[{"role": "user", "content": "guard this"}],
                stream=False)
    running = {m.model for m in client.ps().models}
    assert "triforce/impa:latest" in running


def test_show_version_and_heartbeat(client, live_server):
    shown = client.show("triforce/link")
    assert shown.details.family == "triforce"
    assert httpx.get(live_server.url + "/api/version").json()["version"]
    assert httpx.head(live_server.url + "/").status_code == 200   # `ollama` CLI's liveness probe


def test_unknown_model_is_an_ollama_error(client):
    with pytest.raises(ollama.ResponseError) as caught:
        client.chat(model="llama3", messages=[{"role": "user", "content": "hi"}], stream=False)
    assert caught.value.status_code == 404
    assert "llama3" in caught.value.error


def test_num_predict_over_the_limit(client, live_server):
    limit = live_server.app.state.engine.settings.max_tokens
    with pytest.raises(ollama.ResponseError) as caught:
        client.generate(model="triforce", prompt="x", options={"num_predict": limit + 1})
    assert caught.value.status_code == 400
