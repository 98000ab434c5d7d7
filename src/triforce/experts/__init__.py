"""triforce.experts: the nine experts and the fallback as data, and who serves them.

``load_experts(config)`` gives the experts (packaged defaults overridden by
``triforce.toml``); ``resolve(expert, ...)`` picks the backend, model and
adapter for one (``Resolver`` does the same with per-object caches).
"""

from triforce.experts.registry import (
    TIER_NAMES,
    Expert,
    ExpertRegistry,
    LoraSpec,
    Tier,
    load_experts,
    load_registry,
)
from triforce.experts.resolve import Resolved, Resolver, resolve

__all__ = [
    "TIER_NAMES", "Expert", "ExpertRegistry", "LoraSpec", "Tier", "load_experts",
    "load_registry", "Resolved", "Resolver", "resolve",
]
