"""The local backend (transformers + PEFT) on the tiny Qwen2 model and its two adapters."""

from __future__ import annotations

import pytest

from triforce.backends.base import BackendError, ChatMessage, ChatRequest, collect

PROMPT = [ChatMessage("system", "you are an expert"), ChatMessage("user", "optimize this loop")]


def _ask(backend, adapter, max_tokens=10):
    text, final = collect(backend.chat(ChatRequest(PROMPT, adapter=adapter, temperature=0.0,
                                                   max_tokens=max_tokens)))
    return text


@pytest.fixture(scope="module")
def local(tiny_models):
    from triforce.backends.local import LocalBackend

    backend = LocalBackend(str(tiny_models.base), {n: str(tiny_models.adapter(n)) for n in ("din", "nayru")},
                           max_adapters=2, threads=1)
    yield backend
    backend.close()


def test_each_adapter_gives_its_own_output_repeatably(local):
    outputs = {name: _ask(local, name) for name in (None, "din", "nayru")}
    assert len(set(outputs.values())) == 3 and all(outputs.values())
    for name in ("nayru", None, "din", "din", None):
        assert _ask(local, name) == outputs[name]
    stats = local.stats()
    assert stats["base_loads"] == 1 and stats["adapter_loads"] == 2 and stats["evictions"] == 0
    assert stats["switches"] >= 5 and stats["switch_ms_median"] is not None


def test_streams_token_by_token_and_reports_counts(local):
    chunks = list(local.chat(ChatRequest(PROMPT, adapter="din", temperature=0.0, max_tokens=6)))
    assert len([c for c in chunks if c.text]) >= 2
    final = chunks[-1]
    assert final.done and final.completion_tokens <= 6 and final.prompt_tokens > 5
    assert all(c.backend == "local" and c.adapter == "din" for c in chunks)


def test_sampling_is_seeded(local):
    def sample(seed):
        return collect(local.chat(ChatRequest(PROMPT, adapter="nayru", temperature=1.0, seed=seed,
                                              max_tokens=8)))[0]
    assert sample(7) == sample(7)


def test_lru_limit_evicts_and_reloads_correctly(tiny_models, local):
    from triforce.backends.local import LocalBackend

    expected = {name: _ask(local, name) for name in ("din", "nayru")}
    small = LocalBackend(str(tiny_models.base), {n: str(tiny_models.adapter(n)) for n in ("din", "nayru")},
                         max_adapters=1, threads=1)
    try:
        assert _ask(small, "din") == expected["din"]
        assert _ask(small, "nayru") == expected["nayru"]
        assert small.resident_adapters() == ["nayru"] and small.evictions == 1
        assert _ask(small, "din") == expected["din"]          # reloaded after eviction, same output
        assert small.stats()["base_loads"] == 1 and small.adapter_loads == 3
    finally:
        small.close()


def test_missing_adapter_and_missing_base(tiny_models, tmp_path, local):
    with pytest.raises(BackendError) as info:
        _ask(local, "veran")
    assert info.value.kind == "missing_adapter" and "adapters.local" in info.value.hint
    from triforce.backends.local import LocalBackend

    broken = LocalBackend(str(tmp_path / "no-such-model"))
    with pytest.raises(BackendError) as info:
        _ask(broken, None)
    assert info.value.kind == "missing_model" and "backends.local.model" in info.value.hint
    assert not broken.health().ok


def test_preload_loads_base_and_adapter(tiny_models):
    from triforce.backends.local import LocalBackend

    backend = LocalBackend(str(tiny_models.base), {"din": str(tiny_models.adapter("din"))})
    backend.preload("din")
    assert backend.base_loads == 1 and backend.resident_adapters() == ["din"]
    assert backend.health().ok
    backend.close()


def test_resolver_wires_the_local_backend(tiny_models, tmp_path, local):
    from triforce.config import load_config
    from triforce.experts import Resolver

    config_file = tmp_path / "triforce.toml"
    config_file.write_text(f"""
[backends.local]
model = "{tiny_models.base}"
threads = 1
[experts.din.adapters]
local = "{tiny_models.adapter('din')}"
[experts.nayru.adapters]
local = "{tiny_models.adapter('nayru')}"
""")
    resolver = Resolver(load_config([config_file]))
    din = resolver.resolve("din", backend="local")
    nayru = resolver.resolve("nayru", backend="local")
    assert din.backend is nayru.backend                 # one base for every expert
    assert (din.model, din.adapter, nayru.adapter) == (str(tiny_models.base), "din", "nayru")
    request = din.request(PROMPT[1:], temperature=0.0, max_tokens=10)
    text, final = collect(din.chain().chat(request))
    assert final.backend == "local" and final.adapter == "din"
    assert text == collect(local.chat(request))[0]      # same weights, same prompt: same answer
    assert din.backend.stats()["base_loads"] == 1
    resolver.close()
