"""Benchmark tasks (``bench/FORMAT.md``): one user request to one expert, with a check
a program runs. Loading never raises: bad lines become ``V`` diagnostics."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from triforce.diagnostics import Diagnostic, SourceSpan, error

CHECK_KINDS = ("equivalent", "behaves", "fact", "value")


@dataclass(frozen=True)
class Task:
    id: str
    expert: str
    prompt: str
    check: dict
    solution: str = ""
    context: str = ""
    label: str | None = None
    org: int = 0x008000
    context_org: int = 0x00C000

    @property
    def kind(self) -> str:
        return str(self.check.get("kind", ""))

    @property
    def call(self) -> str:
        """How the routine is entered: ``jsr`` (default) or ``jsl``."""
        return str(self.check.get("call") or "jsr")


@dataclass
class TaskFile:
    path: str
    tasks: list[Task] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _address(value, default: int) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip().lstrip("$")
        return int(text[2:] if text.lower().startswith("0x") else text, 16)
    return default


def parse_task(data: dict) -> Task:
    """One task from its JSON object; raises ValueError naming what is wrong."""
    for key in ("id", "expert", "prompt", "check"):
        if key not in data:
            raise ValueError(f"missing {key!r}")
    check = data["check"]
    if not isinstance(check, dict) or check.get("kind") not in CHECK_KINDS:
        raise ValueError(f"check.kind must be one of {', '.join(CHECK_KINDS)}")
    return Task(id=str(data["id"]), expert=str(data["expert"]), prompt=str(data["prompt"]),
                check=check, solution=str(data.get("solution") or ""),
                context=str(data.get("context") or ""), label=data.get("label") or None,
                org=_address(data.get("org"), 0x008000),
                context_org=_address(data.get("context_org"), 0x00C000))


def load_tasks(path: str | Path) -> TaskFile:
    out = TaskFile(str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        out.diagnostics.append(error("V001", f"cannot read task file: {exc}", SourceSpan(str(path))))
        return out
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        span = SourceSpan(str(path), number, 1)
        try:
            out.tasks.append(parse_task(json.loads(line)))
        except json.JSONDecodeError as exc:
            out.diagnostics.append(error("V002", f"not JSON: {exc.msg}", span))
        except (ValueError, TypeError) as exc:
            out.diagnostics.append(error("V003", f"bad task: {exc}", span))
    return out
