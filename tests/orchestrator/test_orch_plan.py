"""Plans from routing decisions."""

from __future__ import annotations

import pytest

from triforce.orchestrator.plan import PlanSettings, experts_with_intents, make_plan, objective_from

SETTINGS = PlanSettings()


def test_one_expert_is_a_single_step():
    plan = make_plan([("din", "optimization")], settings=SETTINGS, query="faster please")
    assert plan.mode == "single"
    assert [(s.expert, s.intent) for s in plan.steps] == [("din", "optimization")]
    assert plan.max_repair_rounds == 2


def test_optimize_then_explain_is_a_sequence_in_router_order():
    pairs = [("din", "optimization"), ("veran", "analysis")]
    plan = make_plan(pairs, settings=SETTINGS, query="optimize this and explain what you changed")
    assert plan.mode == "sequence"
    assert [s.expert for s in plan.steps] == ["din", "veran"]


def test_quality_tier_samples_code_intents_as_an_ensemble_but_not_prose():
    plan = make_plan([("din", "optimization")], settings=SETTINGS, query="q", tier="quality")
    assert plan.mode == "ensemble"
    assert [s.sample for s in plan.steps] == [0, 1]
    assert len({s.seed for s in plan.steps}) == 2
    prose = make_plan([("veran", "analysis")], settings=SETTINGS, query="q", tier="quality")
    assert prose.mode == "single"


def test_forced_shapes_and_config():
    pairs = [("din", "optimization"), ("nayru", "generation")]
    assert make_plan(pairs, settings=SETTINGS, query="q", mode="ensemble").mode == "ensemble"
    settings = PlanSettings.from_config({"multi_expert": "ensemble", "max_repair_rounds": 5,
                                         "step_timeout": 9})
    plan = make_plan(pairs, settings=settings, query="q")
    assert (plan.mode, plan.max_repair_rounds, plan.timeout) == ("ensemble", 5, 9.0)
    assert make_plan(pairs, settings=settings, query="q", max_repair_rounds=0).max_repair_rounds == 0
    with pytest.raises(ValueError):
        make_plan(pairs, settings=SETTINGS, query="q", mode="vote")


def test_repeated_experts_collapse_and_steps_are_capped():
    pairs = experts_with_intents(["din", "din", "veran"], ["optimization", "optimization", "analysis"], {})
    assert pairs == [("din", "optimization"), ("veran", "analysis")]
    many = [(f"e{i}", "general") for i in range(10)]
    assert len(make_plan(many, settings=SETTINGS, query="q").steps) == SETTINGS.max_steps
    assert make_plan([], settings=SETTINGS, query="q").steps[0].expert == "fallback"


def test_objective_follows_the_users_words():
    assert objective_from("I'm almost out of room in bank 0, make it smaller") == "bytes"
    assert objective_from("it runs every frame, make it fast") == "cycles"
