"""resolve(): the automatic choice, flags and config, fallback chains."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from fake_ollama import FakeOllama

from triforce.backends.base import BackendError, ChatMessage, ChatRequest, collect
from triforce.backends.mock import MockBackend
from triforce.config import load_config
from triforce.experts import Resolver, resolve


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture()
def no_ollama(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", _closed_port_url())


def _config(tmp_path: Path, text: str):
    path = tmp_path / "triforce.toml"
    path.write_text(text, encoding="utf-8")
    return load_config([path])


def test_nothing_configured_nothing_running_is_the_toolkit(no_ollama):
    started = time.perf_counter()
    resolved = resolve("din", config=load_config([]))
    elapsed = time.perf_counter() - started
    assert resolved.backend_name == "toolkit" and resolved.model == "toolkit"
    assert "no Ollama" in resolved.reason and resolved.fallbacks == []
    assert elapsed < 1.0
    text, final = collect(resolved.chain().chat(resolved.request([ChatMessage("user", "lda #$00")])))
    assert final.backend == "toolkit" and "toolkit" in text.lower()


def test_local_ollama_with_the_expert_model_is_chosen(monkeypatch):
    with FakeOllama({"qwen2.5-coder:7b": 1, "triforce-din:7b": 2}) as fake:
        monkeypatch.setenv("OLLAMA_HOST", fake.url)
        resolver = Resolver(load_config([]))
        din = resolver.resolve("din")
        nayru = resolver.resolve("nayru")
        veran_big = resolver.resolve("veran", tier="balanced")
        for name in ("farore", "ganon", "zelda", "link", "impa", "tingle", "fallback"):
            resolver.resolve(name)
        # One probe per Resolver, however many experts it resolves.
        assert [p for m, p, _ in fake.requests] == ["/api/tags"]
        assert (din.backend_name, din.model, din.adapter) == ("ollama", "triforce-din:7b", None)
        assert (nayru.backend_name, nayru.model) == ("ollama", "qwen2.5-coder:7b")
        assert veran_big.backend_name == "toolkit" and "ollama pull qwen2.5-coder:14b" in veran_big.reason
        assert [f.backend_name for f in din.fallbacks] == ["toolkit"]
        text, final = collect(din.chain().chat(din.request([ChatMessage("user", "hi")])))
        assert final.backend == "ollama" and text.startswith("triforce-din:7b says: hi")
        resolver.close()


def test_probe_is_not_cached_across_resolvers(monkeypatch):
    with FakeOllama({"qwen2.5-coder:7b": 1}) as fake:
        monkeypatch.setenv("OLLAMA_HOST", fake.url)
        resolve("din", config=load_config([]))
        resolve("din", config=load_config([]))
        assert [p for m, p, _ in fake.requests] == ["/api/tags", "/api/tags"]


def test_flags_override_config(tmp_path, no_ollama):
    config = _config(tmp_path, """
[backends]
default = "ollama"
[backends.openai]
api_key = "k"
""")
    resolved = resolve("din", backend="openai", base_url="http://127.0.0.1:9/v1", tier="balanced",
                       config=config)
    assert resolved.backend_name == "openai"
    assert resolved.model == "Qwen/Qwen2.5-Coder-14B-Instruct" and resolved.adapter == "din"
    assert resolved.backend.base_url == "http://127.0.0.1:9"
    assert resolved.reason == "--backend"
    by_model = resolve("din", backend="ollama", model="my-din", config=config)
    assert (by_model.backend_name, by_model.model) == ("ollama", "my-din")


def test_config_default_backend_and_options(tmp_path, no_ollama):
    config = _config(tmp_path, """
[backends]
default = "mock"
[backends.mock]
replies = ["from config"]
model = "m1"
[experts.veran]
tier = "quality"
""")
    resolved = resolve("veran", config=config)
    assert resolved.backend_name == "mock" and resolved.model == "m1" and resolved.tier == "quality"
    assert resolved.reason == "backends.default"
    text, final = collect(resolved.chain().chat(resolved.request([ChatMessage("user", "x")])))
    assert text == "from config" and final.backend == "mock"


def test_missing_model_falls_back_along_the_chain(tmp_path, monkeypatch):
    with FakeOllama({"qwen2.5-coder:7b": 1}) as fake:
        monkeypatch.setenv("OLLAMA_HOST", fake.url)
        config = _config(tmp_path, """
[experts.din]
backend = "ollama"
tier = "balanced"
fallback = ["fast", "toolkit"]
""")
        resolved = resolve("din", config=config)
        assert resolved.model == "qwen2.5-coder:14b"     # own build absent: the base, also absent
        assert [(f.backend_name, f.tier, f.model) for f in resolved.fallbacks] == [
            ("ollama", "fast", "qwen2.5-coder:7b"), ("toolkit", "balanced", "toolkit")]
        chain = resolved.chain()
        text, final = collect(chain.chat(resolved.request([ChatMessage("user", "hi")])))
        assert final.backend == "ollama" and text.startswith("qwen2.5-coder:7b says: hi")
        assert [a.error.kind for a in chain.attempts] == ["missing_model"]
        assert chain.answered_by.tier == "fast"


def test_dead_server_ends_at_the_toolkit(tmp_path, no_ollama):
    config = _config(tmp_path, '[backends]\ndefault = "ollama"\n[backends.ollama]\nretries = 0\n')
    resolved = resolve("farore", config=config)
    chain = resolved.chain()
    text, final = collect(chain.chat(resolved.request([ChatMessage("user", "sep #$20\nrts")])))
    assert final.backend == "toolkit" and text
    assert chain.attempts[0].error.kind == "unreachable"


def test_no_fallback_after_text_was_streamed():
    from triforce.backends.chain import Candidate, ChainBackend

    broken = MockBackend(["abcdefghijkl"], chunk_size=4, fail_after=1)
    spare = MockBackend(["spare"])
    chain = ChainBackend([Candidate("mock", "m", None, backend=broken),
                          Candidate("spare", "s", None, backend=spare)], expert="din")
    with pytest.raises(BackendError) as info:
        collect(chain.chat(ChatRequest([ChatMessage("user", "x")])))
    assert info.value.kind == "malformed" and spare.requests == []
    assert broken.requests[0].options["expert"] == "din"


def test_config_errors_are_not_fallen_back_from():
    from triforce.backends.chain import Candidate, ChainBackend

    class Misconfigured:
        name = "bad"

        def chat(self, request):
            raise BackendError("config", "no api key", hint="set backends.bad.api_key")
            yield  # pragma: no cover

        def close(self):
            pass

    spare = MockBackend(["spare"])
    chain = ChainBackend([Candidate("bad", "m", None, backend=Misconfigured()),
                          Candidate("spare", "s", None, backend=spare)])
    with pytest.raises(BackendError) as info:
        collect(chain.chat(ChatRequest([ChatMessage("user", "x")])))
    assert info.value.kind == "config" and spare.requests == []


def test_unknown_names_are_config_errors(no_ollama):
    with pytest.raises(BackendError) as info:
        resolve("navi", config=load_config([]))
    assert info.value.kind == "config" and "din" in info.value.hint
    with pytest.raises(BackendError) as info:
        resolve("din", backend="carrier-pigeon", config=load_config([]))
    assert info.value.kind == "config" and "ollama" in info.value.hint
    by_intent = resolve("optimization", backend="toolkit", config=load_config([]))
    assert by_intent.expert.name == "din"


def test_request_carries_prompt_model_adapter(no_ollama):
    resolved = resolve("nayru", backend="openai", config=load_config([]))
    request = resolved.request([ChatMessage("user", "write a DMA routine")], max_tokens=64)
    assert request.messages[0].role == "system" and "Nayru" in request.messages[0].content
    assert (request.model, request.adapter, request.max_tokens) == (
        "Qwen/Qwen2.5-Coder-7B-Instruct", "nayru", 64)
    assert request.options["expert"] == "nayru"


def test_probe_expires_so_a_later_ollama_is_noticed(monkeypatch):
    with FakeOllama({"qwen2.5-coder:7b": 1}) as fake:
        monkeypatch.setenv("OLLAMA_HOST", fake.url)
        resolver = Resolver(load_config([]), probe_ttl=0.0)
        resolver.resolve("din")
        resolver.resolve("din")
        assert [p for m, p, _ in fake.requests] == ["/api/tags", "/api/tags"]
        resolver.close()
