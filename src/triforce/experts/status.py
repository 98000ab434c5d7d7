"""``triforce experts``: every expert, its model per tier, its adapter, and whether it answers now.

Reachability is checked the cheap way, once per server: the Ollama probe is
shared through the :class:`Resolver`, other backends' ``health()`` is asked
once per backend object.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from triforce.backends.base import BackendError
from triforce.experts.registry import TIER_NAMES
from triforce.experts.resolve import TOOLKIT, Resolved, Resolver


@dataclass
class ExpertStatus:
    name: str
    intent: str
    specialty: str
    models: dict[str, str]
    backend: str
    model: str
    adapter: str | None
    reachable: bool
    detail: str

    def to_dict(self) -> dict:
        return dict(vars(self))


def _check(resolved: Resolved, resolver: Resolver, health_cache: dict) -> tuple[bool, str]:
    name = resolved.backend_name
    if name == TOOLKIT:
        return True, resolved.reason or "no model: the deterministic toolkit answers"
    if name == "ollama":
        from triforce.backends.ollama_probe import normalize_model

        probe = resolver.probe_ollama(getattr(resolved.backend, "base_url", None))
        if not probe.reachable:
            return False, probe.detail
        if normalize_model(resolved.model) in probe.models:
            return True, f"{probe.detail} has {resolved.model}"
        return False, f"{probe.detail} lacks {resolved.model} (`ollama pull {resolved.model}`)"
    key = id(resolved.backend)
    if key not in health_cache:
        health = getattr(resolved.backend, "health", None)
        try:
            health_cache[key] = health() if health else None
        except BackendError as exc:
            health_cache[key] = exc
    health = health_cache[key]
    if isinstance(health, BackendError):
        return False, str(health)
    if health is not None and not health.ok:
        return False, health.detail
    if resolved.adapter is None:
        return True, health.detail if health else "no health check"
    if name == "local":
        path = getattr(resolved.backend, "adapter_paths", {}).get(resolved.adapter)
        if not path or not Path(path, "adapter_config.json").is_file():
            return False, f"adapter {resolved.adapter} not found at {path} (experts.{resolved.expert.name}.adapters.local)"
        return True, f"adapter at {path}"
    if name == "openai":
        try:
            loras = resolved.backend.lora_adapters()
        except BackendError as exc:
            return False, str(exc)
        from triforce.backends.openai_compat import adapter_stem

        served = set(loras) or set(getattr(health, "models", []) or [])
        if adapter_stem(resolved.adapter) in served or resolved.adapter in served:
            return True, f"serves adapter {resolved.adapter}"
        return False, f"does not serve adapter {resolved.adapter} (see `triforce deploy vllm`)"
    return True, health.detail if health else ""


def expert_statuses(resolver: Resolver, *, tier: str | None = None, backend: str | None = None,
                    base_url: str | None = None, check: bool = True) -> list[ExpertStatus]:
    out: list[ExpertStatus] = []
    health_cache: dict = {}
    for expert in resolver.registry.experts.values():
        try:
            resolved = resolver.resolve(expert, tier=tier, backend=backend, base_url=base_url)
        except BackendError as exc:
            out.append(ExpertStatus(expert.name, expert.intent, expert.specialty,
                                    {t: expert.base_model(t) for t in TIER_NAMES},
                                    backend or "?", "", None, False, str(exc)))
            continue
        reachable, detail = _check(resolved, resolver, health_cache) if check else (False, "not checked")
        out.append(ExpertStatus(expert.name, expert.intent, expert.specialty,
                                {t: expert.base_model(t) for t in TIER_NAMES},
                                resolved.backend_name, resolved.model, resolved.adapter,
                                reachable, detail))
    return out
