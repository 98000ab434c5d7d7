"""asar defines: ``!name`` substitution (nested, inside strings too) and assignments.

``!x = v`` sets, ``!x += v`` appends, ``!x := v`` expands first, ``!x #= expr``
stores the evaluated number, ``!x ?= v`` sets only when undefined. An assignment
counts only at the start of a block, as in asar.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from triforce.asm import expr as X
from triforce.asm.context import AsmError
from triforce.asm.lines import normalize

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_ASSIGN_OPS = ((" = ", "set"), (" += ", "append"), (" := ", "expand"), (" #= ", "math"), (" ?= ", "default"))
MAX_DEPTH = 64
_SIMPLE_DEFINE = re.compile(r"!([A-Za-z0-9_]+)")
# an assignment may start the line or a block: `!x = 1`, `... : !x #= 2`
_ASSIGN_LIKE = re.compile(r"(?:^|\s:\s)!\S*\s(?:\+|:|#|\?)?=\s")


def valid_define_name(name: str) -> bool:
    return bool(name) and all(c in _NAME_CHARS for c in name)


def resolve(ctx, text: str, depth: int = 0) -> str:
    """Substitute defines in a line, performing any define assignments it holds."""
    if "!" not in text and "\\" not in text:
        return text
    pieces = ctx.define_pieces.get(text)
    if pieces is None and "{" not in text and "\\" not in text and "^" not in text \
            and not _ASSIGN_LIKE.search(text):
        # literal text and define names alternate; split once per distinct line
        pieces = ctx.define_pieces[text] = tuple(_SIMPLE_DEFINE.split(text))
    if pieces is not None:
        defines = ctx.state.defines
        out = list(pieces)
        for i in range(1, len(out), 2):
            value = defines.get(out[i])
            if value is None:
                raise AsmError("A401", f"define !{out[i]} not found")
            if "!" in value or "\\" in value:
                if depth > MAX_DEPTH:
                    raise AsmError("A402", "define recursion too deep")
                value = resolve(ctx, value, depth + 1)
            out[i] = value
        return "".join(out)
    if depth > MAX_DEPTH:
        raise AsmError("A402", "define recursion too deep")
    defines = ctx.state.defines
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] == "\\":
            out.append("\\")
            i += 2
            continue
        if c == "\\" and i + 1 < n and text[i + 1] == "!":
            out.append("!")
            i += 2
            continue
        if c != "!":
            out.append(c)
            i += 1
            continue
        first = i == 0 or (i >= 3 and text[i - 3:i] == " : ")
        i += 1
        if i < n and text[i] == "^":
            # `!^name` belongs to a macro definition being recorded (asar 2.0);
            # a line that runs has no enclosing definition for it
            raise AsmError("A518", "!^ define reference outside a nested macro definition")
        if i < n and text[i] == "{":
            braces = 1
            j = i + 1
            while j < n and braces:
                if text[j] == "{":
                    braces += 1
                elif text[j] == "}":
                    braces -= 1
                j += 1
            if braces:
                raise AsmError("A403", "mismatched braces in define name")
            name = resolve(ctx, text[i + 1:j - 1], depth + 1)
            if not valid_define_name(name):
                raise AsmError("A404", f"invalid define name {name!r}")
            i = j
        else:
            j = i
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            name = text[i:j]
            i = j
        if first and name:
            for op, mode in _ASSIGN_OPS:
                if text.startswith(op, i):
                    i = _assign(ctx, text, i + len(op), name, mode, depth)
                    break
            else:
                op = None
            if op is not None:
                continue
        if not name:
            out.append("!")
            continue
        value = defines.get(name)
        if value is None:
            raise AsmError("A401", f"define !{name} not found")
        out.append(resolve(ctx, value, depth + 1))
    return "".join(out)


def _assign(ctx, text: str, i: int, name: str, mode: str, depth: int) -> int:
    n = len(text)
    if i < n and text[i] == '"':
        i += 1
        buf = []
        while True:
            if i >= n:
                raise AsmError("A405", "broken define declaration")
            if text[i] == '"':
                if i + 1 >= n or text[i + 1] == " ":
                    break
                if text[i + 1] == '"':
                    i += 1
                else:
                    raise AsmError("A405", "broken define declaration")
            buf.append(text[i])
            i += 1
        i += 1
        value = "".join(buf)
    else:
        j = i
        while j < n and text[j] != " ":
            j += 1
        value = text[i:j]
        i = j
    if i < n and not text.startswith(" : ", i):
        raise AsmError("A405", "broken define declaration")
    value = normalize(value)
    defines = ctx.state.defines
    if name in BUILTIN_DEFINES:
        raise AsmError("A406", f"cannot redefine built-in define !{name}")
    if mode == "set":
        defines[name] = value
    elif mode == "append":
        if name not in defines:
            raise AsmError("A401", f"define !{name} not found")
        defines[name] = defines[name] + value
    elif mode == "expand":
        defines[name] = resolve(ctx, value, depth + 1)
    elif mode == "math":
        ctx.found_nonstatic = False
        number = ctx.eval(resolve(ctx, value, depth + 1))
        if ctx.found_nonstatic:
            raise AsmError("A407", f"!{name} #= {value}: define math cannot use a label "
                           "that may move between passes")
        defines[name] = X.format_number(number)
    elif mode == "default":
        defines.setdefault(name, value)
    return i


BUILTIN_DEFINES = MappingProxyType({"assembler": "asar", "assembler_ver": "10901"})
