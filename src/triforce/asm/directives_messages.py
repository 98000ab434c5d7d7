"""asar directives that talk to the user: ``print``, ``assert``, ``error``, ``warn``.

Handlers are ``handler(runner, args, word, frame)`` like those in
:mod:`triforce.asm.directives`, which lists them in its table.
"""

from __future__ import annotations

from triforce.asm import expr as X
from triforce.asm.context import AsmError, require_args
from triforce.asm.lines import split_args, unquote


def _format_print(ctx, args: str) -> str:
    out = []
    for part in split_args(args):
        text = unquote(part)
        if text is not None:
            out.append(text)
            continue
        low = part.lower()
        if low == "pc":
            out.append(f"{ctx.state.snespos & 0xFFFFFF:06X}")
        elif low == "bytes":
            out.append(str(ctx.state.bytes_written))
        elif low == "freespaceuse":
            out.append(str(ctx.state.freespace_use))
        elif "(" in part and part.rstrip().endswith(")") and low.split("(")[0].strip() in ("dec", "hex", "bin", "double"):
            fn = low.split("(")[0].strip()
            inner = split_args(part[part.find("(") + 1:part.rstrip().rfind(")")])
            if not 1 <= len(inner) <= 2:
                raise AsmError("A125", f"{fn}() takes 1 or 2 arguments")
            value = ctx.eval(inner[0])
            if isinstance(value, str):
                raise AsmError("A119", f"{fn}() needs a number, got a string")
            width = ctx.eval_int(inner[1]) if len(inner) > 1 else 0
            if not 0 <= width <= 64:
                raise AsmError("A125", f"{fn}() width/precision {width} out of range")
            out.append(_format_number_as(fn, value, width))
        else:
            out.append(X.format_number(ctx.eval(part)))
    return "".join(out)


def _format_number_as(fn: str, value, width: int) -> str:
    """asar's dec()/hex()/bin() (zero-padded to ``width``) and double() (``width``
    decimals, 5 by default, trailing zeros dropped)."""
    if fn == "double":
        try:
            text = f"{float(value):.{width or 5}f}"
        except OverflowError:
            text = "inf"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    number = X.to_int(value)
    if fn == "dec":
        return str(number).rjust(width, "0") if number >= 0 else "-" + str(-number).rjust(width, "0")
    if number < 0:
        number &= 0xFFFFFFFFFFFFFFFF
    return format(number, "X" if fn == "hex" else "b").rjust(width, "0")


def d_print(runner, args, word, frame):
    ctx = runner.ctx
    if ctx.pass_no == ctx.final_pass:
        ctx.prints.append(_format_print(ctx, args))


def d_assert(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    if ctx.pass_no != ctx.final_pass:
        return
    parts = split_args(args)
    if not ctx.eval(parts[0]):
        message = _format_print(ctx, ",".join(parts[1:])) if len(parts) > 1 else "assertion failed"
        raise AsmError("A701", f"assertion failed: {message}" if len(parts) > 1 else message)


def d_error(runner, args, word, frame):
    ctx = runner.ctx
    if ctx.pass_no == ctx.final_pass:
        raise AsmError("A702", _format_print(ctx, args) if args.strip() else "error command")


def d_warn(runner, args, word, frame):
    ctx = runner.ctx
    words = args.lower().split()
    if len(words) == 2 and words[0] == "bankcross" and words[1] in ("on", "off", "half", "full"):
        # the older spelling of `check bankcross` (on = full)
        ctx.state.bankcross = "full" if words[1] == "on" else words[1]
        return
    if ctx.pass_no == ctx.final_pass:
        ctx.warn("W701", _format_print(ctx, args) if args.strip() else "warn command")
