"""The ollama backend against a faithful local Ollama API server (fake_ollama.py)."""

from __future__ import annotations

import time

import pytest
from fake_ollama import FakeOllama

from triforce.backends.base import BackendError, ChatMessage, ChatRequest, collect
from triforce.backends.ollama import OllamaBackend, default_ollama_url, normalize_model


def _request(model: str, text: str = "hello there", **kw) -> ChatRequest:
    return ChatRequest(messages=[ChatMessage("system", "be brief"), ChatMessage("user", text)],
                       model=model, **kw)


@pytest.fixture()
def server():
    with FakeOllama({"qwen2.5-coder:7b": 4_700_000_000, "triforce-din:7b": 4_800_000_000}) as fake:
        yield fake


def test_streams_reply_and_counts(server):
    with OllamaBackend(server.url, keep_alive="10m") as backend:
        chunks = list(backend.chat(_request("triforce-din:7b")))
    text = "".join(c.text for c in chunks)
    assert text == "triforce-din:7b says: hello there [system 8 chars]"
    assert len([c for c in chunks if c.text]) > 3            # really streamed, word by word
    final = chunks[-1]
    assert final.done and final.completion_tokens == 7 and final.prompt_tokens == 4
    assert all(c.backend == "ollama" for c in chunks)
    method, path, body = server.requests[-1]
    assert (method, path) == ("POST", "/api/chat")
    assert body["stream"] is True and body["keep_alive"] == "10m"
    assert body["options"]["temperature"] == 0.2 and body["options"]["num_predict"] == 1024
    assert body["messages"][0] == {"role": "system", "content": "be brief"}


def test_tags_ps_preload_unload(server):
    with OllamaBackend(server.url) as backend:
        assert set(backend.list_models()) == {"qwen2.5-coder:7b", "triforce-din:7b"}
        assert backend.has_model("triforce-din:7b") and not backend.has_model("triforce-nayru:7b")
        assert backend.loaded_models() == []
        backend.preload("triforce-din:7b", keep_alive="1h")
        loaded = backend.loaded_models()
        assert [m["name"] for m in loaded] == ["triforce-din:7b"]
        assert loaded[0]["size_vram"] == 4_800_000_000
        backend.unload("triforce-din:7b")
        assert backend.loaded_models() == []
        health = backend.health()
        assert health.ok and "qwen2.5-coder:7b" in health.models


def test_missing_model_names_the_pull(server):
    with OllamaBackend(server.url) as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("qwen2.5-coder:32b")))
    assert info.value.kind == "missing_model"
    assert "ollama pull qwen2.5-coder:32b" in info.value.hint


def test_missing_expert_model_says_how_to_build_it(server):
    with OllamaBackend(server.url) as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("triforce-veran:7b")))
    assert info.value.kind == "missing_model"
    assert "triforce export ollama" in info.value.hint and "ollama create triforce-veran:7b" in info.value.hint


def test_unreachable_is_one_clear_error():
    with FakeOllama() as fake:
        url = fake.url
    started = time.perf_counter()
    with OllamaBackend(url, retries=1, backoff=0.01) as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("qwen2.5-coder:7b")))
    assert info.value.kind == "unreachable" and info.value.retryable
    assert "ollama serve" in info.value.hint and "backends.ollama.base_url" in info.value.hint
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("fault", ["truncate", "garbage"])
def test_broken_stream_is_malformed(server, fault):
    server.faults["qwen2.5-coder:7b"] = fault
    with OllamaBackend(server.url) as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("qwen2.5-coder:7b")))
    assert info.value.kind == "malformed"


def test_error_line_mid_stream(server):
    server.faults["qwen2.5-coder:7b"] = "error"
    with OllamaBackend(server.url) as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("qwen2.5-coder:7b")))
    assert info.value.kind == "http" and "error was encountered" in info.value.message


def test_slow_first_byte_times_out(server):
    server.delay_first = 1.5
    with OllamaBackend(server.url, retries=0) as backend:
        started = time.perf_counter()
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("qwen2.5-coder:7b", timeout=0.4)))
    assert info.value.kind == "timeout"
    assert time.perf_counter() - started < 1.4


def test_slow_stream_hits_the_overall_deadline(server):
    server.delay_chunk = 0.15
    with OllamaBackend(server.url, retries=0) as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("qwen2.5-coder:7b", timeout=0.35)))
    assert info.value.kind == "timeout"


def test_slow_but_within_deadline_succeeds(server):
    server.delay_chunk = 0.02
    with OllamaBackend(server.url) as backend:
        text, final = collect(backend.chat(_request("qwen2.5-coder:7b", timeout=5)))
    assert text.startswith("qwen2.5-coder:7b says:") and final.done


def test_busy_server_is_retried_with_backoff(server):
    server.fail_503 = 2
    with OllamaBackend(server.url, retries=2, backoff=0.01) as backend:
        text, final = collect(backend.chat(_request("qwen2.5-coder:7b")))
    assert final is not None and text
    assert sum(1 for m, p, _ in server.requests if p == "/api/chat") == 3


def test_busy_server_gives_up_after_retries(server):
    server.fail_503 = 5
    with OllamaBackend(server.url, retries=1, backoff=0.01) as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("qwen2.5-coder:7b")))
    assert info.value.kind == "http" and info.value.retryable


def test_ollama_host_convention(monkeypatch):
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert default_ollama_url() == "http://127.0.0.1:11434"
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0")
    assert default_ollama_url() == "http://0.0.0.0:11434"
    monkeypatch.setenv("OLLAMA_HOST", "http://box:9999")
    assert default_ollama_url() == "http://box:9999"
    assert normalize_model("qwen") == "qwen:latest"
    assert normalize_model("ns/qwen:7b") == "ns/qwen:7b"
