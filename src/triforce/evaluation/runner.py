"""Running a benchmark: answers from some source, scored by the program checks.

Quality beyond "it assembles" (the seed's open question 4): each task passes
only if its check runs and holds, and for optimizations the report also gives
the cost against the task's limit (cycles or bytes), so two models — or a model
with and without the orchestrator's repair rounds — can be compared on how
*good* their correct answers are, not just how many there are.

Answer sources: ``solution`` (the reference; every one must pass), ``empty``
(nothing; every task must fail), or any callable ``(Task) -> str`` — e.g. the
full system through :func:`system_answers`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

from triforce.evaluation.checks import CheckResult, check_task
from triforce.evaluation.tasks import Task


@dataclass
class Report:
    source: str
    results: list[CheckResult] = field(default_factory=list)
    answer_ms: float = 0.0
    check_ms: float = 0.0

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    def by_expert(self) -> dict[str, dict]:
        groups: dict[str, list[CheckResult]] = defaultdict(list)
        for r in self.results:
            groups[r.expert].append(r)
        out = {}
        for expert, items in sorted(groups.items()):
            costs = [r.cost / r.limit for r in items if r.passed and r.cost is not None and r.limit]
            out[expert] = {"tasks": len(items), "passed": sum(r.passed for r in items),
                           "pass_rate": round(sum(r.passed for r in items) / len(items), 3),
                           "cost_vs_limit": round(sum(costs) / len(costs), 3) if costs else None}
        return out

    def to_dict(self) -> dict:
        total = len(self.results)
        return {"source": self.source, "tasks": total, "passed": self.passed,
                "pass_rate": round(self.passed / total, 3) if total else 0.0,
                "by_expert": self.by_expert(), "answer_ms": round(self.answer_ms, 1),
                "check_ms": round(self.check_ms, 1),
                "results": [r.to_dict() for r in self.results]}

    def text(self) -> str:
        lines = [f"{self.source}: {self.passed}/{len(self.results)} passed"]
        for expert, row in self.by_expert().items():
            cost = f", cost/limit {row['cost_vs_limit']}" if row["cost_vs_limit"] is not None else ""
            lines.append(f"  {expert:8} {row['passed']}/{row['tasks']}{cost}")
        for r in self.results:
            if not r.passed:
                lines.append(f"  FAIL {r.task_id}: {'; '.join(r.messages[:2])[:200]}")
        return "\n".join(lines)


def solution_answers(task: Task) -> str:
    return task.solution


def empty_answers(task: Task) -> str:
    return ""


def system_answers(orchestrator, *, repair_rounds: int | None = None) -> Callable[[Task], str]:
    """Answers from the whole system: the task's expert through the orchestrator (checks
    and repair included). What is scored is the experts' text, not Triforce's notes."""
    from triforce.orchestrator import AskRequest

    def answer(task: Task) -> str:
        prompt = task.prompt + (f"\n\nContext (already in the ROM):\n```asm\n{task.context}\n```"
                                if task.context.strip() else "")
        result = orchestrator.ask(AskRequest(prompt, expert=task.expert, source="bench",
                                             max_repair_rounds=repair_rounds))
        return "\n\n".join(s.text for s in result.steps if s.chosen)

    return answer


def evaluate(tasks: Iterable[Task], answers: Callable[[Task], str], *, source: str = "custom",
             progress: Callable[[CheckResult], None] | None = None) -> Report:
    report = Report(source)
    for task in tasks:
        start = time.perf_counter()
        try:
            text = answers(task)
        except Exception as exc:   # an answer source that fails scores as an empty answer
            text = ""
            report.results.append(CheckResult(task.id, task.expert, task.kind, False,
                                              [f"no answer: {type(exc).__name__}: {exc}"]))
            continue
        middle = time.perf_counter()
        result = check_task(task, text)
        report.answer_ms += (middle - start) * 1000.0
        report.check_ms += (time.perf_counter() - middle) * 1000.0
        report.results.append(result)
        if progress:
            progress(result)
    return report
