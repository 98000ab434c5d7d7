"""The orchestrator's view of code in text: finding it is ``analysis.codeblocks``'s
job (shared with the toolkit and the evaluator); this module adds what only the
orchestrator needs: notes placed after blocks, repeat detection, the user's defines.
"""

from __future__ import annotations

import re

from triforce.analysis.codeblocks import (  # noqa: F401  (re-exported for callers)
    CODE_LANGS, CodeBlock, code_blocks, fenced_blocks, inline_code, looks_like_asm_line,
    unfenced_code, user_code, _FENCE,
)

_DEFINE = re.compile(r"^\s*!([A-Za-z_][\w]*)\s*#?=\s*([^;]*?)\s*(?:;.*)?$")


def annotate(text: str, notes: dict[int, str]) -> str:
    """``text`` with ``notes[i]`` inserted after code block ``i`` (as numbered by code_blocks)."""
    if not notes:
        return text
    lines = text.split("\n")
    after: dict[int, str] = {}
    for block in code_blocks(text):
        if block.index in notes:
            after[block.end] = notes[block.index]
    out = []
    for number, line in enumerate(lines):
        out.append(line)
        if number in after:
            if number == len(lines) - 1 and _FENCE.match(line) is None:
                out.append("```")   # close a fence the stream left open before the note
            out.append("")
            out.append(after[number])
    return "\n".join(out)


def normalise(code: str) -> str:
    """Code without comments, blank lines, case or spacing differences (to spot a repeat)."""
    out = []
    for line in code.split("\n"):
        line = line.split(";", 1)[0].strip()
        if line:
            out.append(" ".join(line.lower().split()))
    return "\n".join(out)


def defines(code: str) -> dict[str, str]:
    """The asar defines a piece of code sets (``!name = value``), later ones winning —
    so a rewrite that uses the user's ``!RAM_PlayerX`` assembles without repeating it."""
    found: dict[str, str] = {}
    for line in code.split("\n"):
        match = _DEFINE.match(line)
        if match and match.group(2):
            found[match.group(1)] = match.group(2)
    return found
