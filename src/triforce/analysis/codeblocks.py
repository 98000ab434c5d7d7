"""Finding the code in a text: fenced blocks of an answer, the user's code in a question.

Shared by the orchestrator (validation), the toolkit backend and the benchmark
evaluator, so every layer sees the same blocks in the same text.

Fenced blocks tagged ``asm``/``65816``/... or untagged are code; ``json`` and
other languages are not (a ```json block is a value, not a program). A fence
left open at the end — a stream that died — still yields its block, so a
partial answer is checked as far as it goes. The user's code may also arrive
unfenced (pasted into a chat); runs of lines that start with a 65816 mnemonic
(as known to ``triforce.isa``) or a label are taken as one block then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from triforce.isa import MNEMONICS

#: Fence info strings treated as 65816 source. Empty = untagged.
CODE_LANGS = frozenset({"", "asm", "65816", "65c816", "asar", "s", "assembly", "snes",
                        "wdc65816", "65xx", "6502", "ca65", "nasm", "x86asm"})

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$")
_LABEL = re.compile(r"^\s*(?:[A-Za-z_.][\w.]*:|\.[A-Za-z_][\w.]*|[-+]+)\s*(?:;.*)?$")
_INSTR = re.compile(r"^\s*(?:[A-Za-z_][\w.]*:\s*)?([A-Za-z]{3})(?:\.[bwlBWL])?(?:\s|;|$)")
_DIRECTIVE = re.compile(r"^\s*(?:org|db|dw|dl|dd|lorom|hirom|incsrc|incbin|freecode|freedata|"
                        r"pushpc|pullpc|macro|endmacro|if|else|endif|!\w+\s*=)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CodeBlock:
    index: int
    code: str
    lang: str
    line: int          # 1-based line of the first code line within the text
    closed: bool = True
    end: int = 0       # 0-based index of the closing fence line (last line when unclosed)

    @property
    def is_code(self) -> bool:
        return self.lang.lower() in CODE_LANGS


def fenced_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block of ``text`` in order (code or not); an open fence runs to the end."""
    blocks: list[CodeBlock] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, lang = match.group(1), match.group(2).strip().lower()
        start = i + 1
        j = start
        while j < len(lines) and not (lines[j].lstrip().startswith(fence[0] * len(fence))
                                      and lines[j].strip().strip(fence[0]) == ""):
            j += 1
        blocks.append(CodeBlock(len(blocks), "\n".join(lines[start:j]), lang, start + 1,
                                closed=j < len(lines), end=min(j, len(lines) - 1)))
        i = j + 1
    return blocks


def code_blocks(text: str) -> list[CodeBlock]:
    """The fenced blocks of ``text`` that hold 65816 source (renumbered from 0)."""
    out = [b for b in fenced_blocks(text) if b.is_code and b.code.strip()]
    return [CodeBlock(i, b.code, b.lang, b.line, b.closed, b.end) for i, b in enumerate(out)]


def looks_like_asm_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith(";"):
        return False
    match = _INSTR.match(line)
    if match and match.group(1).upper() in MNEMONICS:
        return True
    return bool(_LABEL.match(line) or _DIRECTIVE.match(line))


def unfenced_code(text: str, min_lines: int = 2) -> list[CodeBlock]:
    """Runs of assembly-looking lines outside any fence (comments and blanks may join a run)."""
    blocks: list[CodeBlock] = []
    run: list[str] = []
    run_start = 0
    instructions = 0

    def flush():
        nonlocal run, instructions
        while run and not run[-1].strip():
            run.pop()
        if instructions >= min_lines:
            blocks.append(CodeBlock(len(blocks), "\n".join(run), "", run_start + 1))
        run, instructions = [], 0

    for number, line in enumerate(text.split("\n")):
        if looks_like_asm_line(line):
            if not run:
                run_start = number
            run.append(line)
            instructions += 1
        elif run and (not line.strip() or line.strip().startswith(";")):
            run.append(line)
        else:
            flush()
    flush()
    return blocks


# One instruction written inline in prose: mnemonic, optional size suffix, optional operand.
_INLINE_INSTR = r"[A-Za-z]{3}(?:\.[bwlBWL])?(?:[ \t]+[#$%(\[\w][^\s:?!`]*)?"
_INLINE_RUN = re.compile(rf"(?<![\w$])({_INLINE_INSTR}(?:[ \t]*:[ \t]*{_INLINE_INSTR})+)")
_BACKTICKED = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def _instruction_parts(run: str) -> list[str] | None:
    parts = [p.strip() for p in run.split(":")]
    if all(p and p.split()[0].split(".")[0].upper() in MNEMONICS for p in parts):
        return parts
    return None


def inline_code(text: str) -> list[CodeBlock]:
    """Code written inside a sentence: ``LDA $10,x : STA $2118`` (asar's ``:`` joins
    statements on one line) or a backticked instruction. Every part must start with
    a 65816 mnemonic, so ordinary prose is not mistaken for code."""
    blocks: list[CodeBlock] = []
    for number, line in enumerate(text.split("\n")):
        candidates = [m.group(1) for m in _BACKTICKED.finditer(line)]
        candidates += [m.group(1) for m in _INLINE_RUN.finditer(line)]
        for candidate in candidates:
            parts = _instruction_parts(candidate)
            if parts and not any(b.code == "\n".join(parts) for b in blocks):
                blocks.append(CodeBlock(len(blocks), "\n".join(parts), "", number + 1))
    return blocks


def user_code(query: str) -> list[CodeBlock]:
    """The code the user gave: fenced blocks, else unfenced assembly runs, else
    instructions written inline in the question."""
    return code_blocks(query) or unfenced_code(query) or inline_code(query)
