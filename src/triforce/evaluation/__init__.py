"""Benchmark tasks and scoring by program checks (bench/FORMAT.md).

``load_tasks(path)``, ``check_task(task, answer) -> CheckResult``,
``evaluate(tasks, answers) -> Report``; ``python -m triforce.evaluation`` runs it.
"""

from triforce.evaluation.checks import CheckResult, check_task
from triforce.evaluation.runner import Report, evaluate
from triforce.evaluation.tasks import Task, load_tasks

__all__ = ["CheckResult", "Report", "Task", "check_task", "evaluate", "load_tasks"]
