"""Feature vectors for the intent classifiers.

Full model: ``[standardised sentence embedding | has-code flag | hashed word
and word-pair indicators | keyword confidences]``. The embedding carries
meaning ("this eats half my NMI budget" ~ optimization); the hashed words keep
the sharp lexical cues the embedding blurs ("hook", "document", "exploit").

Fast model: the same row without the embedding (the "cheap" columns), so a
query it is sure about is answered without running the encoder.
"""

from __future__ import annotations

import math
import re
import zlib
from itertools import pairwise

import numpy as np

_WORD = re.compile(r"[a-z0-9$#]+")
_HEX = re.compile(r"(?:\$|0x)[0-9a-f]{2,6}\b")
DOMAIN_COLUMNS = 2
# Mnemonics that are everyday English words count only when written in capitals.
_ENGLISH_MNEMONICS = frozenset({"and", "bit"})


def domain_evidence(text: str, mnemonics: frozenset[str]) -> tuple[float, float]:
    """log(1 + count) of 65816 mnemonics and of hex numbers named in the prose.
    One column for all mnemonics generalises where a word's own hashed column
    has seen too few examples ("why can't I just JSR into another bank?" is
    about the SNES; "what does git rebase -i do" is not)."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    named = sum(w in mnemonics and w not in _ENGLISH_MNEMONICS for w in words)
    named += sum(w.lower() in _ENGLISH_MNEMONICS for w in re.findall(r"\b[A-Z]{3}\b", text))
    return math.log1p(named), math.log1p(len(_HEX.findall(lowered)))


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
                 keyword_intents: list[str] | None = None, domain_features: bool = False):
        self.embed = embed
        self.domain_features = domain_features
        self._mnemonics = None
        self.embedding_dim = embedding_dim
        self.keyword = keyword
        self.keyword_intents = list(keyword_intents if keyword_intents is not None else keyword.intents)
        self.bow_buckets = bow_buckets
        self.bow_value = bow_value
        self.use_keywords = use_keywords

    @property
    def cheap_width(self) -> int:
        return (1 + self.bow_buckets + (len(self.keyword_intents) if self.use_keywords else 0)
                + (DOMAIN_COLUMNS if self.domain_features else 0))

    def cheap_rows(self, texts: list[str], has_code: list[bool], keyword_results=None) -> np.ndarray:
        """``[has-code | hashed words | keyword confidences | domain evidence]``
        per text. ``keyword_results``: KeywordResults already computed for ``texts``."""
        out = np.zeros((len(texts), self.cheap_width), dtype=np.float32)
        intents = self.keyword_intents
        if self.domain_features and self._mnemonics is None:
            from triforce.router.text import assembly_mnemonics

            self._mnemonics = assembly_mnemonics()
        for row, (text, code) in enumerate(zip(texts, has_code)):
            out[row, 0] = float(code)
            buckets = hashed_buckets(text, self.bow_buckets)
            out[row, [1 + b for b in buckets]] = self.bow_value
            if self.use_keywords:
                result = keyword_results[row] if keyword_results is not None else self.keyword.classify(text)
                out[row, 1 + self.bow_buckets: 1 + self.bow_buckets + len(intents)] = [
                    result.confidence(i) for i in intents]
            if self.domain_features:
                out[row, -DOMAIN_COLUMNS:] = domain_evidence(text, self._mnemonics)
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
