"""Which backend, model and adapter answer for an expert — and what to try next.

Precedence (first that says something wins):
  backend: ``backend=`` argument (``--backend``) > ``[experts.NAME] backend`` >
           ``[backends] default`` > automatic
  tier:    ``tier=`` > ``[experts.NAME] tier`` > ``[defaults] tier`` > ``fast``
  model:   ``model=`` > ``[backends.NAME] model`` > the expert's model for the tier
  fallbacks: ``[experts.NAME] fallback`` > ``[defaults] fallback`` >
           ``[backends] fallback`` > ``["toolkit"]``; entries are ``"BACKEND"``,
           ``"BACKEND/TIER"`` or a bare tier (same backend, other tier).

Automatic (nothing configured): a local Ollama on its default address when it
has the expert's model (its ``triforce-NAME`` build, else the tier's base
model), otherwise the toolkit; ``Resolved.reason`` says why. The Ollama probe
uses a short connect timeout and its answer is cached on the
:class:`Resolver` object (never at module level) for ``probe_ttl`` seconds,
so a Resolver kept by a long-running caller resolves all experts with one
probe yet notices an Ollama started later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

from triforce.backends.base import Backend, BackendError, ChatMessage, ChatRequest
from triforce.backends.chain import Candidate, ChainBackend
from triforce.config import Config, load_config
from triforce.diagnostics import Diagnostic, warning
from triforce.experts.registry import TIER_NAMES, Expert, ExpertRegistry, load_registry

AUTO = "auto"
TOOLKIT = "toolkit"
PROBE_CONNECT_TIMEOUT = 0.25
PROBE_TOTAL_TIMEOUT = 1.0
# Keys of [backends.NAME] that steer resolution rather than the backend's constructor.
_RESOLVER_KEYS = {"model", "default", "fallback"}


@dataclass
class Resolved:
    backend: Backend
    backend_name: str
    model: str
    adapter: str | None
    fallbacks: list[Candidate]
    expert: Expert
    tier: str
    reason: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def describe(self) -> str:
        adapter = f" + adapter {self.adapter}" if self.adapter else ""
        return f"{self.backend_name} ({self.model or '-'}{adapter})"

    def candidates(self) -> list[Candidate]:
        first = Candidate(self.backend_name, self.model, self.adapter, self.tier,
                          backend=self.backend, owned=False)
        return [first] + list(self.fallbacks)

    def chain(self) -> ChainBackend:
        """A Backend that tries this choice, then each fallback, before any text streams."""
        return ChainBackend(self.candidates(), expert=self.expert.name)

    def request(self, messages: list[ChatMessage], **overrides) -> ChatRequest:
        """A ChatRequest with the expert's system prompt, model, adapter and parameters."""
        if not messages or messages[0].role != "system":
            messages = [ChatMessage("system", self.expert.system_prompt)] + list(messages)
        params = {"temperature": self.expert.parameters.get("temperature", 0.2)}
        params.update(overrides)
        options = dict(params.pop("options", {}) or {})
        options.setdefault("expert", self.expert.name)
        return ChatRequest(messages=list(messages), model=self.model, adapter=self.adapter,
                           options=options, **params)


@dataclass
class _Probe:
    reachable: bool
    models: set[str]
    detail: str


class Resolver:
    """Resolves experts to backends; caches backends and server probes per object."""

    def __init__(self, config: Config | None = None, *, registry: ExpertRegistry | None = None,
                 extra_factories: Mapping[str, Callable[..., Backend]] | None = None,
                 probe_timeout: float = PROBE_CONNECT_TIMEOUT, probe_ttl: float = 30.0,
                 shared: bool = True):
        self.config = config if config is not None else load_config()
        self.registry = registry or load_registry(self.config)
        self.extra_factories = dict(extra_factories or {})
        self.probe_timeout = probe_timeout
        self.probe_ttl = probe_ttl    # a long-running server notices an Ollama started later
        self.shared = shared          # False: each Resolved owns (and closes) its backends
        self._backends: dict[tuple, Backend] = {}
        self._probes: dict[str, tuple[float, _Probe]] = {}

    # -- backends ----------------------------------------------------------------
    def backend_options(self, name: str, base_url: str | None = None) -> dict:
        section = self.config.section("backends", name)
        options = {k: v for k, v in section.items() if k not in _RESOLVER_KEYS and not isinstance(v, dict)}
        if base_url:
            options["base_url"] = base_url
        return options

    def backend(self, name: str, *, base_url: str | None = None, tier: str = "fast",
                model: str | None = None) -> Backend:
        """A backend instance (cached per name/base_url/model when ``shared``)."""
        from triforce.backends.registry import create

        options = self.backend_options(name, base_url)
        if name == "local":
            options.setdefault("model", model or self._configured_model("local") or
                               self.registry.tiers[tier].hf)
            options.setdefault("adapters", self.local_adapters(tier))
        key = (name, options.get("base_url"), options.get("model"))
        if self.shared and key in self._backends:
            return self._backends[key]
        try:
            backend = create(name, self.extra_factories or None, **options)
        except ImportError as exc:
            raise BackendError("config", f"backend {name!r} is not available: {exc}",
                               hint="install the missing extra (e.g. `pip install triforce[local]`)",
                               backend=name) from None
        except TypeError as exc:
            raise BackendError("config", f"bad options for backend {name!r}: {exc}",
                               hint=f"check [backends.{name}] in triforce.toml", backend=name) from None
        if self.shared:
            self._backends[key] = backend
        return backend

    def local_adapters(self, tier: str) -> dict[str, str]:
        """Expert name -> PEFT adapter directory for the local backend on ``tier``."""
        return {e.name: path for e in self.registry.experts.values()
                if (path := e.adapter_for("local", tier))}

    def _configured_model(self, backend_name: str) -> str | None:
        value = self.config.get("backends", backend_name, "model")
        return value if isinstance(value, str) and value else None

    # -- Ollama probe --------------------------------------------------------------
    def probe_ollama(self, base_url: str | None = None) -> _Probe:
        from triforce.backends.ollama_probe import ProbeError, default_ollama_url, normalize_model, probe_tags

        url = (base_url or self.config.get("backends", "ollama", "base_url") or default_ollama_url())
        url = str(url).rstrip("/")
        cached = self._probes.get(url)
        if cached is not None and time.monotonic() - cached[0] < self.probe_ttl:
            return cached[1]
        try:
            models = {normalize_model(m) for m in probe_tags(url, connect_timeout=self.probe_timeout,
                                                             timeout=PROBE_TOTAL_TIMEOUT)}
            probe = _Probe(True, models, f"Ollama at {url}")
        except ProbeError as exc:
            probe = _Probe(False, set(), f"no Ollama at {url} ({exc.kind})")
        self._probes[url] = (time.monotonic(), probe)
        return probe

    # -- resolution --------------------------------------------------------------
    def expert(self, expert: Expert | str) -> Expert:
        if isinstance(expert, Expert):
            return expert
        found = self.registry.get(expert) or self.registry.by_intent(expert)
        if found is None:
            raise BackendError("config", f"unknown expert {expert!r}",
                               hint=f"choose one of: {', '.join(sorted(self.registry.experts))}")
        return found

    def tier_for(self, expert: Expert, tier: str | None) -> str:
        for choice in (tier, expert.tier, self.registry.defaults.get("tier")):
            if choice in TIER_NAMES:
                return choice
        if tier is not None:
            raise BackendError("config", f"unknown tier {tier!r}", hint=f"choose {', '.join(TIER_NAMES)}")
        return "fast"

    def resolve(self, expert: Expert | str, *, tier: str | None = None, backend: str | None = None,
                base_url: str | None = None, model: str | None = None) -> Resolved:
        exp = self.expert(expert)
        tier = self.tier_for(exp, tier)
        diags: list[Diagnostic] = []
        name = backend or exp.backend or self.config.get("backends", "default") or AUTO
        if not isinstance(name, str):
            name = AUTO
        if name == AUTO:
            name, model, reason = self._automatic(exp, tier, base_url, model)
        else:
            reason = ("--backend" if backend else
                      f"experts.{exp.name}.backend" if exp.backend else "backends.default")
            model = self._model_for(name, exp, tier, model, base_url)
        primary = self.backend(name, base_url=base_url, tier=tier, model=model)
        adapter = self._adapter_for(name, exp, tier, model)
        fallbacks = self._fallbacks(exp, name, tier, diags)
        return Resolved(backend=primary, backend_name=name, model=model, adapter=adapter,
                        fallbacks=fallbacks, expert=exp, tier=tier, reason=reason, diagnostics=diags)

    def _automatic(self, exp: Expert, tier: str, base_url: str | None,
                   model: str | None) -> tuple[str, str, str]:
        probe = self.probe_ollama(base_url)
        if probe.reachable:
            from triforce.backends.ollama_probe import normalize_model

            wanted = [model] if model else [m for m in (exp.adapter_for("ollama", tier),
                                                        exp.base_model(tier)) if m]
            for candidate in wanted:
                if normalize_model(candidate) in probe.models:
                    return "ollama", candidate, f"auto: {probe.detail} has {candidate}"
            missing = " or ".join(wanted)
            return TOOLKIT, TOOLKIT, (f"auto: {probe.detail} has no {missing} "
                                      f"(`ollama pull {wanted[-1]}` to use it)")
        if base_url:
            # A URL that is not Ollama: take it as an OpenAI-compatible server.
            return ("openai", self._model_for("openai", exp, tier, model, base_url),
                    f"auto: {base_url} is not Ollama; using its OpenAI-compatible API")
        return TOOLKIT, TOOLKIT, f"auto: {probe.detail}; the toolkit answers without a model"

    def _model_for(self, name: str, exp: Expert, tier: str, model: str | None,
                   base_url: str | None) -> str:
        if model:
            return model
        if name == TOOLKIT:
            return TOOLKIT
        configured = self._configured_model(name)
        if configured:
            return configured
        if name == "ollama":
            own = exp.adapter_for("ollama", tier)
            probe = self.probe_ollama(base_url)
            from triforce.backends.ollama_probe import normalize_model

            if own and (normalize_model(own) in probe.models or not probe.reachable):
                return own
            return exp.base_model(tier)
        if name in ("openai", "local"):
            return exp.base_model(tier, "hf")
        return exp.base_model(tier)

    def _adapter_for(self, name: str, exp: Expert, tier: str, model: str) -> str | None:
        if name in (TOOLKIT, "ollama"):
            return None        # Ollama: the adapter is baked into the expert's model
        if name == "local":
            return exp.name if exp.adapter_for("local", tier) else None
        return exp.adapter_for(name, tier)

    def _fallbacks(self, exp: Expert, primary: str, tier: str, diags: list[Diagnostic]) -> list[Candidate]:
        specs = exp.fallback
        if specs is None:
            configured = self.config.get("backends", "fallback")
            specs = tuple(configured) if isinstance(configured, list) else (TOOLKIT,)
        out: list[Candidate] = []
        seen = {(primary, tier)}
        for spec in specs:
            name, _, spec_tier = spec.partition("/")
            if name in TIER_NAMES and not spec_tier:
                name, spec_tier = primary, name
            spec_tier = spec_tier or tier
            if spec_tier not in TIER_NAMES:
                diags.append(warning("X006", f"fallback {spec!r}: unknown tier"))
                continue
            if (name, spec_tier) in seen or (name == TOOLKIT and (TOOLKIT, tier) in seen):
                continue
            seen.add((name, spec_tier))
            try:
                model = self._model_for(name, exp, spec_tier, None, None)
                backend = self.backend(name, tier=spec_tier, model=model)
            except BackendError as exc:
                diags.append(warning("X006", f"fallback {spec!r} skipped: {exc}"))
                continue
            out.append(Candidate(name, model, self._adapter_for(name, exp, spec_tier, model), spec_tier,
                                 backend=backend, owned=not self.shared))
        return out

    def close(self) -> None:
        for backend in self._backends.values():
            backend.close()
        self._backends.clear()


def resolve(expert: Expert | str, *, tier: str | None = None, backend: str | None = None,
            base_url: str | None = None, model: str | None = None,
            config: Config | None = None) -> Resolved:
    """One-shot resolution; the caller owns (and closes) the backends it gets."""
    resolver = Resolver(config, shared=False)
    return resolver.resolve(expert, tier=tier, backend=backend, base_url=base_url, model=model)
