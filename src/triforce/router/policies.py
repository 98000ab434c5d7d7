"""Routing policies over per-intent probabilities.

- ``select_threshold``: every specialist intent at or above its threshold
  (ReLU-style: a variable number of experts), capped at ``max_intents``;
  ``general`` when the general class wins or nothing passes.
- ``select_top_k``: the k most probable specialists (k=1 is the classic
  single-expert router), still ``general`` when nothing is confident.
- ``balance_load``: move work off an expert whose queue is at capacity to the
  next-best expert that has room and is still plausible.
"""

from __future__ import annotations

from dataclasses import replace

from triforce.router.routes import FALLBACK_EXPERT, GENERAL


def select_threshold(
    probs: dict[str, float],
    thresholds: dict[str, float],
    *,
    min_confidence: float,
    max_intents: int = 3,
) -> list[str]:
    specialists = {k: v for k, v in probs.items() if k != GENERAL}
    if not specialists:
        return [GENERAL]
    best = max(specialists, key=specialists.get)
    if probs.get(GENERAL, 0.0) >= specialists[best] or specialists[best] < min_confidence:
        return [GENERAL]
    chosen = [k for k, v in specialists.items() if v >= thresholds.get(k, 0.5)]
    if best not in chosen:
        chosen.append(best)
    chosen.sort(key=lambda k: -specialists[k])
    return chosen[: max(1, max_intents)]


def select_top_k(probs: dict[str, float], k: int, *, min_confidence: float) -> list[str]:
    specialists = sorted(((v, n) for n, v in probs.items() if n != GENERAL), reverse=True)
    if not specialists or probs.get(GENERAL, 0.0) >= specialists[0][0] or specialists[0][0] < min_confidence:
        return [GENERAL]
    return [name for _, name in specialists[: max(1, k)]]


def balance_load(
    decision,
    queue_depths: dict[str, int],
    capacity: dict[str, int] | int,
    *,
    expert_of: dict[str, str],
    min_score: float = 0.3,
):
    """A copy of ``decision`` whose experts avoid full queues.

    For each step whose expert has ``queue_depths[expert] >= capacity``, take
    the most probable other intent whose expert has room and whose score is at
    least ``min_score``; when none qualifies the step stays (waiting in a queue
    beats a wrong expert). ``capacity`` is per expert or one number for all.
    The returned decision's ``path`` gains ``+balanced`` when anything moved.
    """
    load = dict(queue_depths)

    def cap(expert: str) -> int:
        if isinstance(capacity, dict):
            return int(capacity.get(expert, 10**9))
        return int(capacity)

    def has_room(expert: str) -> bool:
        return load.get(expert, 0) < cap(expert)

    experts = list(decision.experts)
    moved = False
    in_plan = set(experts)
    for index, expert in enumerate(experts):
        if expert == FALLBACK_EXPERT or has_room(expert):
            load[expert] = load.get(expert, 0) + 1
            continue
        alternatives = sorted(
            (
                (score, intent)
                for intent, score in decision.scores.items()
                if intent != GENERAL
                and score >= min_score
                and expert_of.get(intent) not in in_plan
                and has_room(expert_of.get(intent, FALLBACK_EXPERT))
            ),
            reverse=True,
        )
        if alternatives:
            new_expert = expert_of[alternatives[0][1]]
            experts[index] = new_expert
            in_plan.add(new_expert)
            load[new_expert] = load.get(new_expert, 0) + 1
            moved = True
        else:
            load[expert] = load.get(expert, 0) + 1
    if not moved:
        return decision
    return replace(decision, experts=experts, path=decision.path + "+balanced")
