"""Experts as data: the packaged ``defaults.toml`` overridden by ``triforce.toml``.

Layers, later wins: built-in defaults, then the merged config files
(``triforce.config.load_config``: user config dir, then the project's
``triforce.toml``). Tables ``[tiers.NAME]``, ``[defaults]`` and
``[experts.NAME]`` merge key by key, so a config can change one field of one
expert (``[experts.din] preferred_tier = "balanced"``) or add a new expert
(which must then name its ``intent``). Bad values never raise: they become
``X`` diagnostics and the built-in value stays.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from triforce.config import Config, load_config, merge, user_data_dir
from triforce.diagnostics import Diagnostic, SourceSpan, error, warning

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TIER_NAMES = ("fast", "balanced", "quality")
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclass(frozen=True)
class Tier:
    """One base-model size: names per serving stack plus the proposal's figures."""

    name: str
    ollama: str
    hf: str
    gguf: str
    size: str
    quantization: str = "Q4_K_M"
    params_b: float = 0.0
    vram_q4_gb: tuple[float, float] = (0.0, 0.0)
    vram_fp16_gb: tuple[float, float] = (0.0, 0.0)
    tokens_per_s: tuple[float, float] = (0.0, 0.0)
    hidden: int = 0
    layers: int = 0
    kv_dim: int = 0


@dataclass(frozen=True)
class LoraSpec:
    """LoRA training config (proposal section 5): rank, alpha, targets, schedule."""

    r: int = 64
    alpha: int = 128
    target_modules: tuple[str, ...] = DEFAULT_TARGETS
    learning_rate: float = 1e-4
    num_epochs: int = 3
    batch_size: int = 4
    dropout: float = 0.05
    samples: int | None = None
    base_tier: str = "fast"
    enabled: bool = True

    def peft_kwargs(self) -> dict:
        """Arguments for ``peft.LoraConfig``."""
        return {"r": self.r, "lora_alpha": self.alpha, "target_modules": list(self.target_modules),
                "lora_dropout": self.dropout, "task_type": "CAUSAL_LM"}

    def param_count(self, tier: Tier) -> int:
        """Trainable parameters on ``tier``'s shape: r * (in + out) per target matrix."""
        shapes = {"q_proj": (tier.hidden, tier.hidden), "o_proj": (tier.hidden, tier.hidden),
                  "k_proj": (tier.hidden, tier.kv_dim), "v_proj": (tier.hidden, tier.kv_dim)}
        per_layer = sum(self.r * sum(shapes.get(t, (tier.hidden, tier.hidden)))
                        for t in self.target_modules)
        return per_layer * tier.layers if self.enabled else 0


@dataclass(frozen=True)
class Expert:
    name: str
    intent: str
    specialty: str
    system_prompt: str
    models: dict[str, str]            # tier -> Ollama-style base model tag
    adapters: dict[str, str]          # backend -> adapter (templates expanded)
    lora: LoraSpec
    toolkit: str
    preferred_tier: str = "fast"
    backend: str | None = None        # [experts.NAME] backend = "openai"
    tier: str | None = None           # [experts.NAME] tier = "balanced"
    fallback: tuple[str, ...] | None = None
    parameters: dict = field(default_factory=dict)   # temperature, num_ctx, ...
    tiers: dict[str, Tier] = field(default_factory=dict, repr=False, compare=False)
    adapter_dir: str = ""

    def base_model(self, tier: str, stack: str = "ollama") -> str:
        """The tier's base model named for ``stack`` (``ollama``, ``hf`` or ``gguf``)."""
        info = self.tiers.get(tier)
        if stack == "ollama" or info is None:
            return self.models.get(tier, "")
        return getattr(info, stack, "") or self.models.get(tier, "")

    def adapter_for(self, backend: str, tier: str) -> str | None:
        """This expert's adapter for ``backend`` on ``tier``; None when it has none."""
        template = self.adapters.get(backend)
        if not template:
            return None
        info = self.tiers.get(tier)
        values = {"name": self.name, "tier": tier, "size": info.size if info else tier,
                  "adapter_dir": self.adapter_dir}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template


@dataclass
class ExpertRegistry:
    experts: dict[str, Expert]
    tiers: dict[str, Tier]
    defaults: dict
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)

    def get(self, name: str) -> Expert | None:
        return self.experts.get(name)

    def by_intent(self, intent: str) -> Expert | None:
        return next((e for e in self.experts.values() if e.intent == intent), None)


def builtin_data() -> dict:
    text = resources.files("triforce.experts").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _span(sources: list[Path], *keys: str) -> SourceSpan:
    where = str(sources[-1]) if sources else "<config>"
    return SourceSpan(f"{where}#{'.'.join(keys)}")


def _pair(value, default: tuple[float, float]) -> tuple[float, float]:
    if isinstance(value, (int, float)):
        return (float(value), float(value))
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return (float(value[0]), float(value[1]))
    return default


def _build_tier(name: str, raw: dict) -> Tier:
    return Tier(
        name=name, ollama=str(raw.get("ollama", "")), hf=str(raw.get("hf", "")),
        gguf=str(raw.get("gguf", "")), size=str(raw.get("size", name)),
        quantization=str(raw.get("quantization", "Q4_K_M")),
        params_b=float(raw.get("params_b", 0.0) or 0.0),
        vram_q4_gb=_pair(raw.get("vram_q4_gb"), (0.0, 0.0)),
        vram_fp16_gb=_pair(raw.get("vram_fp16_gb"), (0.0, 0.0)),
        tokens_per_s=_pair(raw.get("tokens_per_s"), (0.0, 0.0)),
        hidden=int(raw.get("hidden", 0) or 0), layers=int(raw.get("layers", 0) or 0),
        kv_dim=int(raw.get("kv_dim", 0) or 0),
    )


_LORA_TYPES = {"r": int, "alpha": int, "learning_rate": (int, float), "num_epochs": int,
               "batch_size": int, "dropout": (int, float), "samples": int, "base_tier": str,
               "enabled": bool, "target_modules": list}


def _build_lora(raw: dict, diags: list[Diagnostic], sources: list[Path], name: str,
                builtin: dict | None = None) -> LoraSpec:
    # Start from the built-in values, so a rejected override keeps the default.
    values = dict(_build_lora(builtin, [], [], name).__dict__) if builtin else {}
    for key, value in raw.items():
        if builtin is not None and builtin.get(key) == value:
            continue
        expected = _LORA_TYPES.get(key)
        if expected is None:
            diags.append(warning("X004", f"unknown LoRA key {key!r} for expert {name!r}",
                                 _span(sources, "experts", name, "lora", key)))
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            diags.append(error("X004", f"LoRA key {key!r} of expert {name!r} has the wrong type",
                               _span(sources, "experts", name, "lora", key)))
            continue
        values[key] = tuple(value) if key == "target_modules" else value
    if values.get("base_tier", "fast") not in TIER_NAMES:
        diags.append(error("X002", f"unknown tier {values['base_tier']!r}",
                           _span(sources, "experts", name, "lora", "base_tier")))
        values["base_tier"] = (builtin or {}).get("base_tier", "fast")
    return LoraSpec(**values)


def _tier_choice(raw: dict, key: str, diags, sources, name, builtin: dict) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if value not in TIER_NAMES:
        diags.append(error("X002", f"expert {name!r}: unknown tier {value!r} "
                                   f"(choose {', '.join(TIER_NAMES)})",
                           _span(sources, "experts", name, key)))
        return builtin.get(key)
    return value


def _build_expert(name: str, raw: dict, defaults: dict, tiers: dict[str, Tier],
                  diags: list[Diagnostic], sources: list[Path], adapter_dir: str,
                  builtin: dict) -> Expert | None:
    intent = raw.get("intent")
    if not isinstance(intent, str) or not intent:
        diags.append(error("X003", f"expert {name!r} has no intent",
                           _span(sources, "experts", name, "intent")))
        return None
    conventions = str(defaults.get("prompt", {}).get("asar_conventions", "")).strip()
    role = str(raw.get("role", "")).strip()
    prompt = raw.get("system_prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        prompt = f"{role}\n\n{conventions}".strip()
    models = {t: info.ollama for t, info in tiers.items()}
    overrides = raw.get("models", {})
    if isinstance(overrides, dict):
        for tier, model in overrides.items():
            if tier in tiers and isinstance(model, str):
                models[tier] = model
            else:
                diags.append(error("X002", f"expert {name!r}: bad model override {tier!r}",
                                   _span(sources, "experts", name, "models", str(tier))))
    adapters = {k: str(v) for k, v in (raw.get("adapters") or {}).items() if isinstance(v, str)}
    lora_raw = raw.get("lora") if isinstance(raw.get("lora"), dict) else {}
    fallback = raw.get("fallback", defaults.get("fallback"))
    if fallback is not None and not (isinstance(fallback, list) and all(isinstance(f, str) for f in fallback)):
        diags.append(error("X001", f"expert {name!r}: fallback must be a list of strings",
                           _span(sources, "experts", name, "fallback")))
        fallback = builtin.get("fallback")
    parameters = {k: defaults[k] for k in ("temperature", "num_ctx", "top_p") if k in defaults}
    if isinstance(raw.get("parameters"), dict):
        parameters.update(raw["parameters"])
    backend = raw.get("backend")
    return Expert(
        name=name, intent=intent, specialty=str(raw.get("specialty", "")),
        system_prompt=prompt, models=models, adapters=adapters,
        lora=_build_lora(lora_raw, diags, sources, name,
                         builtin.get("lora") if isinstance(builtin.get("lora"), dict) else {}),
        toolkit=str(raw.get("toolkit", "general")),
        preferred_tier=_tier_choice(raw, "preferred_tier", diags, sources, name, builtin) or "fast",
        backend=backend if isinstance(backend, str) and backend else None,
        tier=_tier_choice(raw, "tier", diags, sources, name, builtin),
        fallback=tuple(fallback) if fallback is not None else None,
        parameters=parameters, tiers=tiers, adapter_dir=adapter_dir,
    )


def load_registry(config: Config | None = None) -> ExpertRegistry:
    """Experts, tiers and defaults with every config layer applied."""
    config = config if config is not None else load_config()
    builtin = builtin_data()
    data = merge(builtin, {k: v for k, v in config.data.items()
                           if k in ("tiers", "defaults", "experts")})
    diags: list[Diagnostic] = []
    sources = list(config.sources)
    tiers: dict[str, Tier] = {}
    for name in TIER_NAMES:
        raw = data.get("tiers", {}).get(name, {})
        tiers[name] = _build_tier(name, raw if isinstance(raw, dict) else {})
    for name in data.get("tiers", {}):
        if name not in TIER_NAMES:
            diags.append(error("X002", f"unknown tier {name!r} (tiers are {', '.join(TIER_NAMES)})",
                               _span(sources, "tiers", name)))
    defaults = data.get("defaults", {}) if isinstance(data.get("defaults"), dict) else {}
    adapter_dir = str(defaults.get("adapter_dir") or (user_data_dir() / "adapters"))
    experts: dict[str, Expert] = {}
    for name, raw in data.get("experts", {}).items():
        if not isinstance(raw, dict):
            diags.append(error("X001", f"[experts.{name}] must be a table", _span(sources, "experts", name)))
            continue
        own = builtin.get("experts", {}).get(name, {})
        expert = _build_expert(name, raw, defaults, tiers, diags, sources, adapter_dir, own)
        if expert is not None:
            experts[name] = expert
    return ExpertRegistry(experts=experts, tiers=tiers, defaults=defaults,
                          diagnostics=diags, sources=sources)


def load_experts(config: Config | None = None) -> dict[str, Expert]:
    """The nine experts and ``fallback`` (plus any the config adds), by name."""
    return load_registry(config).experts
