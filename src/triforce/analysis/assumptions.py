"""What the user's words say about liveness and register widths.

"A is free after this", "flags don't matter", "X must survive", "only the
result in A matters", "$00-$0F is scratch", "8-bit A/X/Y", "16-bit A", or a
``SEP #$20`` written above the code become a live-out set, the list of
ignored items (each with the words that justify it), scratch memory ranges and
the widths on entry, for :func:`triforce.analysis.equivalence.check_equivalence`.

Nothing said means nothing ignored: ``live_out`` is None (compare everything).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Items a live-out set can name (equivalence.py compares these).
LIVE_ITEMS = ("A", "B", "X", "Y", "N", "V", "Z", "C", "mem")
FLAG_ITEMS = ("N", "V", "Z", "C")

_DEAD = re.compile(
    r"\b(free|dead|trash(?:ed)?|garbage|scratch|clobber(?:ed)?|unused|irrelevant|ignored|"
    r"don'?t[- ]care|do not care|doesn'?t matter|don'?t matter|does not matter|do not matter|"
    r"nobody cares|no one cares|can be (?:anything|destroyed|changed|overwritten|trashed|clobbered)|"
    r"not needed|isn'?t needed|aren'?t needed|nothing reads|never read|don'?t need|"
    r"doesn'?t (?:look at|read|use|need)|don'?t (?:look at|read|use|need))\b", re.I)
_LIVE = re.compile(
    r"\b(must (?:survive|stay|be kept|be preserved|come back|not change)|preserved?|preserving|"
    r"unchanged|intact|survive|keep|kept|restored?|needs? to (?:stay|survive)|"
    r"(?:leave|don'?t touch|do not touch|doesn'?t touch|does not touch)\b|"
    r"alone|untouched|expects?|matters?|is used|are used|looks? at|cares? about|reads?)\b", re.I)
_ONLY = re.compile(r"\b(only|just|the one thing|the only thing|nothing but|solely)\b", re.I)
_NEGATED_MATTER = re.compile(r"\b(doesn'?t|don'?t|does not|do not|never|no one|nobody|nothing)\b", re.I)

_REGISTER_FOLLOWERS = {
    "is", "are", "and", "or", "can", "must", "doesn't", "don't", "was", "will", "has",
    "holds", "matters", "afterwards", "after", "on", "register", "stays", "needs",
    "should", "may", "gets", "comes", "survives", "itself", "too", "as", "in",
}

_MENTIONS = [
    (re.compile(r"\bA\s*/\s*X\s*/\s*Y\b"), ("A", "X", "Y")),
    (re.compile(r"\bX\s*/\s*Y\b|\bX and Y\b|\bindex(?:es| registers?)\b", re.I), ("X", "Y")),
    (re.compile(r"\b(?:the )?flags\b|\bthe P register\b|\bstatus flags\b", re.I), FLAG_ITEMS),
    (re.compile(r"\bcarry\b", re.I), ("C",)),
    (re.compile(r"\boverflow flag\b", re.I), ("V",)),
    (re.compile(r"\bzero flag\b", re.I), ("Z",)),
    (re.compile(r"\bnegative flag\b", re.I), ("N",)),
    (re.compile(r"\baccumulator\b", re.I), ("A",)),
    (re.compile(r"\b(?:the )?(?:RAM|memory|bytes)\b", re.I), ("mem",)),
    (re.compile(r"\b(?:all )?(?:the )?registers\b", re.I), ("A", "X", "Y")),
    (re.compile(r"\bX\b(?!-)"), ("X",)),
    (re.compile(r"\bY\b(?!-)"), ("Y",)),
]
_A_TOKEN = re.compile(r"\bA\b(?!-)")
_ADDRESS_RANGE = re.compile(r"\$([0-9A-Fa-f]{2,6})(?:\s*(?:-|–|to|\.\.)\s*\$?([0-9A-Fa-f]{2,6}))?")
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)


@dataclass
class Assumptions:
    live_out: set[str] | None = None          # None: compare everything
    ignored: list[str] = field(default_factory=list)   # "X: 'X is free after this'"
    preserved: set[str] = field(default_factory=set)
    scratch: list[tuple[int, int]] = field(default_factory=list)
    m: int | None = None                      # widths on entry (1 = 8-bit), None: not said
    x: int | None = None
    width_source: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "live_out": sorted(self.live_out) if self.live_out is not None else None,
            "ignored": list(self.ignored), "preserved": sorted(self.preserved),
            "scratch": [list(r) for r in self.scratch], "m": self.m, "x": self.x,
            "width_source": list(self.width_source),
        }


def parse_assumptions(text: str, code: str = "") -> Assumptions:
    """Read liveness, scratch memory and entry widths from the user's words.

    ``code`` is the snippet being checked: REP/SEP written in the prose
    (outside fenced code) count as the state above the code.
    """
    prose = _FENCE.sub(" ", text or "")
    result = Assumptions()
    dead: dict[str, str] = {}
    live: set[str] = set()
    only: set[str] = set()
    for sentence in _sentences(prose):
        _read_widths(sentence, result)
        for clause in _clauses(sentence):
            _judge_clause(clause, result, dead, live, only)
    _read_widths_from_code_above(prose, result)
    if not dead and not only:
        result.preserved = live
        return result
    if only:
        keep = set(only) | live
        if "mem" not in only and "mem" not in dead:
            keep.add("mem")
        if "A" in keep and "A" not in dead and "A" in only and "B" not in only:
            pass  # "only A matters": A at its exit width, not the hidden high byte
        reason = {item: dead.get(item, "only " + ", ".join(sorted(only)) + " stated as mattering")
                  for item in LIVE_ITEMS if item not in keep}
    else:
        keep = set(LIVE_ITEMS) - set(dead)
        if "A" in dead:
            keep.discard("B")
            dead.setdefault("B", dead["A"])
        keep |= live
        reason = {item: dead[item] for item in LIVE_ITEMS if item not in keep and item in dead}
    result.live_out = keep
    result.preserved = live
    result.ignored = [f"{item}: \"{_short(reason.get(item, ''))}\"" for item in LIVE_ITEMS if item not in keep]
    return result


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+|;\s+", text)
    out = []
    for part in parts:
        # "X must survive, but Y is free": judge each side of a contrast on its own.
        out.extend(p for p in re.split(r",?\s+\b(?:but|while|whereas|though)\b\s+", part) if p.strip())
    return out


def _mentions(sentence: str) -> list[str]:
    found: list[str] = []
    taken = [False] * len(sentence)
    for pattern, items in _MENTIONS:
        for match in pattern.finditer(sentence):
            if any(taken[match.start():match.end()]):
                continue
            for i in range(match.start(), match.end()):
                taken[i] = True
            for item in items:
                if item not in found:
                    found.append(item)
    for match in _A_TOKEN.finditer(sentence):
        if any(taken[match.start():match.end()]):
            continue
        after = sentence[match.end():match.end() + 16]
        if re.match(r"\s*([,/')’.(:]|$|'s|’s)", after) or \
                (re.match(r"\s+(\S+)", after) and re.match(r"\s+(\S+)", after).group(1).lower().strip(",.") in _REGISTER_FOLLOWERS):
            if "A" not in found:
                found.insert(0, "A")
    return found


def _negated(sentence: str, hit: re.Match) -> bool:
    before = sentence[max(0, hit.start() - 20):hit.start()]
    return bool(_NEGATED_MATTER.search(before))


_WIDTH_WORDS = re.compile(r"\b(?:8|16)[- ]bit\b|\bsame way\b|\bwidths?\b", re.I)
# Live verbs whose object follows them ("keep X", "leave X alone", "looks at A").
_LIVE_BEFORE_OBJECT = re.compile(r"^(keep|kept|preserve|preserving|leave|don'?t touch|do not touch|"
                                 r"doesn'?t touch|does not touch|expects?|looks? at|cares? about|reads?)", re.I)


def _clauses(sentence: str) -> list[str]:
    """Comma pieces grouped so each clause carries one verdict:
    "Only A matters, X and flags are scratch" -> two clauses, while
    "A, X, Y and the flags are dead" stays one."""
    pieces = re.split(r",\s*(?:and\s+)?", sentence)
    clauses: list[str] = []
    current: list[str] = []
    for piece in pieces:
        current.append(piece)
        if _DEAD.search(piece) or _LIVE.search(piece):
            clauses.append(", ".join(current))
            current = []
    if current:
        if clauses:
            clauses[-1] = clauses[-1] + ", " + ", ".join(current)
        else:
            clauses.append(", ".join(current))
    return clauses


def _judge_clause(clause: str, result: "Assumptions", dead: dict, live: set, only: set) -> None:
    items = _mentions(clause)
    dead_hit = _DEAD.search(clause)
    live_hit = _LIVE.search(clause)
    scratch = _scratch_ranges(clause)
    if scratch and dead_hit:
        result.scratch.extend(scratch)
    if not items:
        return
    if _ONLY.search(clause) and live_hit and not _negated(clause, live_hit):
        only.update(items)
    elif dead_hit and not re.search(r"\b(?:don'?t|doesn'?t|do not|does not|never) touch", clause, re.I):
        for item in items:
            dead.setdefault(item, clause.strip())
    elif live_hit and not _negated(clause, live_hit) and not _WIDTH_WORDS.search(clause):
        live.update(_near_live_verb(clause, live_hit))


def _near_live_verb(clause: str, hit: re.Match) -> list[str]:
    """Items that are the subject (just before) or, for verbs like "keep", the object
    (just after) of the live verb; "cycles matter (no carry...)" names no item."""
    window_before = clause[max(0, hit.start() - 45):hit.start()]
    named = _mentions(window_before)
    if _LIVE_BEFORE_OBJECT.match(hit.group(0)):
        named += [i for i in _mentions(clause[hit.end():hit.end() + 45]) if i not in named]
    return named


def _scratch_ranges(sentence: str) -> list[tuple[int, int]]:
    ranges = []
    for match in _ADDRESS_RANGE.finditer(sentence):
        first = int(match.group(1), 16)
        last = int(match.group(2), 16) if match.group(2) else first
        if len(match.group(1)) > 4 and match.group(2) and len(match.group(2)) <= 4:
            last = (first & 0xFF0000) | last
        if last < first or last - first > 0x10000:
            continue
        ranges.append((first, last))
    return ranges


_WIDTH_PATTERNS = [
    (re.compile(r"\b(8|16)[- ]bit\s+(?:everything|all registers|registers)\b|\beverything\s+(?:is\s+)?(8|16)[- ]bit\b", re.I), "mx"),
    (re.compile(r"\b(8|16)[- ]bit\s+A\s*/\s*X\s*/\s*Y\b|\bA\s*/\s*X\s*/\s*Y\s+(?:are\s+|is\s+|all\s+)?(?:\w+\s+)?(8|16)[- ]bit\b"), "mx"),
    (re.compile(r"\b(8|16)[- ]bit\s+(?:A|accumulator)\b(?!\s*/)|\b(?:A|accumulator)\s+(?:is\s+|was\s+)?(?:already\s+|still\s+)?(?:in\s+)?\(?(8|16)[- ]bit\b"), "m"),
    (re.compile(r"\b(8|16)[- ]bit\s+(?:X\s*/\s*Y|index(?:es| registers?)?|X and Y)\b|"
                r"\b(?:X\s*/\s*Y|index(?:es| registers?)|X and Y)\s+(?:are\s+|is\s+)?(?:already\s+|still\s+)?\(?(8|16)[- ]bit\b", re.I), "x"),
]


def _read_widths(sentence: str, result: Assumptions) -> None:
    for pattern, target in _WIDTH_PATTERNS:
        for match in pattern.finditer(sentence):
            bits = next(g for g in match.groups() if g)
            flag = 1 if bits == "8" else 0
            if "m" in target and result.m is None:
                result.m = flag
                result.width_source.append(match.group(0))
            if "x" in target and result.x is None:
                result.x = flag
                result.width_source.append(match.group(0))
    for letter, name in (("m", "m"), ("x", "x")):
        match = re.search(rf"\b{letter}\s*=\s*([01])\b", sentence, re.I)
        if match and getattr(result, name) is None:
            setattr(result, name, int(match.group(1)))
            result.width_source.append(match.group(0))


def _read_widths_from_code_above(prose: str, result: Assumptions) -> None:
    """REP/SEP written in the prose ("after SEP #$20 I do...") set the entry widths."""
    from triforce.isa import MNEMONICS, status_bit
    from triforce.isa.queries import sets_widths_from_operand

    setters = "|".join(sorted(n for n in MNEMONICS if sets_widths_from_operand(n) is not None))
    for match in re.finditer(rf"\b({setters})\s+#\$?([0-9A-Fa-f]{{1,2}})\b", prose, re.I):
        value = int(match.group(2), 16)
        flag = sets_widths_from_operand(match.group(1))
        if value & status_bit("M") and result.m is None:
            result.m = flag
            result.width_source.append(match.group(0))
        if value & status_bit("X") and result.x is None:
            result.x = flag
            result.width_source.append(match.group(0))


__all__ = ["Assumptions", "FLAG_ITEMS", "LIVE_ITEMS", "parse_assumptions"]
