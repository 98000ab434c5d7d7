"""Fitting the intent model: ``triforce route fit FILE.jsonl``.

Training rows = the labelled file + the routes' example utterances + the
packaged paraphrase set (``data/train_extra.jsonl``, written independently of
``dev.jsonl``). Thresholds are chosen on out-of-fold predictions of a k-fold
cross-validation over the labelled file, which also gives honest figures;
then the final model is fitted on everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from triforce.router.classifier import (
    FastHead,
    IntentModel,
    decision_confidence,
    fit_logistic,
    label_matrix,
)
from triforce.router.evaluate import EvalReport, evaluate
from triforce.router.features import Featurizer
from triforce.router.keywords import KeywordClassifier
from triforce.router.policies import select_threshold
from triforce.router.routes import GENERAL, RouteTable
from triforce.router.text import assembly_mnemonics, split_query

THRESHOLD_GRID = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
MIN_CONFIDENCE_GRID = (0.0, 0.1, 0.15, 0.2, 0.25)
BLEND_GRID = (0.0, 0.15, 0.25, 0.35, 0.5)   # weight of the fast head in the full decision


@dataclass
class FitOptions:
    bow_buckets: int = 4096
    bow_value: float = 5.0       # 5-fold CV: 3.0 -> 5.0 took exact 78.3% -> 80.0%, first 85.7% -> 87.0%
    use_keywords: bool = True
    l2: float = 1e-2
    epochs: int = 400
    folds: int = 5
    seed: int = 0
    combos: int = 600             # synthetic two-intent queries joined from single-intent ones
                                  # (600 beat 200 in 5-fold CV: exact 77.3% -> 78.3%)
    # The first 3 of MiniLM's 6 layers, the mean-pooled outputs of layers 2 and 3
    # side by side: half the encoder's cost. 5-fold CV, fast path on, exact / first
    # (seed 0; seed 1): 6 layers 83.3% / 89.3%; 3 layers, last pooled 83.0% / 89.0%;
    # pooled (1, 2, 3) 82.7% / 88.3% (82.0 / 88.0); pooled (2, 3) 83.7% / 88.7%
    # (83.7 / 89.0); 2 layers pooled (1, 2) 80.3% / 86.0%. With the fitted blend
    # of the fast head into the full decision, (2, 3): 84.0 / 88.7 (84.7 / 89.7).
    encoder_layers: int | None = 3
    encoder_pool: tuple[int, ...] | None = (2, 3)
    # Mnemonic and hex-number counts among the cheap columns. Off: 5-fold CV exact /
    # first / general P, seed 0: 84.0 / 89.0 / 95.8 (off: 84.0 / 88.7 / 92.0), seed 1:
    # 83.3 / 89.3 / 95.8 (off: 84.7 / 89.7 / 95.8), and the fast path's share fell 62% -> 50-56%.
    domain_features: bool = False
    fast_head: bool = True        # also fit the encoder-free fast head
    fast_l2: float = 1e-2
    fast_gate_floor: float = 0.5  # the fast path needs at least even odds of being exactly right


class CachedEncoder:
    """An encoder front that remembers every text it embedded (fit and CV
    embed the same prose many times)."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.dim = encoder.dim
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            for text, vector in zip(missing, self.encoder.encode(missing)):
                self.cache[text] = vector
        return np.vstack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


def builtin_examples(table: RouteTable) -> list[dict]:
    """Route example utterances + the packaged paraphrase set."""
    rows = [{"query": e, "intents": [r.intent]} for r in table.routes.values() for e in r.examples]
    text = resources.files("triforce.router").joinpath("data/train_extra.jsonl").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip():
            item = json.loads(line)
            if all(i in table.routes for i in item["intents"]):
                rows.append(item)
    return rows


_JOINS = ("{a} and then {b}", "{a}, then {b}", "{a}. after that {b}", "{a} and {b}", "first {a}, then {b}")


def synthesize_combos(rows: list[dict], count: int, seed: int = 0) -> list[dict]:
    """Two-intent training queries made by joining two short single-intent ones
    ("speed this up" + "comment it" -> [optimization, mapping]): the labelled
    data has few examples of most intent pairs."""
    singles = [r for r in rows if len(r["intents"]) == 1 and r["intents"][0] != GENERAL
               and "\n" not in r["query"] and len(r["query"]) < 160]
    if len(singles) < 2 or count <= 0:
        return []
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count * 3):
        a, b = (singles[i] for i in rng.choice(len(singles), 2, replace=False))
        if a["intents"] == b["intents"]:
            continue
        join = _JOINS[int(rng.integers(len(_JOINS)))]
        text = join.format(a=a["query"].rstrip(" .?!"), b=b["query"][:1].lower() + b["query"][1:])
        out.append({"query": text, "intents": [a["intents"][0], b["intents"][0]]})
        if len(out) >= count:
            break
    return out


def _featurize(rows, featurizer: Featurizer, mnemonics) -> np.ndarray:
    parts = [split_query(r["query"], mnemonics) for r in rows]
    return featurizer.rows([p.prose for p in parts], [p.has_code for p in parts])


def _standardise(x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = np.where(mask, x.mean(axis=0), 0.0).astype(np.float32)
    std = np.where(mask, x.std(axis=0) + 1e-3, 1.0).astype(np.float32)
    return mean, std


def fit_model(rows: list[dict], table: RouteTable, encoder, options: FitOptions,
              *, thresholds: dict[str, float] | None = None, min_confidence: float = 0.0,
              mnemonics=None) -> IntentModel:
    """The full model, and the fast head on the same rows' cheap columns."""
    intents = table.intents
    # Never more synthetic rows than real ones: a tiny file stays a quick fit.
    rows = rows + synthesize_combos(rows, min(options.combos, len(rows)), options.seed)
    keyword = KeywordClassifier(table)
    featurizer = Featurizer(encoder.encode, keyword, embedding_dim=encoder.dim,
                            bow_buckets=options.bow_buckets, bow_value=options.bow_value,
                            use_keywords=options.use_keywords, domain_features=options.domain_features)
    x = _featurize(rows, featurizer, mnemonics or assembly_mnemonics())
    mean, std = _standardise(x, featurizer.dense_mask(x.shape[1]))
    y = label_matrix([r["intents"] for r in rows], intents)
    weights, bias = fit_logistic((x - mean) / std, y, l2=options.l2, epochs=options.epochs, seed=options.seed)
    fast = None
    if options.fast_head:
        cheap = x[:, x.shape[1] - featurizer.cheap_width:]
        fast_mean, fast_std = _standardise(cheap, featurizer.dense_mask(cheap.shape[1]))
        fast_w, fast_b = fit_logistic((cheap - fast_mean) / fast_std, y, l2=options.fast_l2,
                                      epochs=options.epochs, seed=options.seed)
        fast = FastHead(fast_w, fast_b, fast_mean, fast_std, thresholds=np.full(len(intents), 0.5, np.float32))
    thresholds = thresholds or {}
    return IntentModel(
        intents=intents, weights=weights, bias=bias,
        thresholds=np.array([thresholds.get(i, 0.5) for i in intents], dtype=np.float32),
        mean=mean, std=std, bow_buckets=options.bow_buckets, bow_value=options.bow_value,
        use_keywords=options.use_keywords,
        meta={"min_confidence": min_confidence, "training_rows": len(rows)},
        encoder_layers=options.encoder_layers, encoder_pool=options.encoder_pool,
        domain_features=options.domain_features, fast=fast,
    )


@dataclass
class FastPathReport:
    """How the fast head did on the held-out queries of a cross-validation."""

    gate: float
    threshold: float
    min_confidence: float
    blend: float            # weight of the fast head's probabilities in the full decision
    share: float            # held-out queries the fast path answered
    accuracy: float         # exact match of those answers
    full_accuracy: float    # exact match of the full model on the same queries

    def to_dict(self) -> dict:
        return {k: round(float(v), 4) for k, v in self.__dict__.items()}


@dataclass
class CrossValidation:
    report: EvalReport
    predictions: list[list[str]]
    threshold: float
    min_confidence: float
    probabilities: np.ndarray = field(repr=False, default=None)
    full_report: EvalReport | None = None     # the full model alone (no fast path)
    fast: FastPathReport | None = None
    paths: list[str] = field(default_factory=list)
    models: list[IntentModel] = field(default_factory=list, repr=False)   # one per fold
    folds: list[np.ndarray] = field(default_factory=list, repr=False)     # held-out row indices


def _folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return [order[i::k] for i in range(k)]


def _chosen_sets(probabilities: np.ndarray, intents: list[str], threshold: float, min_conf: float) -> list[list[str]]:
    return [select_threshold(dict(zip(intents, p)), dict.fromkeys(intents, threshold), min_confidence=min_conf)
            for p in probabilities]


def tune_thresholds(probabilities: np.ndarray, gold: list[list[str]], intents: list[str]) -> tuple[float, float]:
    """The (threshold, min_confidence) pair with the best set match on held-out rows."""
    best = (-1.0, 0.5, 0.0)
    gold_sets = [set(g) for g in gold]
    for threshold in THRESHOLD_GRID:
        for min_conf in MIN_CONFIDENCE_GRID:
            chosen = _chosen_sets(probabilities, intents, threshold, min_conf)
            hits = sum(set(c) == g for c, g in zip(chosen, gold_sets))
            if hits > best[0]:
                best = (hits, threshold, min_conf)
    return best[1], best[2]


def choose_gate(confidence: np.ndarray, fast_right: np.ndarray, full_right: np.ndarray, *, floor: float) -> float:
    """The lowest confidence gate (at least ``floor``) at which the fast
    answers above it are right at least as often as the full model's answers
    to the same queries: the most queries skip the encoder at no loss."""
    order = np.argsort(-confidence, kind="stable")
    conf = confidence[order]
    fast_hits = np.cumsum(fast_right[order])
    full_hits = np.cumsum(full_right[order])
    gate = 2.0  # above any confidence: the fast path is never taken
    for k in range(len(conf)):
        if conf[k] < floor:
            break
        boundary = k + 1 == len(conf) or conf[k + 1] < conf[k]
        if boundary and fast_hits[k] >= full_hits[k]:
            gate = float(conf[k])
    return gate


def _tune_blend(full_probs, fast_probs, gold, intents) -> tuple[float, float, float]:
    """(blend, threshold, min_confidence) with the best held-out set match for
    the full decision on ``(1 - blend) * full + blend * fast`` probabilities."""
    gold_sets = [set(g) for g in gold]
    best = (-1, 0.0, 0.5, 0.0)
    for blend in BLEND_GRID:
        mixed = (1.0 - blend) * full_probs + blend * fast_probs
        threshold, min_conf = tune_thresholds(mixed, gold, intents)
        chosen = _chosen_sets(mixed, intents, threshold, min_conf)
        hits = sum(set(c) == g for c, g in zip(chosen, gold_sets))
        if hits > best[0]:
            best = (hits, blend, threshold, min_conf)
    return best[1], best[2], best[3]


def _tune_fast(fast_probs, full_probs, gold, intents, threshold, min_conf, floor) -> tuple[float, float, float]:
    """Fast head (threshold, min_confidence, gate) from out-of-fold probabilities."""
    fast_threshold, fast_min = tune_thresholds(fast_probs, gold, intents)
    fast_sets = _chosen_sets(fast_probs, intents, fast_threshold, fast_min)
    full_sets = _chosen_sets(full_probs, intents, threshold, min_conf)
    mask = np.array([[i in chosen for i in intents] for chosen in fast_sets])
    confidence = decision_confidence(fast_probs, mask)
    fast_right = np.array([set(c) == set(g) for c, g in zip(fast_sets, gold)], dtype=float)
    full_right = np.array([set(c) == set(g) for c, g in zip(full_sets, gold)], dtype=float)
    return fast_threshold, fast_min, choose_gate(confidence, fast_right, full_right, floor=floor)


def cross_validate(rows: list[dict], extra: list[dict], table: RouteTable, encoder,
                   options: FitOptions, *, progress=None) -> CrossValidation:
    """k-fold over ``rows`` (``extra`` always in training): thresholds and the
    fast-path gate tuned on the out-of-fold probabilities, then every held-out
    query routed by the real Router with its fold's model (once as shipped,
    fast path included, and once by the full model alone)."""
    from triforce.router.core import Router, RouterSettings

    mnemonics = assembly_mnemonics()
    k = max(2, min(options.folds, len(rows)))
    folds = _folds(len(rows), k, options.seed)
    intents = table.intents
    probabilities = np.zeros((len(rows), len(intents)), dtype=np.float32)
    fast_probabilities = np.zeros_like(probabilities)
    models = []
    for number, fold in enumerate(folds, start=1):
        held = {int(i) for i in fold}
        train = [r for i, r in enumerate(rows) if i not in held] + extra
        model = fit_model(train, table, encoder, options, mnemonics=mnemonics)
        featurizer = Featurizer(encoder.encode, KeywordClassifier(table), embedding_dim=encoder.dim,
                                bow_buckets=options.bow_buckets, bow_value=options.bow_value,
                                use_keywords=options.use_keywords, domain_features=options.domain_features)
        x = _featurize([rows[i] for i in fold], featurizer, mnemonics)
        probabilities[fold] = model.predict_proba(x)
        if model.fast is not None:
            fast_probabilities[fold] = model.fast.predict_proba(x[:, x.shape[1] - featurizer.cheap_width:])
        models.append(model)
        if progress:
            progress(f"fold {number}/{k} fitted")
    gold = [r["intents"] for r in rows]
    blend = 0.0
    threshold, min_conf = tune_thresholds(probabilities, gold, intents)
    fast_tuning = None
    if options.fast_head:
        blend, threshold, min_conf = _tune_blend(probabilities, fast_probabilities, gold, intents)
        probabilities = (1.0 - blend) * probabilities + blend * fast_probabilities
        fast_tuning = _tune_fast(fast_probabilities, probabilities, gold, intents, threshold, min_conf,
                                 options.fast_gate_floor)
    predictions: list[list[str]] = [[] for _ in rows]
    full_predictions: list[list[str]] = [[] for _ in rows]
    paths = [""] * len(rows)
    for fold, model in zip(folds, models):
        model.thresholds = np.full(len(intents), threshold, dtype=np.float32)
        model.meta["min_confidence"] = min_conf
        if model.fast is not None:
            fast_threshold, fast_min, gate = fast_tuning
            model.fast.thresholds = np.full(len(intents), fast_threshold, dtype=np.float32)
            model.fast.min_confidence, model.fast.gate, model.fast.blend = fast_min, gate, blend
        shipped = Router(table, model=model, settings=RouterSettings(mode="auto"), encoder=encoder)
        full = Router(table, model=model, settings=RouterSettings(mode="embedding"), encoder=encoder)
        for i in fold:
            decision = shipped.route(rows[int(i)]["query"])
            predictions[int(i)], paths[int(i)] = decision.intents, decision.path
            full_predictions[int(i)] = full.route(rows[int(i)]["query"]).intents
    fast_report = None
    if fast_tuning is not None:
        taken = [i for i, p in enumerate(paths) if p.startswith("fast")]
        fast_report = FastPathReport(
            gate=fast_tuning[2], threshold=fast_tuning[0], min_confidence=fast_tuning[1], blend=blend,
            share=len(taken) / len(rows) if rows else 0.0,
            accuracy=float(np.mean([predictions[i] == gold[i] for i in taken])) if taken else 0.0,
            full_accuracy=float(np.mean([full_predictions[i] == gold[i] for i in taken])) if taken else 0.0,
        )
    return CrossValidation(evaluate(gold, predictions, intents), predictions, threshold, min_conf, probabilities,
                           full_report=evaluate(gold, full_predictions, intents), fast=fast_report, paths=paths,
                           models=models, folds=folds)


def at_depth(encoder, layers: int | None, pool: tuple[int, ...] | None = None):
    """``encoder`` with the layer settings of a fit: a MiniLMEncoder with
    others is rebuilt on the same files (cheap: memory-mapped)."""
    from triforce.router.encoder import MiniLMEncoder

    if not isinstance(encoder, MiniLMEncoder):
        return encoder
    layers = layers or encoder.total_layers
    pool = tuple(pool) if pool else (layers,)
    if encoder.layers != layers or encoder.pool_layers != pool:
        encoder = MiniLMEncoder(encoder.model_dir, max_tokens=encoder.max_tokens, layers=layers, pool_layers=pool)
    return encoder


def fit(rows: list[dict], table: RouteTable, encoder, options: FitOptions | None = None,
        *, with_builtin: bool = True, progress=None) -> tuple[IntentModel, CrossValidation | None]:
    """Cross-validate on ``rows`` (when there are enough) to choose thresholds
    and the fast-path gate, then fit on ``rows`` + built-in examples.
    Returns (model, cv or None)."""
    options = options or FitOptions()
    extra = builtin_examples(table) if with_builtin else []
    if not isinstance(encoder, CachedEncoder):
        encoder = CachedEncoder(at_depth(encoder, options.encoder_layers, options.encoder_pool))
    cv = None
    threshold, min_conf = 0.45, 0.1
    if len(rows) >= 2 * options.folds:
        cv = cross_validate(rows, extra, table, encoder, options, progress=progress)
        threshold, min_conf = cv.threshold, cv.min_confidence
    model = fit_model(rows + extra, table, encoder, options,
                      thresholds=dict.fromkeys(table.intents, threshold), min_confidence=min_conf)
    model.meta.update({"threshold": threshold, "labelled_rows": len(rows)})
    if model.fast is not None:
        if cv is not None and cv.fast is not None:
            model.fast.thresholds = np.full(len(table.intents), cv.fast.threshold, dtype=np.float32)
            model.fast.min_confidence, model.fast.gate = cv.fast.min_confidence, cv.fast.gate
            model.fast.blend = cv.fast.blend
        else:
            model.fast.gate = 2.0  # no held-out evidence that the fast head is good enough
    if cv is not None:
        model.meta.update({"cv_exact": round(cv.report.exact, 4), "cv_top1": round(cv.report.top1, 4)})
        if cv.fast is not None:
            model.meta.update({"cv_fast_share": round(cv.fast.share, 4)})
    if GENERAL not in {i for r in rows + extra for i in r["intents"]} and progress:
        progress("warning: no 'general' examples; the general class is untrained")
    return model, cv


def fit_held_out(rows: list[dict], table: RouteTable, encoder, fitted: IntentModel,
                 *, fold: int = 0, folds: int = 5, seed: int = 0) -> tuple[IntentModel, list[int]]:
    """A model fitted without one fold of ``rows`` (plus the built-in examples),
    carrying ``fitted``'s thresholds, gate and meta; returns it with the held-out
    row indices. Benchmarks route those rows to see the fast path's share and the
    latency mix on queries the model has not seen."""
    held = sorted(int(i) for i in _folds(len(rows), folds, seed)[fold])
    held_set = set(held)
    train = [r for i, r in enumerate(rows) if i not in held_set] + builtin_examples(table)
    model = fit_model(train, table, CachedEncoder(encoder), FitOptions(seed=seed))
    model.thresholds, model.meta = fitted.thresholds, dict(fitted.meta)
    if model.fast is not None and fitted.fast is not None:
        model.fast.thresholds, model.fast.gate = fitted.fast.thresholds, fitted.fast.gate
        model.fast.min_confidence = fitted.fast.min_confidence
    return model, held
