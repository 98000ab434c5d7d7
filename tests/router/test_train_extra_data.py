"""Checks on the packaged router paraphrase set (router/data/train_extra.jsonl).

The file is training data written independently of the shared dev set, so the
checks guard its format, its labels (LABELS.md rules), its coverage of every
intent and multi-intent order, and that it never copies or near-copies dev.jsonl
(which would make the cross-validated figures on dev meaningless).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

INTENTS = (
    "optimization",
    "generation",
    "debugging",
    "analysis",
    "vulnerability",
    "architecture",
    "integration",
    "protection",
    "mapping",
    "general",
)

# Word-set overlap (Jaccard) at or above which two queries count as the same
# sentence reworded by a word or two; queries this short are compared exactly only.
NEAR_COPY_JACCARD = 0.8
NEAR_COPY_MIN_WORDS = 5

WORD_RE = re.compile(r"[a-z0-9$#_.]+")


def _data_path() -> Path:
    return Path(str(resources.files("triforce.router") / "data" / "train_extra.jsonl"))


def _normalise(text: str) -> str:
    return " ".join(WORD_RE.findall(text.lower()))


def _words(text: str) -> frozenset[str]:
    return frozenset(WORD_RE.findall(text.lower()))


def _load(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number}: blank line"
        rows.append((number, json.loads(line)))
    return rows


@pytest.fixture(scope="module")
def rows():
    return _load(_data_path())


def test_every_line_is_a_query_with_known_labels(rows):
    assert len(rows) >= 1000
    for number, row in rows:
        assert set(row) == {"query", "intents"}, f"line {number}: keys {sorted(row)}"
        assert isinstance(row["query"], str) and row["query"].strip(), f"line {number}"
        intents = row["intents"]
        assert isinstance(intents, list) and 1 <= len(intents) <= 3, f"line {number}"
        assert all(i in INTENTS for i in intents), f"line {number}: {intents}"
        assert len(set(intents)) == len(intents), f"line {number}: repeated intent"


def test_general_never_combined(rows):
    for number, row in rows:
        if "general" in row["intents"]:
            assert row["intents"] == ["general"], f"line {number}: {row['intents']}"


def test_no_duplicate_queries(rows):
    seen: dict[str, int] = {}
    for number, row in rows:
        key = _normalise(row["query"])
        assert key not in seen, f"line {number} repeats line {seen[key]}"
        seen[key] = number


def test_nothing_copied_from_dev(rows, shared):
    dev = [row for _, row in _load(shared / "routing" / "dev.jsonl")]
    dev_exact = {_normalise(r["query"]) for r in dev}
    dev_words = [_words(r["query"]) for r in dev]
    for number, row in rows:
        assert _normalise(row["query"]) not in dev_exact, f"line {number} copies dev"
        words = _words(row["query"])
        if len(words) < NEAR_COPY_MIN_WORDS:
            continue
        for other in dev_words:
            overlap = len(words & other) / len(words | other)
            assert overlap < NEAR_COPY_JACCARD, (
                f"line {number} is near-identical to a dev query ({overlap:.2f})"
            )


def test_covers_every_intent_alone_and_in_plans(rows):
    alone = Counter(r["intents"][0] for _, r in rows if len(r["intents"]) == 1)
    in_plans = Counter(i for _, r in rows if len(r["intents"]) > 1 for i in r["intents"])
    for intent in INTENTS:
        assert alone[intent] >= 60, f"{intent}: only {alone[intent]} single-intent lines"
        if intent != "general":
            assert in_plans[intent] >= 20, f"{intent}: only {in_plans[intent]} in plans"


def test_multi_intent_orders_are_covered(rows):
    plans = [tuple(r["intents"]) for _, r in rows if len(r["intents"]) > 1]
    share = len(plans) / len(rows)
    assert 0.15 <= share <= 0.45, f"multi-intent share {share:.2f}"
    assert sum(1 for p in plans if len(p) == 3) >= 10
    orders = Counter(p[:2] for p in plans)
    # Both orders of the common pairs appear, so order is learned from wording,
    # not from a fixed pair ranking.
    for first, second in (
        ("analysis", "optimization"),
        ("debugging", "mapping"),
        ("analysis", "debugging"),
        ("optimization", "protection"),
        ("architecture", "integration"),
        ("generation", "protection"),
        ("vulnerability", "protection"),
    ):
        assert orders[(first, second)] >= 2, f"{first}->{second} missing"
        assert orders[(second, first)] >= 2, f"{second}->{first} missing"
    assert len(orders) >= 40, f"only {len(orders)} distinct ordered pairs"
