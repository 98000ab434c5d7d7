"""Accuracy of routing decisions against labelled queries.

Metrics: exact match (all intents, in order), first-intent (top-1) accuracy,
set match, per-intent precision/recall/F1 (an intent counts when it is in the
predicted set), a confusion matrix of first intents, multi-intent order
accuracy, and precision/recall of ``general``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from triforce.diagnostics import Diagnostic, SourceSpan, error

GENERAL = "general"


@dataclass
class LabelledFile:
    rows: list[dict]
    diagnostics: list[Diagnostic] = field(default_factory=list)


def read_labelled(path: str | Path, known_intents: list[str] | None = None) -> LabelledFile:
    """Rows ``{"query": str, "intents": [str, ...]}``; bad lines become diagnostics."""
    path = Path(path)
    rows: list[dict] = []
    diags: list[Diagnostic] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return LabelledFile([], [error("R040", f"cannot read {path}: {exc.strerror or exc}", SourceSpan(str(path)))])
    for number, line in enumerate(raw.splitlines(), start=1):
        span = SourceSpan(str(path), number, 1)
        if not line.strip():
            continue
        try:
            item = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            diags.append(error("R041", f"line is not a JSON object: {exc}", span))
            continue
        query = item.get("query") if isinstance(item, dict) else None
        intents = item.get("intents") if isinstance(item, dict) else None
        if not isinstance(query, str):
            diags.append(error("R042", "line has no string 'query'", span))
            continue
        if not isinstance(intents, list) or not intents or not all(isinstance(i, str) for i in intents):
            diags.append(error("R042", "line has no non-empty 'intents' list", span))
            continue
        if known_intents is not None:
            unknown = [i for i in intents if i not in known_intents]
            if unknown:
                diags.append(error("R043", f"unknown intents {unknown}", span))
                continue
        rows.append({"query": query, "intents": intents})
    return LabelledFile(rows, diags)


@dataclass
class EvalReport:
    total: int
    exact: float
    top1: float
    set_match: float
    order_accuracy: float | None      # multi-intent gold rows whose set was found: right order
    multi_total: int
    per_intent: dict[str, dict[str, float]]
    confusion: dict[str, dict[str, int]]  # gold first intent -> predicted first intent -> count
    general_precision: float
    general_recall: float

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "exact_match": round(self.exact, 4),
            "top1_accuracy": round(self.top1, 4),
            "set_match": round(self.set_match, 4),
            "order_accuracy": None if self.order_accuracy is None else round(self.order_accuracy, 4),
            "multi_intent_rows": self.multi_total,
            "per_intent": self.per_intent,
            "confusion": self.confusion,
            "general_precision": round(self.general_precision, 4),
            "general_recall": round(self.general_recall, 4),
        }

    def format(self) -> str:
        lines = [
            f"queries            {self.total}",
            f"exact match        {self.exact:.1%}   (all intents, in order)",
            f"first intent       {self.top1:.1%}",
            f"intent set         {self.set_match:.1%}",
            "multi-intent order "
            + ("n/a" if self.order_accuracy is None else f"{self.order_accuracy:.1%}")
            + f"   ({self.multi_total} multi-intent queries)",
            f"general            precision {self.general_precision:.1%}  recall {self.general_recall:.1%}",
            "",
            f"{'intent':<14}{'prec':>7}{'recall':>8}{'f1':>7}{'support':>9}",
        ]
        for intent, m in self.per_intent.items():
            lines.append(
                f"{intent:<14}{m['precision']:>7.2f}{m['recall']:>8.2f}{m['f1']:>7.2f}{int(m['support']):>9}"
            )
        names = list(self.per_intent)
        short = _short_names(names)
        width = max(len(s) for s in short) + 1
        lines += ["", "confusion of first intents (rows: gold, columns: predicted)",
                  " " * 14 + "".join(f"{s:>{width}}" for s in short)]
        for gold in names:
            row = self.confusion.get(gold, {})
            lines.append(f"{gold:<14}" + "".join(f"{row.get(p, 0):>{width}}" for p in names))
        return "\n".join(lines)


def _short_names(names: list[str]) -> list[str]:
    """The shortest prefixes (at least 4 letters) that tell the names apart."""
    for size in range(4, max((len(n) for n in names), default=4) + 1):
        short = [n[:size] for n in names]
        if len(set(short)) == len(short):
            return short
    return list(names)


def evaluate(gold: list[list[str]], predicted: list[list[str]], intents: list[str]) -> EvalReport:
    n = len(gold)
    exact = top1 = set_ok = 0
    multi = order_ok = order_total = 0
    tp = dict.fromkeys(intents, 0)
    fp = dict.fromkeys(intents, 0)
    fn = dict.fromkeys(intents, 0)
    confusion: dict[str, dict[str, int]] = {i: {} for i in intents}
    for g, p in zip(gold, predicted):
        p = p or [GENERAL]
        exact += g == p
        top1 += g[0] == p[0]
        set_ok += set(g) == set(p)
        if len(g) > 1:
            multi += 1
            if set(g) == set(p):
                order_total += 1
                order_ok += g == p
        for intent in set(g) | set(p):
            if intent not in tp:
                tp[intent] = fp[intent] = fn[intent] = 0
                confusion.setdefault(intent, {})
            if intent in g and intent in p:
                tp[intent] += 1
            elif intent in p:
                fp[intent] += 1
            else:
                fn[intent] += 1
        row = confusion.setdefault(g[0], {})
        row[p[0]] = row.get(p[0], 0) + 1
    per_intent = {}
    for intent in tp:
        precision = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        recall = tp[intent] / (tp[intent] + fn[intent]) if tp[intent] + fn[intent] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = {
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "support": tp[intent] + fn[intent],
        }
    general = per_intent.get(GENERAL, {"precision": 0.0, "recall": 0.0})
    return EvalReport(
        total=n,
        exact=exact / n if n else 0.0,
        top1=top1 / n if n else 0.0,
        set_match=set_ok / n if n else 0.0,
        order_accuracy=order_ok / order_total if order_total else None,
        multi_total=multi,
        per_intent=per_intent,
        confusion=confusion,
        general_precision=general["precision"],
        general_recall=general["recall"],
    )
