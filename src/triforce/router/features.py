"""Feature vectors for the intent classifiers.

Full model: ``[standardised sentence embedding | has-code flag | hashed word
and word-pair indicators | keyword confidences]``. The embedding carries
meaning ("this eats half my NMI budget" ~ optimization); the hashed words keep
the sharp lexical cues the embedding blurs ("hook", "document", "exploit").

Fast model: the same row without the embedding (the "cheap" columns), so a
query it is sure about is answered without running the encoder.
"""

from __future__ import annotations

import re
import zlib
from itertools import pairwise

import numpy as np

_WORD = re.compile(r"[a-z0-9$#]+")


def hashed_buckets(text: str, buckets: int) -> list[int]:
    """Distinct buckets of the words and word pairs of ``text``."""
    if buckets <= 0:
        return []
    words = _WORD.findall(text.lower())
    tokens = set(words)
    tokens.update(f"{a} {b}" for a, b in pairwise(words))
    return sorted({zlib.crc32(token.encode("utf-8")) % buckets for token in tokens})


def hashed_words(text: str, buckets: int, value: float) -> np.ndarray:
    vector = np.zeros(buckets, dtype=np.float32)
    vector[hashed_buckets(text, buckets)] = value
    return vector


class Featurizer:
    """Turns (prose, has_code) into the classifiers' feature rows.

    ``embed`` maps a list of texts to embeddings (the encoder, or a cache in
    front of it; None for a featurizer that only makes cheap rows);
    ``keyword`` is the KeywordClassifier whose confidences join the features
    when ``use_keywords``, one column per intent of ``keyword_intents`` (the
    fitted model's intents: routes added by config later must not shift them).
    """

    def __init__(self, embed, keyword, *, embedding_dim: int, bow_buckets: int, bow_value: float, use_keywords: bool,
                 keyword_intents: list[str] | None = None):
        self.embed = embed
        self.embedding_dim = embedding_dim
        self.keyword = keyword
        self.keyword_intents = list(keyword_intents if keyword_intents is not None else keyword.intents)
        self.bow_buckets = bow_buckets
        self.bow_value = bow_value
        self.use_keywords = use_keywords

    @property
    def cheap_width(self) -> int:
        return 1 + self.bow_buckets + (len(self.keyword_intents) if self.use_keywords else 0)

    def cheap_rows(self, texts: list[str], has_code: list[bool], keyword_results=None) -> np.ndarray:
        """``[has-code | hashed words | keyword confidences]`` per text.
        ``keyword_results``: KeywordResults already computed for ``texts``."""
        out = np.zeros((len(texts), self.cheap_width), dtype=np.float32)
        intents = self.keyword_intents
        for row, (text, code) in enumerate(zip(texts, has_code)):
            out[row, 0] = float(code)
            buckets = hashed_buckets(text, self.bow_buckets)
            out[row, [1 + b for b in buckets]] = self.bow_value
            if self.use_keywords:
                result = keyword_results[row] if keyword_results is not None else self.keyword.classify(text)
                out[row, 1 + self.bow_buckets:] = [result.confidence(i) for i in intents]
        return out

    def rows(self, texts: list[str], has_code: list[bool], keyword_results=None, cheap: np.ndarray | None = None,
             embeddings: np.ndarray | None = None) -> np.ndarray:
        """Full rows; ``cheap`` / ``embeddings`` when already computed."""
        if not texts:
            return np.zeros((0, self.embedding_dim + self.cheap_width), dtype=np.float32)
        if cheap is None:
            cheap = self.cheap_rows(texts, has_code, keyword_results)
        if embeddings is None:
            embeddings = self.embed(texts)
        return np.hstack([np.asarray(embeddings, dtype=np.float32), cheap])

    def dense_mask(self, width: int) -> np.ndarray:
        """Columns to standardise (all but the hashed word indicators)."""
        mask = np.ones(width, dtype=bool)
        start = width - self.cheap_width + 1
        mask[start : start + self.bow_buckets] = False
        return mask
