"""The numpy MiniLM encoder and tokenizer against the reference implementations."""

import json

import numpy as np
import pytest

from triforce.router.encoder import EncoderUnavailable, MiniLMEncoder, find_model_dir


@pytest.fixture(scope="module")
def encoder():
    return MiniLMEncoder(max_tokens=256)


def _queries(shared, n):
    lines = (shared / "routing" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["query"] for line in lines[:n]] + [
        "héllo wörld 日本語 naïve café", "LDA.w #$00,x : STA [$00],y ; comment", "", "a" * 300]


def test_tokenizer_matches_reference(encoder, shared):
    tokenizers = pytest.importorskip("tokenizers")
    reference = tokenizers.Tokenizer.from_file(str(find_model_dir() / "tokenizer.json"))
    reference.no_padding()
    reference.no_truncation()
    for text in _queries(shared, 300):
        assert encoder.tokenizer.encode(text, 100_000) == reference.encode(text).ids


# Reference embeddings computed once with sentence-transformers 6.2 on the same
# model files: first eight components and the projection on a fixed random probe.
REFERENCE = [
    ("this eats half my NMI budget",
     [0.04944, 0.07735, -0.00804, 0.0252, 0.01548, -0.07884, 0.03711, 0.00045], -0.19448),
    ("find the routine that draws hearts and make it faster",
     [0.03459, 0.05019, 0.00455, -0.0202, -0.08591, 0.01823, -0.03964, -0.09849], 0.66985),
    ("héllo wörld 日本語 naïve café LDA.w #$00,x",
     [-0.02455, -0.01436, 0.03965, -0.04626, -0.02215, -0.00743, 0.14408, -0.01012], 0.46304),
]


def test_embeddings_match_reference_values(encoder):
    probe = np.random.default_rng(65816).normal(size=384)
    ours = encoder.encode([text for text, _, _ in REFERENCE])
    for row, (_text, head, projection) in zip(ours, REFERENCE):
        assert np.abs(row[:8] - np.array(head)).max() < 2e-4
        assert abs(float(row @ probe) - projection) < 2e-3


@pytest.mark.slow
def test_embeddings_match_sentence_transformers_live(encoder, shared):
    """The same check against the live reference, where torch is installed."""
    st = pytest.importorskip("sentence_transformers")
    texts = _queries(shared, 6)
    reference = st.SentenceTransformer(str(find_model_dir()), device="cpu").encode(
        texts, normalize_embeddings=True)
    assert np.abs(encoder.encode(texts) - reference).max() < 1e-4


def test_batching_does_not_change_embeddings(encoder):
    texts = ["optimize this loop", "the game crashes when I enter the room after my hook runs"]
    together = encoder.encode(texts)
    apart = np.vstack([encoder.encode([t]) for t in texts])
    assert np.abs(together - apart).max() < 1e-5
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EncoderUnavailable):
        MiniLMEncoder(tmp_path)


def test_single_thread_path_matches_batched_path(encoder):
    """Small calls run BLAS on one thread, big ones use the default pool: same numbers."""
    from triforce.router.encoder import SINGLE_THREAD_MAX_TEXTS

    texts = [f"make routine {i} faster, it eats my NMI budget" for i in range(SINGLE_THREAD_MAX_TEXTS + 1)]
    pooled = encoder.encode(texts)
    single = np.vstack([encoder.encode([t]) for t in texts])
    assert np.abs(pooled - single).max() < 1e-5
    with encoder._blas_single_thread():
        assert np.abs(encoder.encode(texts[:1]) - single[:1]).max() < 1e-6


def test_gelu_matches_exact_erf_formula():
    import math

    from triforce.router.encoder import _gelu_inplace

    x = np.linspace(-8, 8, 4001).astype(np.float32)
    expected = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert np.abs(_gelu_inplace(x.copy()) - expected).max() < 2e-6


def test_layer_norm_matches_definition():
    from triforce.router.encoder import _layer_norm

    x = np.random.default_rng(3).normal(size=(2, 5, 384)).astype(np.float32)
    w = np.linspace(0.5, 1.5, 384).astype(np.float32)
    b = np.linspace(-1, 1, 384).astype(np.float32)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-12) * w + b
    assert np.abs(_layer_norm(x.copy(), w, b, 1e-12) - ref).max() < 1e-4


def test_layer_setting_runs_a_prefix_of_the_network(encoder):
    shallow = MiniLMEncoder(layers=3)
    assert shallow.layers == 3 and encoder.layers == shallow.total_layers == 6
    texts = ["optimize this loop", "what does $2100 do"]
    a, b = shallow.encode(texts), encoder.encode(texts)
    assert a.shape == b.shape and np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.abs(a - b).max() > 1e-2  # a different (shallower) representation
    # Padding in a batch does not change a shallow embedding either.
    assert np.abs(shallow.encode(texts[:1]) - a[:1]).max() < 1e-5
    for bad in (0, 7):
        with pytest.raises(EncoderUnavailable):
            MiniLMEncoder(layers=bad)
    with pytest.raises(EncoderUnavailable):
        MiniLMEncoder(layers=2, pool_layers=(1, 3))


def test_pooled_layers_sit_side_by_side(encoder):
    texts = ["optimize this loop", "write a routine that fades the screen in over 16 frames"]
    pooled = MiniLMEncoder(layers=3, pool_layers=(1, 3))
    both = pooled.encode(texts)
    assert pooled.dim == both.shape[1] == 768
    assert np.abs(both[:, 384:] - MiniLMEncoder(layers=3).encode(texts)).max() < 1e-5
    assert np.abs(both[:, :384] - MiniLMEncoder(layers=1).encode(texts)).max() < 1e-5

