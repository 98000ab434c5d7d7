"""Execution order of a multi-intent plan.

The prose is cut into clauses; each chosen intent is placed at the clause
that is most about it (per-clause classifier probabilities, falling back to
where its keywords first match), and clauses are read in text order except
where the wording reverses it ("before you optimize it, explain it",
"..., but first find the routine"). "find the routine that draws hearts and
make it faster" -> [analysis, optimization]; "optimize this and tell me what
you changed" -> [optimization, analysis].
"""

from __future__ import annotations

import re

_BEFORE = re.compile(r"^\s*(before|prior\s+to)\b", re.IGNORECASE)
_FIRST = re.compile(r"\b(but\s+first|first\s+of\s+all|first\s*,|first\s+(?=\w))", re.IGNORECASE)
_FIRST_AT_START = re.compile(r"^\s*(first|start\s+by)\b", re.IGNORECASE)


def clause_ranks(clauses: list[str]) -> list[float]:
    """Execution rank of each clause: text order adjusted by ordering words."""
    ranks = [float(i) for i in range(len(clauses))]
    for i, clause in enumerate(clauses):
        if _BEFORE.match(clause) and i + 1 < len(clauses):
            ranks[i] = i + 1.5  # "before X, do Y": Y happens first
        elif i > 0 and _FIRST.search(clause) and not _FIRST_AT_START.match(clause):
            ranks[i] = -1.0 + i / 100  # "do X, but first Y"
        elif i > 0 and re.match(r"^\s*(but\s+)?first\b", clause, re.IGNORECASE):
            ranks[i] = -1.0 + i / 100
    return ranks


def order_intents(
    chosen: list[str],
    *,
    scores: dict[str, float],
    clauses: list[str],
    clause_scores: list[dict[str, float]] | None,
    keyword_positions: dict[str, int],
    prose: str,
) -> list[str]:
    if len(chosen) < 2:
        return list(chosen)
    ranks = clause_ranks(clauses) if clauses else []
    # Character offset where each clause starts, to map keyword hits to clauses.
    starts = []
    cursor = 0
    lowered = prose.lower()
    for clause in clauses:
        found = lowered.find(clause.lower()[:20], cursor)
        starts.append(found if found >= 0 else cursor)
        cursor = max(cursor, found if found >= 0 else cursor)

    def clause_of_offset(offset: int) -> int:
        index = 0
        for i, start in enumerate(starts):
            if start <= offset:
                index = i
        return index

    def key(intent: str):
        clause_index = None
        if clause_scores and len(clause_scores) == len(clauses) > 1:
            best = max(range(len(clause_scores)), key=lambda c: (clause_scores[c].get(intent, 0.0), -c))
            if clause_scores[best].get(intent, 0.0) >= 0.2:
                clause_index = best
        if clause_index is None and intent in keyword_positions and starts:
            clause_index = clause_of_offset(keyword_positions[intent])
        rank = ranks[clause_index] if clause_index is not None and ranks else float(len(clauses))
        return (rank, keyword_positions.get(intent, 10**9), -scores.get(intent, 0.0))

    return sorted(chosen, key=key)
