"""The library of verified routines: asar source files under ``routines/``.

Each file starts with ``;@ key: value`` header lines — ``name``, ``summary``,
``tags``, ``entry``, ``exit`` and ``test`` (a JSON behaviour case in the
``behaves`` shape of the benchmark format: ``entry`` state and ``expect``ed
registers/RAM). ``tests/knowledge`` assembles every routine and runs its test
case in the simulator, which is what "verified" means here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

_HEADER = re.compile(r"^;@\s*(\w+)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Routine:
    name: str
    file: str
    summary: str
    tags: tuple[str, ...]
    entry: str
    exit: str
    source: str                       # the whole file, header included
    test: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def code(self) -> str:
        """The source without the ``;@`` header."""
        return "\n".join(line for line in self.source.splitlines() if not line.startswith(";@")).strip() + "\n"


def _parse(file: str, text: str) -> Routine:
    meta: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            meta[match.group(1).lower()] = match.group(2).strip()
    test = json.loads(meta["test"]) if meta.get("test") else {}
    return Routine(
        name=meta.get("name", file.rsplit(".", 1)[0]), file=file,
        summary=meta.get("summary", ""), tags=tuple(meta.get("tags", "").lower().split()),
        entry=meta.get("entry", ""), exit=meta.get("exit", ""), source=text, test=test,
    )


@lru_cache(maxsize=1)
def _load() -> tuple[Routine, ...]:
    folder = resources.files("triforce.knowledge").joinpath("routines")
    routines = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".asm"):
            routines.append(_parse(entry.name, entry.read_text(encoding="utf-8")))
    return tuple(routines)


def routines() -> list[Routine]:
    return list(_load())


def get(name: str) -> Routine | None:
    wanted = name.strip().lower()
    for routine in _load():
        if routine.name.lower() == wanted or routine.file.lower() == wanted:
            return routine
    return None


_STOP = frozenset("the a an to of in for and or with my i me need want write some that this is it on from by".split())


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\$?[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 1]


def search(query: str, limit: int = 3) -> list[tuple[float, Routine]]:
    """Routines ranked by how many of the query's words hit their tags, name and summary.

    A tag hit counts 3, a summary or name hit 1; a word that is a prefix of a tag
    ("multiply" for "multiplication") counts as a tag hit.
    """
    words = set(_words(query))
    ranked = []
    for routine in _load():
        score = 0.0
        summary_words = set(_words(routine.summary + " " + routine.name))
        for word in words:
            if word in routine.tags or any(len(word) >= 4 and tag.startswith(word) for tag in routine.tags):
                score += 3
            elif word in summary_words:
                score += 1
        if score:
            ranked.append((score, routine))
    ranked.sort(key=lambda pair: (-pair[0], pair[1].name))
    return ranked[:limit]


__all__ = ["Routine", "get", "routines", "search"]
