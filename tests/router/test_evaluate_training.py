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


def _fast_head(d, c):
    from triforce.router.classifier import FastHead

    rng = np.random.default_rng(7)
    return FastHead(rng.normal(size=(d, c)).astype(np.float32), rng.normal(size=c).astype(np.float32),
                    np.zeros(d, np.float32), np.ones(d, np.float32), np.array([0.4, 0.6], np.float32),
                    gate=0.8, min_confidence=0.1, blend=0.25)


def test_model_file_keeps_depth_and_fast_head(tmp_path):
    rng = np.random.default_rng(2)
    model = IntentModel(["a", "b"], rng.normal(size=(6, 2)).astype(np.float32), np.zeros(2, np.float32),
                        np.array([0.5, 0.5]), np.zeros(6), np.ones(6), encoder_layers=3, encoder_pool=(2, 3),
                        fast=_fast_head(4, 2))
    model.save(tmp_path / "m.npz")
    again = IntentModel.load(tmp_path / "m.npz")
    assert again.encoder_layers == 3 and again.encoder_pool == (2, 3)
    assert again.fast.gate == pytest.approx(0.8) and again.fast.min_confidence == pytest.approx(0.1)
    assert again.fast.blend == pytest.approx(0.25)
    cheap = rng.normal(size=(5, 4)).astype(np.float32)
    assert np.allclose(again.fast.predict_proba(cheap), model.fast.predict_proba(cheap), atol=1e-6)
    assert np.allclose(again.fast.thresholds, [0.4, 0.6])


def test_version_1_model_files_still_load(tmp_path):
    """A model fitted before the fast head and depth existed: all layers, no fast path."""
    path = tmp_path / "v1.npz"
    np.savez(path, format_version=np.array(1), intents=np.array(["a", "b"]),
             weights=np.zeros((3, 2), np.float32), bias=np.zeros(2, np.float32),
             thresholds=np.full(2, 0.5, np.float32), mean=np.zeros(3, np.float32), std=np.ones(3, np.float32),
             bow_buckets=np.array(16), bow_value=np.array(3.0), use_keywords=np.array(True),
             meta_keys=np.array(["k"]), meta_values=np.array(["v"]))
    model = IntentModel.load(path)
    assert model.encoder_layers is None and model.encoder_pool is None and model.fast is None
    assert model.meta == {"k": "v"}
    np.savez(path, format_version=np.array(99))
    with pytest.raises(ValueError):
        IntentModel.load(path)


def test_decision_confidence_and_gate_choice():
    from triforce.router.classifier import decision_confidence
    from triforce.router.training import choose_gate

    probs = np.array([[0.9, 0.2], [0.6, 0.6]])
    chosen = np.array([[True, False], [True, True]])
    assert np.allclose(decision_confidence(probs, chosen), [0.9 * 0.8, 0.36])
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.4])
    fast = np.array([1, 1, 1, 0, 1, 0, 1], float)
    full = np.array([1, 1, 0, 1, 1, 1, 1], float)
    # Down to 0.7 the fast answers are right as often as the full model's (4 vs 4); at 0.6 they trail.
    assert choose_gate(conf, fast, full, floor=0.5) == pytest.approx(0.7)
    assert choose_gate(conf, fast, full, floor=0.75) == pytest.approx(0.8)
    assert choose_gate(conf, np.zeros(7), np.ones(7), floor=0.5) == 2.0  # never as good: never taken


def test_domain_evidence_and_cheap_column_layout():
    from triforce.router.features import DOMAIN_COLUMNS, Featurizer, domain_evidence
    from triforce.router.keywords import KeywordClassifier
    from triforce.router.text import assembly_mnemonics

    mnemonics = assembly_mnemonics()
    assert domain_evidence("what does git rebase -i do and why", mnemonics) == (0.0, 0.0)
    jsr, hexes = domain_evidence("why can't I JSR into another bank? STA $2100 AND #$0F", mnemonics)
    assert jsr == pytest.approx(np.log1p(3)) and hexes == pytest.approx(np.log1p(2))
    table = builtin_routes()
    plain = Featurizer(None, KeywordClassifier(table), embedding_dim=0, bow_buckets=64, bow_value=5.0,
                       use_keywords=True)
    with_domain = Featurizer(None, KeywordClassifier(table), embedding_dim=0, bow_buckets=64, bow_value=5.0,
                             use_keywords=True, domain_features=True)
    texts = ["optimize this LDA $00 loop", "hello"]
    a, b = plain.cheap_rows(texts, [True, False]), with_domain.cheap_rows(texts, [True, False])
    assert b.shape[1] == a.shape[1] + DOMAIN_COLUMNS and np.array_equal(b[:, : a.shape[1]], a)
    assert b[0, -2:] == pytest.approx([np.log1p(1), np.log1p(1)]) and not b[1, -2:].any()
    assert a[0, 0] == 1.0 and (a[0, 1:65] == 5.0).sum() >= 4  # has-code, then hashed words
