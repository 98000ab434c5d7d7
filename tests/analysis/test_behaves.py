import json

import pytest

from triforce.analysis.behaves import check_case
from triforce.analysis.source import extract_code_blocks
from bench_data import shared_dir


def _tasks():
    lines = (shared_dir() / "bench" / "dev.jsonl").read_text().splitlines()
    return [t for t in map(json.loads, lines) if t["check"]["kind"] == "behaves"]


def _cases(task):
    for case in task["check"]["cases"]:
        case = dict(case)
        case.setdefault("writable", task["check"].get("writable"))
        yield case


@pytest.mark.parametrize("task", _tasks(), ids=lambda t: t["id"])
def test_dev_solutions_behave(task):
    code = extract_code_blocks(task["solution"])[-1]
    for case in _cases(task):
        result = check_case(code, case, context=task.get("context", ""))
        assert result.passed, (case["name"], result.mismatches)


@pytest.mark.parametrize("task", _tasks(), ids=lambda t: t["id"])
def test_a_bare_return_fails_some_case(task):
    label = task["check"].get("label") or "Entry"
    results = [check_case(f"{label}:\n    RTS\n", case, context=task.get("context", "")) for case in _cases(task)]
    assert not all(r.passed for r in results)
