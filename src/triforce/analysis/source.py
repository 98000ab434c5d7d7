"""A light reader for asar source text, shared by the linter, the optimizer,
the assumption parser and the toolkit backend.

It does not assemble anything: it splits lines into statements (``a : b``),
labels, mnemonics and operands, and evaluates plain numeric operands. The
assembler stays the authority on what bytes come out; this reader exists so
that the analysis tools can reason about source lines (and point at them)
even when the code does not assemble.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from triforce.isa import MNEMONICS, Mode, by_mnemonic

_MAIN_LABEL = re.compile(r"^\s*([A-Za-z_][\w]*)\s*:(?!:)")
_SUB_LABEL = re.compile(r"^\s*(\.+[A-Za-z_][\w.]*)\s*:?")
_PLUS_MINUS = re.compile(r"^\s*([+-]+)(?=\s|$|:)\s*:?")
_WORD = re.compile(r"^\s*([A-Za-z_!%][\w!%.]*)")
_STATEMENT_SEPARATOR = re.compile(r"\s+:\s+")

DIRECTIVES = frozenset("""
db dw dl dd org base lorom hirom exlorom exhirom sa1rom fullsa1rom sfxrom norom
freecode freedata freespace autoclean incsrc incbin macro endmacro if else elseif
endif while endwhile table cleartable pushpc pullpc pushbase pullbase bank warnpc
print namespace function rep padbyte padword padlong paddword fillbyte fillword
filllong filldword pad fill skip assert arch math warn error check struct endstruct
spcblock endspcblock startpos nested optimize pushtable pulltable global
""".split())


@dataclass(frozen=True)
class Statement:
    """One statement of a source line: an instruction or a directive, with its labels."""

    line: int                 # 1-based line number
    col: int                  # 1-based column where the statement starts
    labels: tuple[str, ...]   # labels defined right before it ("Main", ".loop", "+", "--")
    mnemonic: str = ""        # upper-case 65816 mnemonic, "" when not an instruction
    suffix: str = ""          # ".b", ".w", ".l" or ""
    operand: str = ""         # operand text, stripped
    directive: str = ""       # lower-case directive name ("db", "org", ...) or ""
    text: str = ""            # the statement text without comment

    @property
    def is_instruction(self) -> bool:
        return bool(self.mnemonic)


def strip_comment(line: str) -> str:
    """Drop a ``;`` comment, ignoring semicolons inside quotes."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ";":
            return line[:index]
    return line


def parse_source(source: str) -> list[Statement]:
    """Split source text into statements (labels attach to the next statement)."""
    statements: list[Statement] = []
    pending: list[str] = []
    for number, raw in enumerate(source.splitlines(), start=1):
        text = strip_comment(raw).rstrip()
        if not text.strip():
            continue
        pieces = _STATEMENT_SEPARATOR.split(text)
        offset = 0
        for piece in pieces:
            col = text.find(piece, offset) + 1
            offset = max(col - 1, 0) + len(piece)
            rest, labels = _take_labels(piece)
            pending.extend(labels)
            rest = rest.strip()
            if not rest:
                continue
            lead = len(piece) - len(piece.lstrip())
            statement = _classify(number, col + lead, tuple(pending), rest)
            pending = []
            statements.append(statement)
    if pending:
        statements.append(Statement(line=len(source.splitlines()) or 1, col=1,
                                    labels=tuple(pending)))
    return statements


def _take_labels(text: str) -> tuple[str, list[str]]:
    labels: list[str] = []
    while True:
        match = _MAIN_LABEL.match(text)
        if match and match.group(1).upper() not in MNEMONICS:
            labels.append(match.group(1))
            text = text[match.end():]
            continue
        match = _SUB_LABEL.match(text)
        if match:
            labels.append(match.group(1))
            text = text[match.end():]
            continue
        match = _PLUS_MINUS.match(text)
        if match:
            labels.append(match.group(1))
            text = text[match.end():]
            continue
        return text, labels


def _classify(line: int, col: int, labels: tuple[str, ...], text: str) -> Statement:
    match = _WORD.match(text)
    word = match.group(1) if match else ""
    operand = text[match.end():].strip() if match else text
    base, _, suffix = word.partition(".")
    if base.upper() in MNEMONICS and suffix.lower() in ("", "b", "w", "l"):
        return Statement(line, col, labels, mnemonic=base.upper(),
                         suffix=("." + suffix.lower()) if suffix else "",
                         operand=operand, text=text)
    return Statement(line, col, labels, directive=word.lower(), operand=operand, text=text)


# ---------------------------------------------------------------- operands

_NUMBER = re.compile(r"^(?:\$([0-9A-Fa-f]+)|%([01]+)|([0-9]+)|'(.)')$")


def parse_number(text: str) -> tuple[int, int] | None:
    """``$1F`` / ``%0101`` / ``12`` / ``'a'`` -> (value, digits-as-bytes), else None.

    The second item is the width asar infers from how the literal is written
    (``$0010`` is two bytes even though its value fits in one).
    """
    match = _NUMBER.match(text.strip())
    if not match:
        return None
    hex_digits, bin_digits, dec_digits, char = match.groups()
    if hex_digits is not None:
        value = int(hex_digits, 16)
        return value, max(1, (len(hex_digits) + 1) // 2)
    if bin_digits is not None:
        value = int(bin_digits, 2)
        return value, max(1, (len(bin_digits) + 7) // 8)
    if dec_digits is not None:
        value = int(dec_digits)
        return value, _bytes_for(value)
    return ord(char), 1


def _bytes_for(value: int) -> int:
    if value <= 0xFF:
        return 1
    if value <= 0xFFFF:
        return 2
    return 3


@dataclass(frozen=True)
class Operand:
    """A parsed operand: its shape and, when it is a plain number, its value."""

    kind: str                  # "none", "imm", "addr", "acc", "block"
    base: str = ""             # the expression inside the addressing syntax
    index: str = ""            # "x", "y", "s" or ""
    indirect: str = ""         # "(", "[", "(x" for (d,x), "(s" for (d,s),y or ""
    value: int | None = None   # numeric value of ``base`` when it is a literal
    size: int | None = None    # bytes asar infers from the literal / suffix


def parse_operand(statement: Statement) -> Operand:
    text = statement.operand.strip()
    suffix_size = {".b": 1, ".w": 2, ".l": 3}.get(statement.suffix)
    if not text:
        return Operand("none")
    if text.upper() == "A":
        return Operand("acc")
    if text.startswith("#"):
        base = text[1:].strip()
        number = parse_number(base)
        value, size = (number if number else (None, None))
        return Operand("imm", base=base, value=value, size=suffix_size or size)
    if Mode.BLOCK in by_mnemonic(statement.mnemonic):
        return Operand("block", base=text)
    indirect = ""
    index = ""
    body = text
    lowered = body.lower().replace(" ", "")
    if lowered.endswith(",x") or lowered.endswith(",y") or lowered.endswith(",s"):
        if not (lowered.startswith("(") and lowered.endswith(",x)")):
            index = lowered[-1]
            body = body[: body.rfind(",")].strip()
            lowered = lowered[:-2]
    if lowered.startswith("[") and lowered.endswith("]"):
        indirect, body = "[", body.strip()[1:-1]
    elif lowered.startswith("(") and lowered.endswith(")") and _balanced(lowered[1:-1]):
        inner = body.strip()[1:-1].strip()
        inner_low = inner.lower().replace(" ", "")
        if inner_low.endswith(",x"):
            indirect, body = "(x", inner[: inner.rfind(",")].strip()
        elif inner_low.endswith(",s"):
            indirect, body = "(s", inner[: inner.rfind(",")].strip()
        else:
            indirect, body = "(", inner
    number = parse_number(body)
    value, size = (number if number else (None, None))
    return Operand("addr", base=body.strip(), index=index, indirect=indirect,
                   value=value, size=suffix_size or size)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# ---------------------------------------------------------------- code in prose

MAX_SCANNED_LINES = 4000   # bare asm is looked for in the first lines of a message only


def extract_code_blocks(text: str) -> list[str]:
    """Fenced code blocks (any tag but ``json``, as the benchmark format says); else
    the longest run of lines that look like asm; else instructions written inline
    in a sentence (``LDA $10,x : STA $2118``)."""
    from triforce.analysis.codeblocks import fenced_blocks, inline_code

    blocks = [b.code for b in fenced_blocks(text) if b.lang != "json" and b.code.strip()]
    if blocks:
        return blocks
    lines = text.splitlines()[:MAX_SCANNED_LINES]
    run: list[str] = []
    best: list[str] = []
    for line in lines:
        if looks_like_asm(line):
            run.append(line)
        elif run and not line.strip():
            run.append(line)
        else:
            if _count_instructions(run) > _count_instructions(best):
                best = run
            run = []
    if _count_instructions(run) > _count_instructions(best):
        best = run
    if _count_instructions(best):
        return ["\n".join(best).strip("\n")]
    return [b.code for b in inline_code("\n".join(lines))]


def _count_instructions(lines: list[str]) -> int:
    return sum(1 for line in lines if looks_like_asm(line))


def looks_like_asm(line: str) -> bool:
    """True for a line that is an instruction, a label or an asar directive."""
    text = strip_comment(line).strip()
    if not text:
        return False
    try:
        statements = parse_source(text)
    except RecursionError:  # pragma: no cover - defensive
        return False
    if not statements:
        return False
    first = statements[0]
    if first.mnemonic:
        return _plausible_operand(first)
    if first.directive in ("db", "dw", "dl", "dd", "org", "lorom", "hirom", "freecode",
                           "freedata", "incsrc", "incbin", "pushpc", "pullpc", "base",
                           "warnpc", "autoclean", "rep", "table"):
        return len(text.split()) <= 20 or first.directive in ("db", "dw", "dl", "dd")
    return bool(first.labels) and not first.directive and ":" in text and len(text) < 60


def _plausible_operand(statement: Statement) -> bool:
    # Prose like "and then lda the value" must not count: operands are short
    # and contain no spaces outside expressions.
    operand = statement.operand
    if len(operand) > 40:
        return False
    return len(operand.split()) <= 3


__all__ = [
    "DIRECTIVES", "Operand", "Statement", "extract_code_blocks", "looks_like_asm",
    "parse_number", "parse_operand", "parse_source", "strip_comment",
]
