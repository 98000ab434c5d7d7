import json

import numpy as np
import pytest

from triforce.router.classifier import IntentModel, fit_logistic, label_matrix
from triforce.router.evaluate import evaluate, read_labelled
from triforce.router.routes import builtin_routes

INTENTS = ["optimization", "analysis", "debugging", "general"]


def test_evaluate_metrics():
    gold = [["analysis", "optimization"], ["debugging"], ["general"], ["optimization"], ["general"]]
    pred = [["optimization", "analysis"], ["debugging"], ["general"], ["general"], ["analysis"]]
    r = evaluate(gold, pred, INTENTS)
    assert r.exact == pytest.approx(2 / 5) and r.top1 == pytest.approx(2 / 5)
    assert r.set_match == pytest.approx(3 / 5)
    assert r.order_accuracy == 0.0 and r.multi_total == 1
    assert r.general_precision == pytest.approx(0.5) and r.general_recall == pytest.approx(0.5)
    assert r.per_intent["debugging"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert r.confusion["optimization"] == {"general": 1}
    text = r.format()
    assert "exact match" in text and "confusion" in text
    assert json.loads(json.dumps(r.to_dict()))["exact_match"] == 0.4


def test_read_labelled_reports_bad_lines(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_bytes(b'{"query": "a", "intents": ["analysis"]}\nnope\n\xff\xfe\n'
                     b'{"query": 3, "intents": ["analysis"]}\n{"query": "b", "intents": ["bogus"]}\n\n')
    result = read_labelled(path, builtin_routes().intents)
    assert result.rows == [{"query": "a", "intents": ["analysis"]}]
    assert [d.code for d in result.diagnostics] == ["R041", "R041", "R042", "R043"]
    assert [d.span.line for d in result.diagnostics] == [2, 3, 4, 5]
    assert read_labelled(tmp_path / "missing.jsonl").diagnostics[0].code == "R040"


def test_logistic_regression_learns_separable_labels(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    y = label_matrix([["a"] if row[0] > 0 else ["b"] for row in x], ["a", "b"])
    w, b = fit_logistic(x, y, l2=1e-4, epochs=300)
    model = IntentModel(["a", "b"], w, b, np.array([0.5, 0.5]), np.zeros(5), np.ones(5))
    accuracy = ((model.predict_proba(x)[:, 0] > 0.5) == (x[:, 0] > 0)).mean()
    assert accuracy > 0.95
    model.save(tmp_path / "m.npz")
    again = IntentModel.load(tmp_path / "m.npz")
    assert np.allclose(again.predict_proba(x), model.predict_proba(x), atol=1e-6)
    assert again.intents == ["a", "b"]
