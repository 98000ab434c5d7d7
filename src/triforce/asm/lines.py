"""Source text -> logical lines, as asar prepares a file before assembling it.

Per physical line: ``;`` comments are cut (outside quotes) and whitespace
stripped; a line ending in ``,`` is joined with the next, and a line ending in
``\\`` continues on the next. Each logical line keeps
the number of its first physical line. Blocks on a line are separated by `` : ``.
"""

from __future__ import annotations

from typing import NamedTuple


class SourceLine(NamedTuple):
    # a NamedTuple, not a frozen dataclass: every source and macro line is one
    file: str
    line: int
    text: str


class LineError(Exception):
    def __init__(self, code: str, message: str, line: int):
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


def _find_comment(line: str) -> int:
    """Index of the first ``;`` outside quotes, or -1."""
    cut = line.find(";")
    if cut < 0:
        return -1
    if '"' not in line[:cut] and "'" not in line[:cut]:
        return cut
    quote = ""
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = ""
        elif c == '"' or c == "'" and i + 2 < len(line) and line[i + 2] == "'":
            quote = c
        elif c == ";":
            return i
    return -1


def _strip_comment(line: str) -> str:
    """Cut a ``;`` comment; ``;@`` reads as a space (asar 1.91 runs ``;@command`` lines)."""
    while True:
        cut = _find_comment(line)
        if cut < 0:
            return line
        if line[cut + 1:cut + 2] == "@":
            line = line[:cut] + " " + line[cut + 1:]
            continue
        return line[:cut]


def _remove_block_comments(raw: list[str]) -> list[str]:
    """asar 2.0 block comments: ``;[[`` (outside quotes) up to the next ``]]``.

    A block that opens at the start of a line ends that line, and what follows
    ``]]`` starts a new line (numbered where the ``]]`` is); a block opened after
    code joins the text after ``]]`` onto that code. Blocks do not nest. Lines
    keep their numbers: a line swallowed by a block becomes empty.

    A ``;[[`` that no later ``]]`` closes stays a plain line comment, as asar 1.91
    reads it (asar 2.0 rejects it, so no valid 2.0 source differs).
    """
    out = list(raw)
    last_close = max((i for i, line in enumerate(raw) if "]]" in line), default=-1)
    open_at = -1            # index of the line whose code a mid-line block continues
    block_line = -1         # line where the open block began (-1: none open)
    for phys, line in enumerate(raw):
        i = phys            # the line being built (a mid-line block joins onto its start)
        if block_line >= 0:
            end = line.find("]]")
            if end < 0:
                out[i] = ""
                continue
            rest = line[end + 2:]
            block_line = -1
            if open_at >= 0:
                out[open_at] += rest
                out[i] = ""
                line = out[open_at]
                i = open_at
                open_at = -1
            else:
                out[i] = rest
                line = rest
        while True:
            cut = _find_comment(line)
            if cut < 0 or line[cut + 1:cut + 3] != "[[":
                break
            end = line.find("]]", cut + 3)
            if end >= 0:
                line = line[:cut] + line[end + 2:]
                continue
            line = line[:cut]
            if last_close > phys:
                block_line = i
                open_at = i if line.strip(" \t") else -1
            break
        out[i] = line
    return out


def quotes_paired(text: str) -> bool:
    """asar's ``confirmquotes``: every ``"`` or ``'`` opened (whichever comes
    first) has its partner, so ``'"'`` is a character, not a stray quote."""
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            close = text.find(c, i + 1)
            if close < 0:
                return False
            i = close
        i += 1
    return True


def quotes_balanced(text: str) -> bool:
    return text.count('"') % 2 == 0


def split_source(text: str, filename: str) -> tuple[list[SourceLine], list[LineError]]:
    """Turn a file's text into logical lines (comments gone, continuations joined).

    As in asar 1.91: ``;`` starts a comment to the end of the line, except ``;@``,
    which asar 1.91 reads as a space so that ``;@command`` lines run; a line whose
    last character is a comma (outside quotes) continues on the next lines,
    skipping blank ones; a trailing backslash joins the next line. ``;[[ ... ]]``
    block comments are asar 2.0's (a 1.91 source never relies on ``;[[`` being a
    plain line comment that runs into a later ``]]``).
    """
    errors: list[LineError] = []
    text = text.removeprefix("\ufeff")     # a UTF-8 byte order mark is not part of line 1
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if ";[[" in text:
        raw = _remove_block_comments(raw)
    cleaned: list[str] = []
    for number, line in enumerate(raw, start=1):
        if ";" in line:
            line = _strip_comment(line)
        line = line.strip(" \t")
        if '"' in line and not quotes_balanced(line):
            errors.append(LineError("A101", "mismatched quotes", number))
            line = ""
        cleaned.append(line)

    out: list[SourceLine] = []
    make_line = tuple.__new__       # SourceLine is a NamedTuple: skip its keyword handling
    i = 0
    count = len(cleaned)
    while i < count:
        line = cleaned[i]
        first = i
        i += 1
        if not line:
            continue
        while i < count and line.endswith((",", "\\")):
            if line.endswith("\\"):
                line = line[:-1] + cleaned[i]
            else:
                line = line + cleaned[i]
            i += 1
        out.append(make_line(SourceLine, (filename, first + 1, normalize(line))))
    return out, errors


def normalize(text: str) -> str:
    """asar's ``qnormalize``: runs of whitespace outside quotes become one space."""
    if "  " not in text and "\t" not in text:
        return text
    out = []
    quote = False
    prev_space = False
    for c in text:
        if c == '"':
            quote = not quote
        if not quote and (c == " " or c == "\t"):
            if prev_space:
                continue
            out.append(" ")
            prev_space = True
            continue
        prev_space = False
        out.append(c)
    return "".join(out)


def split_blocks(text: str) -> list[str]:
    """Split a line at `` : `` outside quotes (asar's statement separator).

    Like asar, ``: :`` counts as two separators and a stray leading ``: `` or
    trailing `` :`` is an empty statement."""
    if text.startswith(": ") or text == ":":
        text = " " + text
    if text.endswith(" :"):
        text = text + " "
    while ": :" in text:
        text = text.replace(": :", ":  :")
    if " : " not in text:
        return [text]
    if '"' not in text:
        # no string to skip: every " : " separates (the scan below gives the same)
        return [block.strip() for block in text.split(" : ")]
    blocks = []
    quote = False
    start = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            quote = not quote
        elif not quote and c == ":" and i > 0 and text[i - 1] == " " and i + 1 < n and text[i + 1] == " ":
            blocks.append(text[start:i - 1].strip())
            start = i + 2
            i += 2
            continue
        i += 1
    blocks.append(text[start:].strip())
    return blocks


_NESTING_CHARS = "\"'()[]{}"


def split_args(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside quotes, parentheses and brackets."""
    if not any(c in text for c in _NESTING_CHARS):
        # nothing that could hide a separator (the scan below gives the same)
        return [part.strip() for part in text.split(sep)]
    parts = []
    depth = 0
    quote = ""
    start = 0
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = ""
            continue
        if c == '"' or c == "'" and i + 2 < len(text) and text[i + 2] == "'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == sep and depth <= 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def unquote(text: str) -> str | None:
    """The contents of a ``"..."`` string (``""`` inside is one quote), else None."""
    t = text.strip()
    if len(t) >= 2 and t[0] == '"' and t[-1] == '"':
        return t[1:-1].replace('""', '"')
    return None
