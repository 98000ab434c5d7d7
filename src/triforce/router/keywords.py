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


class KeywordClassifier:
    def __init__(self, table: RouteTable):
        self.compiled = {
            intent: [(re.compile(lower_pattern(p)), weight) for p, weight in route.patterns]
            for intent, route in table.routes.items()
        }
        # One alternation per intent: most intents don't match at all, and one
        # search rules all their patterns out at once.
        self.prefilter = {
            intent: re.compile("|".join(f"(?:{lower_pattern(p)})" for p, _ in route.patterns))
            for intent, route in table.routes.items()
            if route.patterns
        }
        self.thresholds = {intent: route.threshold for intent, route in table.routes.items()}
        self.intents = list(table.routes)

    def classify(self, prose: str) -> KeywordResult:
        scores: dict[str, float] = dict.fromkeys(self.intents, 0.0)
        positions: dict[str, int] = {}
        prose = prose.lower()
        for intent, patterns in self.compiled.items():
            prefilter = self.prefilter.get(intent)
            if prefilter is None or not prefilter.search(prose):
                continue
            total = 0.0
            first = None
            for regex, weight in patterns:
                match = regex.search(prose)
                if match:
                    total += weight
                    if first is None or match.start() < first:
                        first = match.start()
            scores[intent] = total
            if first is not None:
                positions[intent] = first
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
