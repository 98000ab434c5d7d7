"""The benchmark evaluator: every reference solution passes, empty and wrong answers fail."""

from __future__ import annotations

import json

import pytest

from triforce.evaluation import check_task, evaluate, load_tasks
from triforce.evaluation.checks import normalise_value, select_program
from triforce.evaluation.runner import empty_answers, solution_answers
from triforce.evaluation.tasks import parse_task


@pytest.fixture(scope="module")
def tasks(shared):
    loaded = load_tasks(shared / "bench" / "dev.jsonl")
    assert loaded.diagnostics == [] and len(loaded.tasks) >= 50
    return loaded.tasks


def test_every_reference_solution_passes_and_every_empty_answer_fails(tasks):
    solved = evaluate(tasks, solution_answers, source="solution")
    failing = [(r.task_id, r.messages) for r in solved.results if not r.passed]
    assert failing == []
    empty = evaluate(tasks, empty_answers, source="empty")
    assert empty.passed == 0
    kinds = {r.kind for r in solved.results}
    assert kinds == {"equivalent", "behaves", "fact", "value"}
    assert solved.to_dict()["by_expert"]["din"]["cost_vs_limit"] <= 1.0


def test_the_original_code_is_equivalent_but_fails_the_cost_limit(tasks):
    din = [t for t in tasks if t.kind == "equivalent"]
    for task in din[:3]:
        result = check_task(task, f"```asm\n{task.check['original']}\n```")
        assert not result.passed
        assert result.cost is not None and result.cost > result.limit


def test_another_tasks_routine_does_not_pass_a_behaves_check(tasks):
    behaves = [t for t in tasks if t.kind == "behaves"]
    first, second = behaves[0], behaves[1]
    assert not check_task(first, second.solution).passed
    assert check_task(first, first.solution).passed


def test_the_last_block_that_assembles_is_run_and_the_label_is_the_entry(tasks):
    task = next(t for t in tasks if t.kind == "behaves" and t.label and not t.context)
    answer = task.solution + "\n\nOr, broken:\n```asm\nNOT AN INSTRUCTION\n```\n```json\n{}\n```"
    block, built = select_program(task, answer)
    assert built is not None and built.entry == built.labels[task.label]
    assert check_task(task, answer).passed


def test_a_rewrite_that_is_not_equivalent_fails_with_the_checkers_summary(tasks):
    task = next(t for t in tasks if t.kind == "equivalent")
    result = check_task(task, "```asm\nRTS\n```")
    assert not result.passed and "NOT equivalent" in result.messages[0]


@pytest.mark.parametrize("given,expected,addresses,same", [
    ("$7E0010", 0x7E0010, False, True),
    ("$7E:0010", 0x7E0010, False, True),
    ("0x10", 16, False, True),
    ("$0010", "$7E0010", True, True),            # low WRAM mirror
    ("$80A1F3", "$00A1F3", True, True),          # FastROM mirror
    ({"set": [1, 2, 3]}, {"set": [3, 2, 1]}, False, True),
    ([1, 2, 3], [3, 2, 1], False, False),        # plain lists keep their order
    ({"bad_rows": 240}, {"bad_rows": 241}, False, False),
])
def test_value_normalisation(given, expected, addresses, same):
    assert (normalise_value(given, addresses=addresses)
            == normalise_value(expected, addresses=addresses)) is same


def test_value_and_fact_checks_read_the_answer_text():
    value = parse_task({"id": "v", "expert": "veran", "prompt": "p",
                        "check": {"kind": "value", "answer": {"set": ["$7E0010", 5]},
                                  "normalize": "addr"}})
    assert check_task(value, "It writes:\n```json\n[5, \"$0010\"]\n```").passed
    assert not check_task(value, "```json\n[5]\n```").passed
    assert not check_task(value, "no json here").passed
    fact = parse_task({"id": "f", "expert": "veran", "prompt": "p",
                       "check": {"kind": "fact", "accept": ["(?i)NMI"], "reject": ["(?i)IRQ"]}})
    assert check_task(fact, "It enables the NMI.").passed
    assert not check_task(fact, "It enables the NMI and the IRQ.").passed


def test_bad_task_lines_become_diagnostics(tmp_path):
    path = tmp_path / "tasks.jsonl"
    good = {"id": "a", "expert": "din", "prompt": "p", "check": {"kind": "fact", "accept": ["x"]}}
    path.write_text(json.dumps(good) + "\nnot json\n" + json.dumps({"id": "b"}) + "\n"
                    + json.dumps({**good, "check": {"kind": "vibes"}}) + "\n")
    loaded = load_tasks(path)
    assert [t.id for t in loaded.tasks] == ["a"]
    assert [d.code for d in loaded.diagnostics] == ["V002", "V003", "V003"]
    assert [d.span.line for d in loaded.diagnostics] == [2, 3, 4]
    assert load_tasks(tmp_path / "missing.jsonl").diagnostics[0].code == "V001"
