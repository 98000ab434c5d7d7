"""asar 2.0 nested macro definitions: references qualified by ``^`` depth.

A macro defined inside another macro is recorded when the outer one runs. While
a body line is recorded at definition depth ``d`` (1 for the lines of the macro
being defined, 2 inside a macro defined within it, ...), asar resolves exactly
the references written with ``d`` carets: ``<^name>`` / ``<^...[i]>`` take the
argument of the macro that is running (the one whose body holds the
definition), ``!^name`` the define's current value. References with another
number of carets are copied as they are, so ``<name>`` stays for the new macro's
own call and ``<^^name>`` waits for a deeper definition. Lines without a ``^``
are recorded unchanged, which is all asar 1.91 (no nested definitions) ever sees.
"""

from __future__ import annotations

from triforce.asm.context import AsmError

MAX_NESTING = 64
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def record_body(ctx, body: list, frame, param_value) -> list:
    """The body lines of a macro being defined, with depth-qualified references
    resolved as asar 2.0 records them. ``param_value(name, frame)`` gives an
    argument of the running macro (``frame``; None outside any macro)."""
    depth = 1
    out = []
    for line in body:
        text = line.text
        if "^" in text:
            try:
                if frame is not None and frame.macro is not None and "<" in text:
                    text = _macro_refs(ctx, text, depth, frame, param_value)
                if "!" in text:
                    text = resolve_at_depth(ctx, text, depth)
            except AsmError as exc:
                saved = ctx.cur
                ctx.cur = line
                ctx.report_error(exc)
                ctx.cur = saved
                continue            # as in asar, a line that fails is not recorded
            if text is not line.text:
                line = line._replace(text=text)
        low = text.lower()
        if low.startswith("macro "):
            depth += 1
        elif low == "endmacro":
            depth -= 1
        out.append(line)
    return out


def caret_count(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] == "^":
        end += 1
    return end - start


def _macro_refs(ctx, text: str, depth: int, frame, param_value) -> str:
    """Replace ``<`` + ``depth`` carets + parameter ``>`` (asar 2.0's scan, which
    also reads ``<<^x>`` as ``<`` followed by the reference ``<^x>``)."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c != "<":
            j = text.find("<", i)
            if j < 0:
                out.append(text[i:])
                break
            out.append(text[i:j])
            i = j
            continue
        nxt = text[i + 1:i + 2]
        if nxt == "<" and text[i + 2:i + 3] != ":":
            if text[i + 2:i + 3] == "^":
                out.append("<")
                i += 1
            else:
                out.append("<<")
                i += 2
            continue
        if nxt in (" ", ""):
            out.append("<")
            i += 1
            continue
        end = i + 1
        while end < n and text[end] not in "<>" and not (end + 1 < n and text[end + 1] == ":"):
            end += 1
        if end >= n or text[end] != ">":
            out.append("<")
            i += 1
            continue
        carets = caret_count(text, i + 1)
        if carets != depth:
            if carets > depth:
                raise AsmError("A518", f"{text[i:end + 1]} reaches {carets} macro levels up, but "
                                       f"this line is only {depth} definition level(s) deep")
            out.append(text[i:end + 1])
            i = end + 1
            continue
        name = text[i + 1 + carets:end]
        if name.startswith("...[") and name.endswith("]"):
            name = "...[" + resolve_at_depth(ctx, name[4:-1], depth) + "]"
        else:
            name = resolve_at_depth(ctx, name, depth)
        out.append(param_value(name, frame))
        i = end + 1
    return "".join(out)


def resolve_at_depth(ctx, text: str, depth: int, nesting: int = 0) -> str:
    """Substitute the defines written with exactly ``depth`` carets (``!^name``,
    ``!^{name}``); every other define reference is kept for later."""
    if "!" not in text:
        return text
    if nesting > MAX_NESTING:
        raise AsmError("A402", "define recursion too deep")
    defines = ctx.state.defines
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and text[i + 1:i + 2] in ("!", "\\"):
            out.append(text[i:i + 2])       # escapes survive until the line runs
            i += 2
            continue
        if c != "!":
            out.append(c)
            i += 1
            continue
        carets = caret_count(text, i + 1)
        if carets != depth:
            if carets > depth:
                raise AsmError("A518", f"!{'^' * carets} reaches {carets} macro levels up, but "
                                       f"this line is only {depth} definition level(s) deep")
            out.append(text[i:i + 1 + carets])
            i += 1 + carets
            continue
        j = i + 1 + carets
        if text[j:j + 1] == "{":
            close = text.find("}", j)
            if close < 0:
                raise AsmError("A403", "mismatched braces in define name")
            name = resolve_at_depth(ctx, text[j + 1:close], depth, nesting + 1)
            j = close + 1
        else:
            k = j
            while k < n and text[k] in _NAME_CHARS:
                k += 1
            name = text[j:k]
            j = k
        if not name:
            out.append(text[i:j])
            i = j
            continue
        value = defines.get(name)
        if value is None:
            raise AsmError("A401", f"define !{name} not found")
        out.append(resolve_at_depth(ctx, value, depth, nesting + 1))
        i = j
    return "".join(out)
