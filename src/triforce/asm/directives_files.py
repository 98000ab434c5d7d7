"""asar directives that read other files: ``incsrc``, ``includeonce``, ``incbin``.

Handlers are ``handler(runner, args, word, frame)`` like those in
:mod:`triforce.asm.directives`, which lists them in its table.
"""

from __future__ import annotations

from triforce.asm.context import AsmError, FatalError, require_args
from triforce.asm.freespace import incbin_to_label
from triforce.asm.lines import unquote


def d_incsrc(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    name = unquote(args) or args.strip()
    lines, path_key = ctx.load_source(name)
    st = ctx.state
    if path_key in st.included_once:
        return
    st.include_depth = getattr(st, "include_depth", 0) + 1
    if st.include_depth > 64:
        st.include_depth -= 1
        raise FatalError("A604", "incsrc nested more than 64 deep")
    saved_span = ctx.cur
    saved_file = ctx.current_file
    ctx.current_file = path_key
    from triforce.asm.engine import Frame
    try:
        # asar 2.0: a file included from a macro sees that macro's arguments
        runner.engine.run_lines(lines, Frame(frame.args, frame.varargs, frame.macro)
                                if frame is not None and frame.macro is not None else Frame())
    finally:
        st.include_depth -= 1
        ctx.cur = saved_span
        ctx.current_file = saved_file


def d_includeonce(runner, args, word, frame):
    runner.ctx.state.included_once.add(runner.ctx.current_file)


def _incbin_range_side(ctx, text: str, pos: int) -> tuple[int, int]:
    """One side of asar's ``start-end``: ``(expr)`` is math, a bare number is hex (xkas)."""
    if text.startswith("(", pos):
        depth = 0
        for i in range(pos, len(text)):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                return ctx.eval_static(text[pos:i + 1], nonstatic_code="A309"), i + 1
        raise AsmError("A605", f"unbalanced parentheses in incbin range {text!r}")
    end = pos
    while end < len(text) and text[end] in "0123456789abcdefABCDEF":
        end += 1
    if end == pos:
        raise AsmError("A605", f"malformed incbin range {text!r}: expected start-end")
    return int(text[pos:end], 16), end


def _incbin_dash_range(ctx, text: str) -> tuple[int, int]:
    start, pos = _incbin_range_side(ctx, text, 0)
    if not text.startswith("-", pos):
        raise AsmError("A605", f"malformed incbin range {text!r}: expected start-end")
    end, pos = _incbin_range_side(ctx, text, pos + 1)
    if pos != len(text):
        raise AsmError("A605", f"malformed incbin range {text!r}: junk after the end")
    return start, end


def _plain_name(text: str) -> bool:
    """asar's confirmname: what ``incbin file -> X`` takes as a new label, not an address."""
    return bool(text) and not text[0].isdigit() and all(c.isalnum() or c == "_" for c in text) \
        and text.isascii()


def d_incbin(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    target = None
    if "->" in args:
        args, _, target = args.partition("->")
        target = target.strip()
    spec = args.strip()
    name = unquote(spec)
    start = end = None
    if name is None:
        q = spec.rfind('"')
        if spec.startswith('"') and q > 0 and spec[q + 1:].startswith(":"):
            name = spec[1:q]
            rng = spec[q + 2:]
        elif ":" in spec:
            name, _, rng = spec.partition(":")
        else:
            name, rng = spec, ""
        if rng:
            lo, sep, hi = rng.partition("..")
            if sep:
                start = ctx.eval_static(lo, nonstatic_code="A309") if lo.strip() else 0
                end = ctx.eval_static(hi, nonstatic_code="A309") if hi.strip() else None
            else:
                start, end = _incbin_dash_range(ctx, rng.strip())
    data = ctx.read_binary(name.strip())
    start = start or 0
    end = len(data) if end is None else end
    if not 0 <= start <= end <= len(data):
        raise AsmError("A605", f"incbin range {start}..{end} outside {name!r} ({len(data)} bytes)")
    chunk = data[start:end]
    if target is not None and _plain_name(target):
        incbin_to_label(runner, target, chunk)
        return
    if target is not None:
        addr = ctx.eval_int(target) if ctx.pass_no == ctx.final_pass or not target[:1].isalpha() else None
        if addr is None:
            lab = ctx.lookup_label(target)
            addr = lab.addr if lab is not None else 0x808000
        # pushpc/pullpc live in the main table module, which imports this one.
        from triforce.asm.directives import d_pullpc, d_pushpc

        d_pushpc(runner, "", "pushpc", frame)
        try:
            runner.set_org(addr & 0xFFFFFF)
            runner.emit(chunk)
        finally:
            d_pullpc(runner, "", "pullpc", frame)
        return
    runner.emit(chunk)
