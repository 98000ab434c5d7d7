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


def test_embeddings_match_sentence_transformers(encoder, shared):
    st = pytest.importorskip("sentence_transformers")
    texts = _queries(shared, 12)
    reference = st.SentenceTransformer(str(find_model_dir()), device="cpu").encode(
        texts, normalize_embeddings=True)
    ours = encoder.encode(texts)
    assert ours.shape == (len(texts), 384)
    assert np.abs(ours - reference).max() < 1e-4


def test_batching_does_not_change_embeddings(encoder):
    texts = ["optimize this loop", "the game crashes when I enter the room after my hook runs"]
    together = encoder.encode(texts)
    apart = np.vstack([encoder.encode([t]) for t in texts])
    assert np.abs(together - apart).max() < 1e-5
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EncoderUnavailable):
        MiniLMEncoder(tmp_path)
