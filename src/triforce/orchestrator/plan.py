"""From a routing decision to a plan: one expert, a sequence, or an ensemble.

The seed's first open question — "optimize this and explain what you
changed" — is answered by a *sequence*: the router orders the intents
(optimization before analysis), and each expert sees the previous one's
checked output, so the explainer explains the code that was proven, not a
draft. An *ensemble* asks several experts (or several samples of one) the same
question and lets synthesis pick the answer the toolchain likes best; it is
chosen explicitly (``plan="ensemble"``, ``samples=N``) or by the ``quality``
tier for intents whose answers are code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PLAN_MODES = ("single", "sequence", "ensemble")

#: Intents whose answers are mostly code the toolchain can rank.
CODE_INTENTS = frozenset({"optimization", "generation", "debugging", "protection"})


@dataclass(frozen=True)
class PlanStep:
    expert: str
    intent: str
    sample: int = 0                  # ensemble: which sample of this expert
    temperature: float | None = None
    seed: int | None = None

    def to_dict(self) -> dict:
        return {"expert": self.expert, "intent": self.intent, "sample": self.sample,
                "temperature": self.temperature, "seed": self.seed}


@dataclass
class Plan:
    mode: str
    steps: list[PlanStep]
    reason: str = ""
    max_repair_rounds: int = 2
    timeout: float = 120.0
    objective: str = "cycles"        # how an ensemble ranks equivalent code: cycles | bytes
    extras: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"mode": self.mode, "steps": [s.to_dict() for s in self.steps],
                "reason": self.reason, "max_repair_rounds": self.max_repair_rounds,
                "timeout": self.timeout, "objective": self.objective}


@dataclass(frozen=True)
class PlanSettings:
    max_repair_rounds: int = 2
    timeout: float = 120.0
    samples: int = 1
    quality_samples: int = 2
    max_steps: int = 4
    multi_expert: str = "sequence"   # what several routed experts become: sequence | ensemble

    @classmethod
    def from_config(cls, section: dict) -> "PlanSettings":
        mode = str(section.get("multi_expert", cls.multi_expert))
        return cls(
            max_repair_rounds=max(0, int(section.get("max_repair_rounds", cls.max_repair_rounds))),
            timeout=float(section.get("step_timeout", cls.timeout)),
            samples=max(1, int(section.get("samples", cls.samples))),
            quality_samples=max(1, int(section.get("quality_samples", cls.quality_samples))),
            max_steps=max(1, int(section.get("max_steps", cls.max_steps))),
            multi_expert=mode if mode in ("sequence", "ensemble") else cls.multi_expert,
        )


_BYTES_WORDS = ("byte", "size", "smaller", "space", "room", "shorter", "compact", "footprint")


def objective_from(query: str) -> str:
    """Rank equivalent rewrites by bytes when the user talks about size, else by cycles."""
    lowered = query.lower()
    return "bytes" if any(word in lowered for word in _BYTES_WORDS) else "cycles"


def experts_with_intents(experts: list[str], intents: list[str],
                         intent_of: dict[str, str]) -> list[tuple[str, str]]:
    """Pair each routed expert with its intent, dropping repeats, keeping the order."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for i, expert in enumerate(experts):
        if expert in seen:
            continue
        seen.add(expert)
        intent = intent_of.get(expert) or (intents[i] if i < len(intents) else "general")
        out.append((expert, intent))
    return out


def make_plan(pairs: list[tuple[str, str]], *, settings: PlanSettings, query: str,
              mode: str | None = None, tier: str | None = None, samples: int | None = None,
              max_repair_rounds: int | None = None, timeout: float | None = None) -> Plan:
    """The plan for the routed (expert, intent) pairs; ``mode``/``samples`` force a shape."""
    pairs = pairs[: settings.max_steps] or [("fallback", "general")]
    rounds = settings.max_repair_rounds if max_repair_rounds is None else max(0, int(max_repair_rounds))
    step_timeout = settings.timeout if timeout is None else float(timeout)
    if samples is None:
        code_answer = pairs[0][1] in CODE_INTENTS
        samples = settings.quality_samples if tier == "quality" and code_answer else settings.samples
    samples = max(1, min(int(samples), settings.max_steps))

    if mode is None:
        if len(pairs) > 1:
            mode = settings.multi_expert
            reason = f"{len(pairs)} experts routed; {mode} (config multi_expert)"
        elif samples > 1:
            mode = "ensemble"
            reason = f"{samples} samples of {pairs[0][0]}" + (" (quality tier)" if tier == "quality" else "")
        else:
            mode = "single"
            reason = f"one expert: {pairs[0][0]}"
    else:
        reason = f"{mode} requested"
    if mode not in PLAN_MODES:
        raise ValueError(f"unknown plan mode {mode!r}")

    if mode == "single":
        steps = [PlanStep(*pairs[0])]
    elif mode == "sequence":
        steps = [PlanStep(expert, intent) for expert, intent in pairs]
    elif len(pairs) > 1:
        steps = [PlanStep(expert, intent, seed=i) for i, (expert, intent) in enumerate(pairs)]
    else:
        # Samples of one expert differ by seed and a rising temperature.
        expert, intent = pairs[0]
        count = max(2, samples)
        steps = [PlanStep(expert, intent, sample=i, temperature=round(0.2 + 0.3 * i, 2), seed=i)
                 for i in range(count)]
    return Plan(mode, steps, reason, rounds, step_timeout, objective_from(query))
