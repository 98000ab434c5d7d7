"""The shared benchmark tasks for the analysis tests (read from ../shared, never copied).

Kept beside the tests (not imported from ``tests.conftest``) so that both
``pytest`` and ``python -m pytest`` can import it; it finds the folder the
same way ``tests/conftest.py::shared_dir`` does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def shared_dir() -> Path:
    env = os.environ.get("TRIFORCE_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared"


def dev_tasks(kind: str | None = None) -> list[dict]:
    path = shared_dir() / "bench" / "dev.jsonl"
    tasks = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [t for t in tasks if kind is None or t["check"]["kind"] == kind]
