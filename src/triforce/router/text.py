"""Query text handling: separate the prose (the ask) from pasted code, and cut
the prose into clauses for multi-intent ordering.

Pasted code is labelled by its one-line ask (LABELS.md), so the classifiers
read the prose; whether code was pasted is kept as a feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 20_000  # longer input is cut: intent lives in the first lines
FENCE = re.compile(r"```.*?(```|\Z)", re.DOTALL)
DIRECTIVES = frozenset(
    ["org", "db", "dw", "dl", "dd", "incsrc", "incbin", "freecode", "freedata", "freespace", "pushpc", "pullpc", "lorom", "hirom", "sa1rom", "exlorom", "exhirom", "base", "warnpc", "macro", "endmacro", "if", "endif", "else", "table", "print", "padbyte", "pad", "fillbyte", "fill", "namespace", "assert", "rep", "skip", "bank", "autoclean"]
)
_LABEL_LINE = re.compile(r"^\s*[-+]+\s*$|^\s*[.!@A-Za-z_][\w.!]*:\s*(;.*)?$")
_CODE_LINE = re.compile(r"^\s*(?:[.!A-Za-z_][\w.!]*:|[-+]+)?\s*([A-Za-z]{2,10})(?:\.[bwlBWL])?(?:\s+(.*))?$")
_VERBS = (
    r"tell|explain|make|add|fix|write|document|hook|map|optimi[sz]e|speed|check|find|clean|"
    r"plan|show|comment|trace|give|protect|harden|clamp|integrate|insert|cut|shave|trim|see|"
    r"figure|patch|debug|list|chart|help|suggest|draw|generate|implement|code|refactor|"
    r"reorgani[sz]e|organi[sz]e|walk|annotate|guard|validate|sanity|sort|work|look|merge|"
    r"port|wire|chain|get|put|rewrite|convert|audit|break|squeeze|shrink|reduce|design|"
    r"can|could|is|are|how|what|why|where|which"
)
_CLAUSE_SPLIT = re.compile(
    r"(?:[.?!;]+\s+|\n+|,?\s+(?:and\s+)?then\s+|,\s*and\s+"
    rf"|\s+and\s+(?:also\s+)?(?=(?:then\s+)?(?:{_VERBS})\b)"
    rf"|,\s+(?=(?:please\s+)?(?:{_VERBS})\b)"
    r"|\s+(?:but|after\s+that|afterwards|before\s+that|once\s+that.s\s+done)\s+)",
    re.IGNORECASE,
)


def assembly_mnemonics() -> frozenset[str]:
    from triforce.isa import OPCODES

    return frozenset(op.mnemonic.lower() for op in OPCODES if op is not None)


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# Three plain words in a row ("into my bank", "is basically full") never
# occur in an operand: such a line is prose that starts with a mnemonic- or
# directive-like word ("JSL into my bank...", "if all 16 slots are in use...").
_ENGLISH_RUN = re.compile(r"(?:^|\s)[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}[,.?!]?){2,}(?:\s|$)")
# Directive operands are one expression or name: two plain words ("bank layout
# advice") are prose already.
_TWO_WORDS = re.compile(r"(?:^|\s)[A-Za-z]{2,}\s+[A-Za-z]{2,}(?:[\s,.?!]|$)")


def is_code_line(line: str, mnemonics: frozenset[str]) -> bool:
    if _LABEL_LINE.match(line):
        return True
    code = line.split(";", 1)[0]
    match = _CODE_LINE.match(code.split(" : ", 1)[0])  # asar: "CMP #$01 : BNE +"
    if not match:
        return False
    word = match.group(1).lower()
    operand = _QUOTED.sub('""', match.group(2) or "")
    if _ENGLISH_RUN.search(operand):
        return False
    if word in mnemonics:
        return True
    if _TWO_WORDS.search(operand):
        return False
    return word in DIRECTIVES and bool(match.group(2) or word in ("freecode", "freedata", "pushpc", "pullpc", "endmacro", "endif"))


@dataclass(frozen=True)
class QueryText:
    prose: str
    has_code: bool
    truncated: bool


def split_query(query: str, mnemonics: frozenset[str] | None = None) -> QueryText:
    """The prose of ``query`` (code fences and assembly lines removed)."""
    truncated = len(query) > MAX_QUERY_CHARS
    text = query[:MAX_QUERY_CHARS]
    has_code = "```" in text
    text = FENCE.sub("\n", text)
    mnemonics = mnemonics if mnemonics is not None else assembly_mnemonics()
    kept = []
    for line in text.splitlines():
        if line.strip() and is_code_line(line, mnemonics):
            has_code = True
            continue
        kept.append(line)
    prose = "\n".join(kept).strip()
    prose = re.sub(r"[ \t]+", " ", prose)
    prose = re.sub(r"\n\s*\n(\s*\n)+", "\n\n", prose)
    return QueryText(prose=prose, has_code=has_code, truncated=truncated)


def clauses(prose: str) -> list[str]:
    """The prose cut at sentence ends and joining words ("and then", ", and"...)."""
    parts = [p.strip(" ,") for p in _CLAUSE_SPLIT.split(prose) if p and p.strip(" ,")]
    return [p for p in parts if re.search(r"\w", p)]
