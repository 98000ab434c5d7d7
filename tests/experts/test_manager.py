"""Model management against the Ollama API fake and the real statistics store."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from fake_ollama import FakeOllama

from triforce.backends.ollama import OllamaBackend
from triforce.config import load_config
from triforce.experts import load_registry
from triforce.experts.manager import ModelManager

GB = 1024 ** 3


@dataclass
class Decision:
    query: str
    intents: list[str]
    experts: list[str]
    confidence: float = 0.9
    scores: dict = field(default_factory=dict)


@pytest.fixture()
def store():
    store_mod = pytest.importorskip("triforce.store")
    store = store_mod.Store()
    # din is followed by veran twice and by nayru once: veran is predicted after din.
    for experts in (["din", "veran"], ["din", "veran"], ["din", "nayru"], ["veran", "tingle"]):
        store.record_route(Decision("q", ["x"] * len(experts), experts))
    yield store
    close = getattr(store, "close", None)
    if close:
        close()


@pytest.fixture()
def ollama():
    models = {f"triforce-{n}:7b": 5 * GB for n in ("din", "nayru", "veran", "tingle", "farore")}
    with FakeOllama(models) as fake:
        yield fake


def _manager(fake, store, **kw) -> tuple[ModelManager, OllamaBackend]:
    backend = OllamaBackend(fake.url)
    registry = load_registry(load_config([]))
    manager = ModelManager(backend, registry, model_for=lambda e: f"triforce-{e}:7b", store=store, **kw)
    return manager, backend


def test_predicted_next_expert_is_preloaded(ollama, store):
    assert store.most_likely_next("din") == "veran"
    manager, backend = _manager(ollama, store, keep_warm=3)
    assert manager.on_use("din") == "veran"
    manager.wait()
    assert "triforce-veran:7b" in ollama.running()
    assert [e.kind for e in manager.events] == ["use", "preload"]
    assert manager.warm_models() == ["triforce-veran:7b", "triforce-din:7b"]
    backend.close()


def test_lru_eviction_under_count_and_memory_budget(ollama, store):
    manager, backend = _manager(ollama, store, keep_warm=5, budget_gb=11, background=False)
    for expert in ("farore", "nayru"):
        ollama._touch(f"triforce-{expert}:7b", "1h")      # resident, as after earlier requests
        manager.on_use(expert)
    # Using din preloads veran; 4 x 5 GB > 11 GB, so the two least recent go.
    ollama._touch("triforce-din:7b", "1h")                  # the request for din loaded it
    manager.on_use("din")
    assert manager.warm_models() == ["triforce-veran:7b", "triforce-din:7b"]
    assert [e.model for e in manager.events if e.kind == "evict"] == ["triforce-farore:7b", "triforce-nayru:7b"]
    assert set(ollama.running()) == {"triforce-veran:7b", "triforce-din:7b"}
    backend.close()


def test_sizes_come_from_api_ps(ollama, store):
    manager, backend = _manager(ollama, store, keep_warm=1, background=False)
    ollama._touch("triforce-tingle:7b", "1h")
    assert manager._size_gb("triforce-tingle:7b") == pytest.approx(5.0)
    assert manager._size_gb("qwen2.5-coder:14b") == pytest.approx(12.0)    # table fallback
    backend.close()


def test_no_statistics_no_preload(ollama):
    manager, backend = _manager(ollama, None, background=False)
    assert manager.on_use("din") is None
    assert ollama.running() == []
    backend.close()


def test_failed_preload_is_recorded_not_raised(store):
    with FakeOllama({"triforce-din:7b": GB}) as fake:      # no veran model there
        manager, backend = _manager(fake, store, background=False)
        assert manager.on_use("din") == "veran"
        assert manager.events[-1].kind == "error" and "ollama" in manager.events[-1].detail
        backend.close()


def test_manager_for_a_shared_resolver(monkeypatch, store):
    from triforce.experts import Resolver

    models = {"triforce-din:7b": GB, "triforce-veran:7b": GB}
    with FakeOllama(models) as fake:
        monkeypatch.setenv("OLLAMA_HOST", fake.url)
        resolver = Resolver(load_config([]))
        manager = ModelManager.for_resolver(resolver, backend="ollama", store=store, background=False)
        assert manager.on_use("din") == "veran"
        assert fake.running() == ["triforce-veran:7b"]
        resolver.close()
