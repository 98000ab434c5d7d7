"""The official ``ollama`` Python client against fake_ollama.py: the fake is faithful.

If the real client parses every reply of the fake (streaming, errors, list,
ps, load/unload), the shapes the ollama backend is tested against are the
shapes Ollama really sends.
"""

from __future__ import annotations

import pytest
from fake_ollama import FakeOllama

ollama = pytest.importorskip("ollama", reason="the official ollama client is in the `test` extra")


@pytest.fixture()
def server():
    with FakeOllama({"qwen2.5-coder:7b": 4_700_000_000, "triforce-din:7b": 4_800_000_000}) as fake:
        yield fake


def test_official_client_streams_chat(server):
    client = ollama.Client(host=server.url)
    parts = list(client.chat(model="triforce-din:7b", stream=True,
                             messages=[{"role": "user", "content": "hi"}]))
    assert "".join(p.message.content for p in parts) == "triforce-din:7b says: hi [system 0 chars]"
    assert parts[-1].done and parts[-1].done_reason == "stop" and parts[-1].eval_count == 6


def test_official_client_non_streaming_and_generate(server):
    client = ollama.Client(host=server.url)
    whole = client.chat(model="qwen2.5-coder:7b", messages=[{"role": "user", "content": "x"}])
    assert whole.message.content.startswith("qwen2.5-coder:7b says: x") and whole.done
    generated = client.generate(model="qwen2.5-coder:7b", prompt="y")
    assert generated.response.startswith("qwen2.5-coder:7b says: y")


def test_official_client_list_ps_and_load(server):
    client = ollama.Client(host=server.url)
    assert {m.model for m in client.list().models} == {"qwen2.5-coder:7b", "triforce-din:7b"}
    loaded = client.chat(model="triforce-din:7b", messages=[], keep_alive="5m")
    assert loaded.done_reason == "load"
    running = client.ps().models
    assert [m.model for m in running] == ["triforce-din:7b"] and running[0].size_vram == 4_800_000_000
    unloaded = client.generate(model="triforce-din:7b", prompt="", keep_alive=0)
    assert unloaded.done_reason == "unload"
    assert client.ps().models == []


def test_official_client_sees_errors(server):
    client = ollama.Client(host=server.url)
    with pytest.raises(ollama.ResponseError) as info:
        client.chat(model="nope:1b", messages=[{"role": "user", "content": "x"}])
    assert info.value.status_code == 404 and "not found" in info.value.error
    server.faults["qwen2.5-coder:7b"] = "error"
    with pytest.raises(ollama.ResponseError):
        list(client.chat(model="qwen2.5-coder:7b", stream=True,
                         messages=[{"role": "user", "content": "a b c"}]))
