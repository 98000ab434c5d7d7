"""Experts as data: built-in defaults, config overrides, diagnostics for bad config."""

from __future__ import annotations

from pathlib import Path

from triforce.config import load_config
from triforce.experts import TIER_NAMES, load_experts, load_registry

NINE = {"din", "nayru", "farore", "veran", "ganon", "zelda", "link", "impa", "tingle"}


def _config(tmp_path: Path, text: str):
    path = tmp_path / "triforce.toml"
    path.write_text(text, encoding="utf-8")
    return load_config([path])


def test_nine_experts_and_fallback_with_design_intents(shared):
    experts = load_experts(load_config([]))
    assert set(experts) == NINE | {"fallback"}
    labels = (shared / "routing" / "LABELS.md").read_text()
    for expert in experts.values():
        # Each expert's intent is the routing label mapped to it in ../shared/routing/LABELS.md.
        assert f"| {expert.intent} | {expert.name} |" in labels
        assert set(expert.models) == set(TIER_NAMES)
        assert "asar" in expert.system_prompt and "rep #$20" in expert.system_prompt
    din = experts["din"]
    assert din.models == {"fast": "qwen2.5-coder:7b", "balanced": "qwen2.5-coder:14b",
                          "quality": "qwen2.5-coder:32b"}
    assert din.tiers["fast"].quantization == "Q4_K_M"
    assert din.adapter_for("ollama", "balanced") == "triforce-din:14b"
    assert din.adapter_for("openai", "fast") == "din"
    assert experts["fallback"].adapter_for("ollama", "fast") is None


def test_lora_specs_follow_the_proposal():
    experts = load_experts(load_config([]))
    veran = experts["veran"].lora
    assert (veran.r, veran.alpha, veran.base_tier) == (128, 256, "balanced")
    assert veran.target_modules == ("q_proj", "k_proj", "v_proj", "o_proj")
    assert (veran.learning_rate, veran.num_epochs, veran.batch_size) == (1e-4, 3, 4)
    assert (experts["din"].lora.r, experts["nayru"].lora.r) == (32, 64)
    assert experts["nayru"].lora.peft_kwargs()["lora_alpha"] == 128
    # Proposal table: Nayru r=64 on the 7B base has ~52M trainable params with all
    # projections; on q/k/v/o only it is r * sum(in + out) over 28 layers.
    fast = experts["nayru"].tiers["fast"]
    assert experts["nayru"].lora.param_count(fast) == 64 * (2 * 7168 + 2 * 4096) * 28
    assert not experts["fallback"].lora.enabled


def test_config_overrides_one_field_and_adds_an_expert(tmp_path):
    config = _config(tmp_path, """
[tiers.fast]
ollama = "qwen2.5-coder:7b-instruct-q8_0"

[defaults]
adapter_dir = "/srv/adapters"

[experts.din]
preferred_tier = "balanced"
backend = "openai"
fallback = ["ollama/fast", "toolkit"]
[experts.din.lora]
r = 16

[experts.navi]
intent = "hints"
specialty = "hey listen"
role = "You are Navi."
""")
    registry = load_registry(config)
    assert registry.diagnostics == []
    din = registry.experts["din"]
    assert din.models["fast"] == "qwen2.5-coder:7b-instruct-q8_0"
    assert din.preferred_tier == "balanced" and din.backend == "openai"
    assert din.fallback == ("ollama/fast", "toolkit")
    assert din.lora.r == 16 and din.lora.alpha == 64          # untouched keys keep defaults
    assert din.adapter_for("local", "fast") == "/srv/adapters/fast/din"
    navi = registry.experts["navi"]
    assert navi.intent == "hints" and navi.system_prompt.startswith("You are Navi.")


def test_project_config_overrides_user_config(tmp_path, monkeypatch, _private_home):
    user = _private_home / "config"
    user.mkdir(parents=True)
    (user / "triforce.toml").write_text('[experts.din]\ntier = "quality"\nspecialty = "user"\n')
    project = tmp_path / "proj"
    project.mkdir()
    (project / "triforce.toml").write_text('[experts.din]\nspecialty = "project"\n')
    monkeypatch.chdir(project)
    din = load_experts()["din"]
    assert din.specialty == "project" and din.tier == "quality"


def test_bad_config_values_become_diagnostics(tmp_path):
    config = _config(tmp_path, """
[tiers.huge]
ollama = "x"
[experts.din]
tier = "enormous"
fallback = "toolkit"
[experts.din.lora]
r = "sixty-four"
bogus = 1
[experts.nameless]
specialty = "no intent"
[experts.scalar_not_table]
""")
    config.data["experts"]["broken"] = 5
    registry = load_registry(config)
    codes = sorted(d.code for d in registry.diagnostics)
    assert codes == ["X001", "X001", "X002", "X002", "X003", "X003", "X004", "X004"]
    din = registry.experts["din"]
    assert din.tier is None and din.lora.r == 32 and din.fallback is None   # defaults kept
    assert "nameless" not in registry.experts
