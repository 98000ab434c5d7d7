"""``python -m triforce.evaluation TASKS.jsonl [--answers solution|empty|system]``.

Scores answers to benchmark tasks with the program checks of bench/FORMAT.md
and prints a per-expert report (``--json`` for the structured form).
``system`` asks each task's expert through the orchestrator (the configured
backend, else the toolkit). Exit status: 0 when the run completed, 2 when the
task file could not be used.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triforce.evaluation",
                                     description="Score expert answers on benchmark tasks.")
    parser.add_argument("tasks", nargs="+", help="task files (*.jsonl, bench/FORMAT.md)")
    parser.add_argument("--answers", choices=("solution", "empty", "system"), default="solution")
    parser.add_argument("--expert", action="append", default=[], help="only these experts")
    parser.add_argument("--max-repair-rounds", dest="rounds", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from triforce.evaluation.runner import empty_answers, evaluate, solution_answers, system_answers
    from triforce.evaluation.tasks import load_tasks

    tasks = []
    for path in args.tasks:
        loaded = load_tasks(path)
        for diag in loaded.diagnostics:
            print(diag.format(), file=sys.stderr)
        if any(d.is_error and d.code == "V001" for d in loaded.diagnostics):
            return 2
        tasks.extend(t for t in loaded.tasks if not args.expert or t.expert in args.expert)
    orchestrator = None
    if args.answers == "system":
        from triforce.orchestrator import Orchestrator

        orchestrator = Orchestrator()
        source = system_answers(orchestrator, repair_rounds=args.rounds)
    else:
        source = solution_answers if args.answers == "solution" else empty_answers
    try:
        report = evaluate(tasks, source, source=args.answers,
                          progress=None if args.json else
                          lambda r: print(f"{'pass' if r.passed else 'FAIL'} {r.task_id}", file=sys.stderr))
    finally:
        if orchestrator is not None:
            orchestrator.close()
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
