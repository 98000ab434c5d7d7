"""Keyword classifier: weighted regex patterns per intent.

Score of an intent = sum of the weights of its patterns that match the prose
(each pattern counts once). An intent is chosen when its score reaches its
route's threshold; confidence = 1 - exp(-score), so one strong pattern (1.0)
gives 0.63 and two give 0.86.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from triforce.router.routes import GENERAL, RouteTable


@dataclass(frozen=True)
class KeywordResult:
    scores: dict[str, float]          # raw summed weights per intent (0 when none matched)
    positions: dict[str, int]         # first match offset per matched intent
    intents: list[str]                # above threshold, in text order of first match

    def confidence(self, intent: str) -> float:
        return 1.0 - math.exp(-self.scores.get(intent, 0.0))


def lower_pattern(pattern: str) -> str:
    """Lower-case the literal letters of a regex (escapes like ``\\S`` kept), so
    patterns run on lower-cased text without ``re.I``, which is much slower."""
    return re.sub(r"(\\.)|([A-Z])", lambda m: m.group(1) or m.group(2).lower(), pattern)


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Strings of which every match of ``pattern`` contains at least one, or
    None when no such set is found. ``\\b(faster|quicker|speed\\s*up)\\b`` ->
    ("faster", "quicker", "speed"): a plain substring test rules the regex out
    for almost every query, far cheaper than running it."""
    try:
        from re import _parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - unparsable here means: always run the regex
        return None
    needles = _sequence_literals(list(parsed), sre_parse)
    if not needles:
        return None
    # "speed" already finds every "speedup": the longer needle adds nothing.
    return tuple(sorted(n for n in needles if not any(o != n and o in n for o in needles)))


def _sequence_literals(items, sre_parse) -> set[str] | None:
    c = sre_parse  # the opcode names live there (re._constants re-exported)
    best: set[str] | None = None

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and all(candidate) and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    run: list[str] = []
    for op, arg in items:
        if op is c.LITERAL:
            run.append(chr(arg))
            continue
        consider({"".join(run)} if run else None)
        run = []
        if op is c.SUBPATTERN:
            consider(_sequence_literals(list(arg[-1]), sre_parse))
        elif op is c.BRANCH:
            branches = [_sequence_literals(list(b), sre_parse) for b in arg[1]]
            if all(branches):
                consider(set().union(*branches))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and arg[0] >= 1:
            consider(_sequence_literals(list(arg[2]), sre_parse))
        elif op is getattr(c, "ATOMIC_GROUP", None):
            consider(_sequence_literals(list(arg), sre_parse))
    consider({"".join(run)} if run else None)
    return best


class KeywordClassifier:
    def __init__(self, table: RouteTable):
        self.compiled = {
            intent: [(re.compile(lower_pattern(p)), weight) for p, weight in route.patterns]
            for intent, route in table.routes.items()
        }
        # (intent, regex, weight, needles): a pattern runs only when one of its
        # needles is a substring of the query (most patterns, for most queries, don't).
        self.patterns = [
            (intent, regex, weight, required_literals(regex.pattern))
            for intent, compiled in self.compiled.items()
            for regex, weight in compiled
        ]
        self.thresholds = {intent: route.threshold for intent, route in table.routes.items()}
        self.intents = list(table.routes)

    def classify(self, prose: str) -> KeywordResult:
        scores: dict[str, float] = dict.fromkeys(self.intents, 0.0)
        positions: dict[str, int] = {}
        prose = prose.lower()
        for intent, regex, weight, needles in self.patterns:
            if needles is not None:
                for needle in needles:
                    if needle in prose:
                        break
                else:
                    continue
            match = regex.search(prose)
            if match:
                scores[intent] += weight
                start = match.start()
                if start < positions.get(intent, start + 1):
                    positions[intent] = start
        chosen = [
            i for i in self.intents
            if i != GENERAL and scores[i] >= self.thresholds[i]
        ]
        chosen.sort(key=lambda i: positions[i])
        if not chosen and scores.get(GENERAL, 0.0) >= self.thresholds.get(GENERAL, 1.0):
            chosen = [GENERAL]
        return KeywordResult(scores, positions, chosen)

    def features(self, prose: str) -> list[float]:
        """Confidence per intent in ``self.intents`` order (a blend feature)."""
        result = self.classify(prose)
        return [result.confidence(i) for i in self.intents]
