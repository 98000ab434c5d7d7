"""Calibrated multi-label intent classifier: one-vs-rest logistic regression
on sentence embeddings (plus keyword confidences and a has-code flag),
trained with numpy, saved as a small ``.npz``.

Each intent gets its own sigmoid, so several intents can fire at once; the
``general`` intent is a class like the others and wins when it is the most
probable or when no specialist reaches its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)   # version 1: no fast head, encoder depth = all layers


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class FastHead:
    """The encoder-free classifier: logistic regression on the cheap columns
    (has-code, hashed words, keyword confidences). ``gate``: the decision
    confidence (see :func:`decision_confidence`) at or above which its answer
    is taken without the encoder; chosen on out-of-fold predictions so that
    those answers are as accurate as the full model's."""

    weights: np.ndarray            # (cheap features, intents)
    bias: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    thresholds: np.ndarray         # (intents,)
    gate: float = 2.0              # > 1: never taken
    min_confidence: float = 0.0
    blend: float = 0.0             # weight of these probabilities in the full model's decision

    def predict_proba(self, cheap: np.ndarray) -> np.ndarray:
        return _sigmoid(((cheap - self.mean) / self.std) @ self.weights + self.bias)


def decision_confidence(probs: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Probability that a set decision is exactly right, reading each intent's
    sigmoid as independent: prod(p for chosen, 1 - p for the others).
    ``probs`` and the boolean ``chosen`` are (rows, intents)."""
    picked = np.where(chosen, probs, 1.0 - probs)
    return np.prod(np.clip(picked, 1e-6, 1.0), axis=-1)


@dataclass
class IntentModel:
    intents: list[str]
    weights: np.ndarray            # (features, intents)
    bias: np.ndarray               # (intents,)
    thresholds: np.ndarray         # (intents,) probability at which an intent counts
    mean: np.ndarray               # (features,) standardisation applied before the weights
    std: np.ndarray
    bow_buckets: int = 4096
    bow_value: float = 3.0
    use_keywords: bool = True
    meta: dict = field(default_factory=dict)
    encoder_layers: int | None = None   # transformer layers the encoder runs (None: all)
    encoder_pool: tuple[int, ...] | None = None  # layers whose pooled outputs make the embedding (None: the last)
    domain_features: bool = False       # the cheap columns end with features.domain_evidence
    fast: FastHead | None = None

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        return _sigmoid(((features - self.mean) / self.std) @ self.weights + self.bias)

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(
            tmp,
            format_version=np.array(FORMAT_VERSION),
            intents=np.array(self.intents),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            thresholds=self.thresholds.astype(np.float32),
            mean=self.mean.astype(np.float32),
            std=self.std.astype(np.float32),
            bow_buckets=np.array(self.bow_buckets),
            bow_value=np.array(self.bow_value),
            use_keywords=np.array(self.use_keywords),
            meta_keys=np.array(list(self.meta.keys()), dtype=str),
            meta_values=np.array([str(v) for v in self.meta.values()], dtype=str),
            encoder_layers=np.array(self.encoder_layers or 0),
            encoder_pool=np.array(self.encoder_pool or (), dtype=np.int64),
            domain_features=np.array(self.domain_features),
            **self._fast_arrays(),
        )
        tmp.replace(path)  # atomic: a reader never sees half a model

    def _fast_arrays(self) -> dict:
        if self.fast is None:
            return {}
        f = self.fast
        return {
            "fast_weights": f.weights.astype(np.float32), "fast_bias": f.bias.astype(np.float32),
            "fast_mean": f.mean.astype(np.float32), "fast_std": f.std.astype(np.float32),
            "fast_thresholds": f.thresholds.astype(np.float32),
            "fast_gate": np.array(f.gate), "fast_min_confidence": np.array(f.min_confidence),
            "fast_blend": np.array(f.blend),
        }

    @classmethod
    def load(cls, path: str | Path) -> IntentModel:
        with np.load(path, allow_pickle=False) as data:
            version = int(data["format_version"])
            if version not in READABLE_VERSIONS:
                raise ValueError(f"router model {path} has format {version}")
            fast = None
            if "fast_weights" in data.files:
                fast = FastHead(
                    weights=data["fast_weights"].astype(np.float32), bias=data["fast_bias"].astype(np.float32),
                    mean=data["fast_mean"].astype(np.float32), std=data["fast_std"].astype(np.float32),
                    thresholds=data["fast_thresholds"].astype(np.float32), gate=float(data["fast_gate"]),
                    min_confidence=float(data["fast_min_confidence"]),
                    blend=float(data["fast_blend"]) if "fast_blend" in data.files else 0.0,
                )
            layers = int(data["encoder_layers"]) if "encoder_layers" in data.files else 0
            pool = tuple(int(i) for i in data["encoder_pool"]) if "encoder_pool" in data.files else ()
            return cls(
                intents=[str(x) for x in data["intents"]],
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                thresholds=data["thresholds"].astype(np.float32),
                mean=data["mean"].astype(np.float32),
                std=data["std"].astype(np.float32),
                bow_buckets=int(data["bow_buckets"]),
                bow_value=float(data["bow_value"]),
                use_keywords=bool(data["use_keywords"]),
                meta=dict(zip((str(k) for k in data["meta_keys"]), (str(v) for v in data["meta_values"]))),
                encoder_layers=layers or None,
                encoder_pool=pool or None,
                domain_features=bool(data["domain_features"]) if "domain_features" in data.files else False,
                fast=fast,
            )


class _SplitMatrix:
    """A feature matrix as dense columns + the mostly-zero ones in coordinate
    form. The hashed word columns are >99% zeros: multiplying them densely
    made a fit ~10x slower (the matrix is memory-bound, not compute-bound)."""

    def __init__(self, x: np.ndarray, max_density: float = 0.05):
        density = (x != 0).mean(axis=0) if len(x) else np.zeros(x.shape[1])
        self.sparse_cols = np.flatnonzero(density <= max_density)
        self.dense_cols = np.flatnonzero(density > max_density)
        self.n = x.shape[0]
        self.dense = np.ascontiguousarray(x[:, self.dense_cols], dtype=np.float32)
        rows, cols = np.nonzero(x[:, self.sparse_cols])   # row-major: rows sorted
        self.rows, self.cols = rows, cols
        self.values = x[:, self.sparse_cols][rows, cols].astype(np.float32)
        self.row_starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else rows
        self.row_ids = rows[self.row_starts] if len(rows) else rows

    def matmul(self, w_dense: np.ndarray, w_sparse: np.ndarray) -> np.ndarray:
        out = self.dense @ w_dense
        if len(self.rows):
            contributions = w_sparse[self.cols] * self.values[:, None]
            out[self.row_ids] += np.add.reduceat(contributions, self.row_starts, axis=0)
        return out

    def t_matmul(self, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(X^T err) split as (dense part, sparse part)."""
        grad_sparse = np.zeros((len(self.sparse_cols), err.shape[1]), dtype=np.float32)
        if len(self.rows):
            weighted = err[self.rows] * self.values[:, None]
            for j in range(err.shape[1]):
                grad_sparse[:, j] = np.bincount(self.cols, weights=weighted[:, j], minlength=len(self.sparse_cols))
        return self.dense.T @ err, grad_sparse


def fit_logistic(
    features: np.ndarray,
    labels: np.ndarray,
    *,
    l2: float = 1e-3,
    epochs: int = 400,
    learning_rate: float = 0.05,
    sample_weight: np.ndarray | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest logistic regression by full-batch Adam; returns (W, b)."""
    n, d = features.shape
    c = labels.shape[1]
    rng = np.random.default_rng(seed)
    weights = rng.normal(0, 0.01, (d, c)).astype(np.float32)
    bias = np.zeros(c, dtype=np.float32)
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    sw = (sw / sw.sum()).astype(np.float32)
    x = _SplitMatrix(np.asarray(features, dtype=np.float32))
    labels = labels.astype(np.float32)
    dense, sparse = x.dense_cols, x.sparse_cols
    m_w = np.zeros_like(weights)
    v_w = np.zeros_like(weights)
    m_b = np.zeros_like(bias)
    v_b = np.zeros_like(bias)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    grad_w = np.empty_like(weights)
    for step in range(1, epochs + 1):
        p = _sigmoid(x.matmul(weights[dense], weights[sparse]) + bias)
        err = (p - labels) * sw[:, None]
        grad_w[dense], grad_w[sparse] = x.t_matmul(err)
        grad_w += l2 * weights
        grad_b = err.sum(axis=0)
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction1 = 1 - beta1**step
        correction2 = 1 - beta2**step
        weights -= learning_rate * (m_w / correction1) / (np.sqrt(v_w / correction2) + eps)
        bias -= learning_rate * (m_b / correction1) / (np.sqrt(v_b / correction2) + eps)
    return weights.astype(np.float32), bias.astype(np.float32)


def label_matrix(label_lists: list[list[str]], intents: list[str]) -> np.ndarray:
    index = {name: i for i, name in enumerate(intents)}
    y = np.zeros((len(label_lists), len(intents)), dtype=np.float64)
    for row, labels in enumerate(label_lists):
        for name in labels:
            if name in index:
                y[row, index[name]] = 1.0
    return y
