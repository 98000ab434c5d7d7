"""Feature vectors for the intent classifier.

``[standardised sentence embedding | has-code flag | hashed word and word-pair
indicators | keyword confidences]``. The embedding carries meaning ("this eats
half my NMI budget" ~ optimization); the hashed words keep the sharp lexical
cues the embedding blurs ("hook", "document", "exploit").
"""

from __future__ import annotations

import re
import zlib
from itertools import pairwise

import numpy as np

_WORD = re.compile(r"[a-z0-9$#]+")


def hashed_words(text: str, buckets: int, value: float) -> np.ndarray:
    vector = np.zeros(buckets, dtype=np.float32)
    if buckets <= 0:
        return vector
    words = _WORD.findall(text.lower())
    tokens = set(words)
    tokens.update(f"{a} {b}" for a, b in pairwise(words))
    for token in tokens:
        vector[zlib.crc32(token.encode("utf-8")) % buckets] = value
    return vector


class Featurizer:
    """Turns (prose, has_code) into the classifier's feature rows.

    ``embed`` maps a list of texts to embeddings (the encoder, or a cache in
    front of it); ``keyword`` is the KeywordClassifier whose confidences join
    the features when ``use_keywords``.
    """

    def __init__(self, embed, keyword, *, embedding_dim: int, bow_buckets: int, bow_value: float, use_keywords: bool):
        self.embed = embed
        self.embedding_dim = embedding_dim
        self.keyword = keyword
        self.bow_buckets = bow_buckets
        self.bow_value = bow_value
        self.use_keywords = use_keywords

    def rows(self, texts: list[str], has_code: list[bool]) -> np.ndarray:
        embeddings = self.embed(texts)
        parts = []
        for text, emb, code in zip(texts, embeddings, has_code):
            row = [emb, np.array([float(code)], dtype=np.float32), hashed_words(text, self.bow_buckets, self.bow_value)]
            if self.use_keywords:
                row.append(np.array(self.keyword.features(text), dtype=np.float32))
            parts.append(np.concatenate(row))
        return np.vstack(parts) if parts else np.zeros((0, 0), dtype=np.float32)

    def dense_mask(self, width: int) -> np.ndarray:
        """Columns to standardise (all but the hashed word indicators)."""
        mask = np.ones(width, dtype=bool)
        start = self.embedding_dim + 1
        mask[start : start + self.bow_buckets] = False
        return mask
