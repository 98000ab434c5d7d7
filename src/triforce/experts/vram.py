"""``plan-vram``: which tier each expert should run at for a given amount of GPU memory.

Figures come from the proposal's table (section 3: Q4_K_M VRAM per size) and
are replaced by measurements where there are some (a tier's model size as
Ollama's ``/api/ps`` reports it, or the GPU benchmark's JSON). A fraction of
the card (``headroom``, 20% by default: desktop, CUDA context, fragmentation)
is never planned for; with it the proposal's recommendations fall out:
16 GB -> 7B, 24 GB -> 14B (32B possible with reduced context), 48 GB -> 32B.

Two layouts are planned:
* shared base (llama-server, vLLM, local): one base in memory plus every
  adapter, so all experts share one tier — the largest that fits;
* separate models (Ollama: one model per expert): each expert gets its
  preferred tier from the data (the proposal keeps optimization and
  generation at 7B, moves analysis and architecture to 14B), capped by the
  largest single model that fits, and raised to the top tier for the
  reasoning-heavy experts when the card holds it; the plan says how many
  such models can stay warm at once.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from triforce.diagnostics import Diagnostic, error, note
from triforce.experts.registry import TIER_NAMES, ExpertRegistry

GB = 1024 ** 3
BYTES_PER_ADAPTER_PARAM = 2          # adapters are kept in fp16/bf16


@dataclass
class TierFit:
    tier: str
    base_gb: float
    adapters_gb: float
    total_gb: float
    fits: bool
    measured: bool = False


@dataclass
class ExpertPlan:
    expert: str
    tier: str | None
    model_gb: float
    reason: str


@dataclass
class VramPlan:
    vram_gb: float
    usable_gb: float
    shared_tier: str | None
    tiers: list[TierFit]
    experts: list[ExpertPlan]
    warm_models: int
    stretch: str | None = None
    source: str = "proposal table"
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "vram_gb": self.vram_gb, "usable_gb": round(self.usable_gb, 2),
            "shared_base": {"tier": self.shared_tier,
                            "tiers": [vars(t) | {"total_gb": round(t.total_gb, 2),
                                                 "adapters_gb": round(t.adapters_gb, 3)}
                                      for t in self.tiers]},
            "separate_models": {"experts": {p.expert: {"tier": p.tier, "model_gb": p.model_gb,
                                                       "reason": p.reason} for p in self.experts},
                                "warm_models": self.warm_models},
            "stretch": self.stretch, "source": self.source,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def adapter_gb(registry: ExpertRegistry, tier: str) -> float:
    info = registry.tiers[tier]
    params = sum(e.lora.param_count(info) for e in registry.experts.values() if e.adapters)
    return params * BYTES_PER_ADAPTER_PARAM / GB


def measure_gpu() -> float | None:
    """Total memory of the first GPU in GB, measured (torch if importable, else nvidia-smi)."""
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.mem_get_info()[1] / GB
    except ImportError:
        pass
    if shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                                 capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return None
        first = out.stdout.strip().splitlines()[:1]
        if out.returncode == 0 and first and first[0].strip().isdigit():
            return int(first[0].strip()) / 1024
    return None


def load_measurements(path: Path) -> dict[str, float]:
    """Tier -> GB from a JSON file (``{"tiers": {"fast": 4.7}}``, the GPU benchmark writes one)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    tiers = data.get("tiers", data) if isinstance(data, dict) else {}
    return {k: float(v) for k, v in tiers.items() if k in TIER_NAMES and isinstance(v, (int, float))}


def measurements_from_ollama(loaded: list[dict], registry: ExpertRegistry) -> dict[str, float]:
    """Tier sizes from Ollama's /api/ps (``size_vram`` of a resident model of that tier)."""
    from triforce.backends.ollama_probe import normalize_model

    names: dict[str, str] = {}
    for tier in TIER_NAMES:
        names[normalize_model(registry.tiers[tier].ollama)] = tier
        for expert in registry.experts.values():
            own = expert.adapter_for("ollama", tier)
            if own:
                names[normalize_model(own)] = tier
    out: dict[str, float] = {}
    for model in loaded:
        tier = names.get(normalize_model(str(model.get("name") or model.get("model", ""))))
        size = model.get("size_vram") or model.get("size")
        if tier and isinstance(size, (int, float)) and size > 0:
            out[tier] = max(out.get(tier, 0.0), size / GB)
    return out


def plan_vram(vram_gb: float, registry: ExpertRegistry, *, headroom: float = 0.2,
              measured: dict[str, float] | None = None) -> VramPlan:
    measured = measured or {}
    diags: list[Diagnostic] = []
    usable = max(0.0, vram_gb * (1.0 - headroom))
    fits: list[TierFit] = []
    for tier in TIER_NAMES:
        info = registry.tiers[tier]
        base = measured.get(tier, info.vram_q4_gb[1])
        extra = adapter_gb(registry, tier)
        total = base + extra
        fits.append(TierFit(tier, base, extra, total, total <= usable, tier in measured))
    fitting = [f.tier for f in fits if f.fits]
    shared = fitting[-1] if fitting else None
    stretch = None
    bigger = [f for f in fits if not f.fits and (shared is None or
                                                 TIER_NAMES.index(f.tier) > TIER_NAMES.index(shared))]
    if bigger:
        low = registry.tiers[bigger[0].tier].vram_q4_gb[0] + bigger[0].adapters_gb
        if low <= usable:
            stretch = (f"{bigger[0].tier} ({registry.tiers[bigger[0].tier].size}) fits only with a "
                       f"reduced context (~{low:.1f} GB of {usable:.1f} GB usable)")
    if shared is None:
        diags.append(error("X020", f"{vram_gb:g} GB is too small for the smallest tier "
                                     f"({fits[0].total_gb:.1f} GB needed with {headroom:.0%} headroom); "
                                     "run on CPU or use the toolkit"))
    # Separate models: a single model must fit on its own.
    cap = shared
    top = TIER_NAMES[-1]
    plans: list[ExpertPlan] = []
    for expert in registry.experts.values():
        preferred = expert.preferred_tier
        if cap is None:
            plans.append(ExpertPlan(expert.name, None, 0.0, "no tier fits"))
            continue
        if TIER_NAMES.index(preferred) > TIER_NAMES.index(cap):
            tier, reason = cap, f"prefers {preferred}, capped by memory"
        elif cap == top and preferred != TIER_NAMES[0]:
            tier, reason = top, "reasoning-heavy expert; the card holds the top tier"
        else:
            tier, reason = preferred, ("narrow task: a LoRA on the small base matches the next size"
                                       if preferred == TIER_NAMES[0] else "proposal's tier for this expert")
        size = next(f.base_gb for f in fits if f.tier == tier)
        plans.append(ExpertPlan(expert.name, tier, round(size, 2), reason))
    largest = max((p.model_gb for p in plans if p.tier), default=0.0)
    warm = int(usable // largest) if largest else 0
    if measured:
        diags.append(note("X021", "measured sizes used for: " + ", ".join(sorted(measured))))
    return VramPlan(vram_gb, usable, shared, fits, plans, warm, stretch,
                    "measured + proposal table" if measured else "proposal table", diags)
