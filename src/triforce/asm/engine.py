"""The pass driver: runs logical lines through conditionals, loops, macros and statements.

Each pass re-runs the whole source from a fresh :class:`PassState` (asar resets
defines, macros and positions per pass); labels, freespace and parse caches
live on the :class:`Context` across passes. Lines are split once per file and
statements parsed once per distinct text, so later passes cost little more
than label lookups and arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from triforce.asm import defines as D
from triforce.asm.context import AsmError, Context, FatalError, LineRecord, Macro, Write
from triforce.asm.lines import (
    SourceLine,
    normalize,
    quotes_paired,
    split_args,
    split_blocks,
)
from triforce.asm.nesting import record_body
from triforce.diagnostics import Severity

_LABEL_COLON = re.compile(r"^(#?[A-Za-z_?.][A-Za-z0-9_.]*):(?:\s+|$)")
_SUBLABEL = re.compile(r"^(\.+[A-Za-z0-9_][A-Za-z0-9_.]*)(?:\s+|$)")
_POSNEG = re.compile(r"^(\??(?:\++|-+)):?(?:\s+|$)")
_ASSIGN = re.compile(r"^([A-Za-z_.?][A-Za-z0-9_.]*)\s*=\s*(?!=)(.+)$")
_MACRO_HEAD = re.compile(r"^macro\s+([A-Za-z0-9_]+)\s*\((.*)\)\s*$", re.IGNORECASE)
_FOR_HEAD = re.compile(r"^([A-Za-z0-9_]+)\s*=\s*(.+?)(?:\.\.|\s+to\s+)(.+)$", re.IGNORECASE)

_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# a `<param>` left in a statement (none to resolve it here): what made the math fail
_LEFT_PARAM_REF = re.compile(r"<\^*(?:[A-Za-z_][A-Za-z0-9_]*|\.\.\.\[[^\]]*\]|[0-9]+)>")

_CONTROL = frozenset({"if", "elseif", "else", "endif", "while", "endwhile", "for", "endfor"})


@dataclass
class Cond:
    kind: str
    active: bool
    taken: bool
    parent_active: bool
    line_idx: int = 0
    block_idx: int = 0
    var: str = ""
    cur: int = 0
    end: int = 0
    saved: str | None = None      # the for variable's define before the loop


@dataclass(slots=True)       # one per macro call: slots make it cheap to build and read
class Frame:
    """Where lines come from: a file, or a macro call with its arguments."""

    args: dict = field(default_factory=dict)
    varargs: list = field(default_factory=list)
    macro: Macro | None = None


def first_word(block: str) -> str:
    cut = block.find(" ")
    return (block if cut < 0 else block[:cut]).lower()


def _scan_macro_refs(text: str):
    """Split a macro body line into (literal, parameter-or-None) pieces."""
    i = 0
    n = len(text)
    literal = []
    while True:
        j = text.find("<", i)
        if j < 0:
            literal.append(text[i:])
            yield "".join(literal), None
            return
        literal.append(text[i:j])
        nxt = text[j + 1:j + 2]
        if nxt == "<" and text[j + 2:j + 3] != ":":
            literal.append("<<")
            i = j + 2
            continue
        if nxt in (" ", ":", ""):
            literal.append("<")
            i = j + 1
            continue
        end = j + 1
        while end < n and text[end] not in "<>" and not (end + 1 < n and text[end + 1] == ":"):
            end += 1
        if end >= n or text[end] != ">":
            literal.append("<")
            i = j + 1
            continue
        yield "".join(literal), text[j + 1:end]
        literal = []
        i = end + 1


def _single_line_if(words, bi: int) -> bool:
    """An ``if`` with statements after it on its line and no endif/else there."""
    rest = words[bi + 1:]
    return bool(rest) and not any(w in ("endif", "else", "elseif") for w in rest) and any(rest)


def _dequote(arg: str) -> str:
    """asar passes a quoted macro argument without its quotes (``""`` is one quote)."""
    if len(arg) >= 2 and arg[0] == '"' and arg[-1] == '"':
        inner = arg[1:-1]
        if '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
    return arg


def _line_info(text: str) -> tuple:
    """(special, blocks, first words, parsed actions per block): 1 = macro header,
    2 = endmacro, 3 = plain statements only (no control word, ``rep`` or empty block),
    whose 65816 actions are kept here so later runs of the line skip every lookup."""
    if text[:6].lower() == "macro ":
        return 1, (), (), None, None
    if len(text) == 8 and text.lower() == "endmacro":
        return 2, (), (), None, None
    if ":" not in text:
        blocks = (text,)
        words = (first_word(text),)
        plain = text and words[0] not in _CONTROL and words[0] != "rep"
    else:
        blocks = split_blocks(text)
        words = tuple([first_word(b) for b in blocks])
        plain = all(blocks) and not any(w in _CONTROL or w == "rep" for w in words)
    if plain:
        # the last item holds the line's size for measuring passes, once known
        return 3, tuple(blocks), words, [None] * len(blocks), [None]
    return 0, tuple(blocks), words, None, None


def _explain(exc: AsmError, text: str, frame: Frame) -> AsmError:
    """Name the real cause when an expression fails on a leftover ``<param>``."""
    if exc.code.startswith("A1") and "<" in text:
        ref = _LEFT_PARAM_REF.search(text)
        if ref is not None:
            if frame.macro is None:
                return AsmError("A519", f"macro parameter {ref.group()} outside any macro")
            return AsmError("A516", f"macro parameter {ref.group()} not resolved in %{frame.macro.name}")
    return exc


class Engine:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        from triforce.asm.directives import DIRECTIVES
        from triforce.asm.statements import StatementRunner
        self.directives = DIRECTIVES
        self.stmts = StatementRunner(ctx, self)
        self.loop_counts: dict = {}
        # id(list of lines) -> (that list, the _line_info of each line as written)
        self.line_infos: dict = {}

    # ----- passes ------------------------------------------------------------------
    def run_pass(self, main_lines: list[SourceLine]) -> None:
        ctx = self.ctx
        self.loop_counts = {}
        self.run_lines(main_lines, Frame())
        self.stmts.close_freespace()
        if ctx.state.struct is not None:
            ctx.report("A712", "struct without endstruct")
        if ctx.state.spcblock is not None:
            ctx.report("A718", "spcblock without endspcblock")
        if ctx.state.pushpc and ctx.pass_no == ctx.final_pass:
            ctx.warn("W103", "pushpc without pullpc at end of assembly")

    # ----- lines -------------------------------------------------------------------
    def run_lines(self, lines: list[SourceLine], frame: Frame) -> None:
        ctx = self.ctx
        cond: list[Cond] = []
        line_cache = ctx.line_cache
        actions_for = self.stmts.actions_for
        run_actions = self.stmts.run_actions
        check_bank_cross = self.stmts.check_bank_cross
        advance = self.stmts.advance
        infos = None
        if frame.macro is None:
            # a file's lines (macro bodies are rebuilt every pass, so they are not kept)
            known = self.line_infos.get(id(lines))
            if known is None or known[0] is not lines or len(known[1]) != len(lines):
                # the list is kept with its infos, so its id cannot be reused meanwhile
                known = self.line_infos[id(lines)] = (lines, [None] * len(lines))
            infos = known[1]
        idx = 0
        start_block = 0
        count = len(lines)
        while idx < count:
            sl = lines[idx]
            line_idx = idx
            idx += 1
            ctx.cur = sl
            raw = sl[2]         # .text (indexing is the cheaper way to read it)
            if cond and not cond[-1].active:
                self._inactive_line(raw, cond, frame, start_block)
                start_block = 0
                continue
            info = infos[line_idx] if infos is not None else None
            if info is not None:
                # a line seen before that needed no substitution (only such are kept)
                text = raw
            elif frame.macro is None and "!" not in raw and "\\" not in raw:
                text = raw
            else:
                try:
                    text = raw
                    if frame.macro is not None:
                        text = self._macro_args(text, frame)
                    text = D.resolve(ctx, text)
                    if text != raw and ('"' in text or "'" in text) and not quotes_paired(text):
                        # a define or macro argument brought an unpaired quote in
                        raise AsmError("A101", "mismatched quotes after define substitution")
                except FatalError:
                    raise
                except AsmError as exc:
                    ctx.report_error(exc)
                    start_block = 0
                    continue
            if info is None:
                info = line_cache.get(text)
                if info is None:
                    info = line_cache[text] = _line_info(text)
                if text is raw and infos is not None:
                    # nothing substituted: the info is kept beside the line, so its next
                    # run needs no substitution check and no lookup by text
                    infos[line_idx] = info
            special, blocks, words, block_actions, measure = info
            if special == 3 and start_block == 0 and ctx.state.rep_count is None:
                # the common case: plain statements only. Their parsed actions are
                # kept with the line (65816 ones: a block may switch `arch`, so it is
                # checked per block), and each block reports its own error.
                final = ctx.pass_no == ctx.final_pass
                st = ctx.state
                if not final and st.arch == "65816":
                    size = measure[0]
                    if size is None:
                        size = measure[0] = self._measured_size(blocks, block_actions)
                    if size >= 0 and st.org_set and st.struct is None and st.bankcross != "off" \
                            and not ctx.asar2_freespace:
                        # all the line does in a measuring pass is take space: one
                        # `advance` for the line does what one per statement would
                        advance(size)
                        continue
                for bi, block in enumerate(blocks):
                    try:
                        if ctx.state.arch != "65816":
                            actions = actions_for(block)
                        else:
                            actions = block_actions[bi]
                            if actions is None:
                                actions = block_actions[bi] = actions_for(block)
                        run_actions(actions, frame)
                        if final:
                            check_bank_cross()
                    except FatalError:
                        raise
                    except AsmError as exc:
                        ctx.report_error(_explain(exc, block, frame))
                continue
            if special == 3:
                special = 0
            if special:
                if special == 1:
                    idx = self._define_macro(lines, line_idx, text, frame)
                else:
                    ctx.report("A502", "endmacro without macro")
                continue
            jump = None
            bi = start_block
            start_block = 0
            while bi < len(blocks):
                block = blocks[bi]
                if not block:
                    bi += 1
                    continue
                active = not cond or cond[-1].active
                word = words[bi]
                if word == "if" and active and _single_line_if(words, bi):
                    # `if cond : stmt...` without endif governs the rest of its line
                    try:
                        if not self._condition(block[2:].strip()):
                            break
                    except AsmError as exc:
                        ctx.report_error(exc)
                        break
                    bi += 1
                    continue
                if word in _CONTROL:
                    jump = self._control(word, block, cond, line_idx, bi, active)
                    if jump is not None:
                        break
                    bi += 1
                    continue
                if not active:
                    bi += 1
                    continue
                st = ctx.state
                if st.rep_count is not None and word != "rep":
                    times = st.rep_count
                    st.rep_count = None
                    if times > ctx.options.max_loop_iterations:
                        raise FatalError("A505", f"rep {times} is more than "
                                         f"{ctx.options.max_loop_iterations} repetitions")
                    seen = len(ctx.diagnostics)
                    for _ in range(times):
                        self._exec(block, frame)
                        if len(ctx.diagnostics) != seen:
                            if any(d.severity is Severity.ERROR for d in ctx.diagnostics[seen:]):
                                break       # one report, not one per repetition
                            seen = len(ctx.diagnostics)
                else:
                    self._exec(block, frame)
                bi += 1
            if jump is not None:
                idx, start_block = jump
        if ctx.state.rep_count is not None:
            ctx.state.rep_count = None
            ctx.report("A517", "rep with nothing after it to repeat")
        if cond:
            ctx.report("A503", f"unclosed {cond[-1].kind}")

    def _measured_size(self, blocks: tuple, block_actions: list) -> int:
        """Bytes a line of 65816 statements takes in a measuring pass when each one
        only takes space there (an instruction whose bytes or width never vary);
        -1 when any does more (a label, directive, macro call, branch...)."""
        total = 0
        try:
            for bi, block in enumerate(blocks):
                actions = block_actions[bi]
                if actions is None:
                    actions = block_actions[bi] = self.stmts.actions_for(block)
                for action in actions:
                    if action[0] == "raw":
                        total += len(action[1])
                    elif action[0] == "insn" and action[7] is not None:
                        total += 1 + action[7]      # `instruction` only advances by this
                    else:
                        return -1
        except AsmError:
            return -1
        return total

    def _exec(self, block: str, frame: Frame) -> None:
        ctx = self.ctx
        try:
            self.stmts.run_block(block, frame)
            if ctx.pass_no == ctx.final_pass:
                self.stmts.check_bank_cross()
        except FatalError:
            raise
        except AsmError as exc:
            ctx.report_error(_explain(exc, block, frame))

    def _inactive_line(self, raw: str, cond: list[Cond], frame: Frame, start_block: int) -> None:
        """Lines in a false branch: only track nesting (and elseif/else, which may switch on)."""
        ctx = self.ctx
        blocks = split_blocks(normalize(raw))
        for bi, block in enumerate(blocks):
            if bi < start_block:
                continue
            word = first_word(block)
            if word not in _CONTROL:
                continue
            if word == "if" and _single_line_if([first_word(b) for b in blocks], bi):
                break
            if word in ("elseif", "else") and cond and cond[-1].parent_active and not cond[-1].taken:
                try:
                    text = block
                    if frame.macro is not None:
                        text = self._macro_args(text, frame)
                    text = D.resolve(ctx, text)
                except AsmError as exc:
                    ctx.report_error(exc)
                    continue
                self._control(first_word(text), text, cond, 0, bi, not cond or cond[-1].active)
                rest = blocks[bi + 1:]
                if cond[-1].active and rest:
                    # the rest of this line now runs
                    for block2 in rest:
                        if first_word(block2) in _CONTROL:
                            self._control(first_word(block2), D.resolve(ctx, block2), cond, 0, 0,
                                          not cond or cond[-1].active)
                        elif cond[-1].active:
                            self._exec(D.resolve(ctx, block2), frame)
                    return
                continue
            self._control(word, block, cond, 0, bi, False)

    # ----- control flow --------------------------------------------------------------
    def _condition(self, text: str) -> bool:
        # asar 1.9: a label that moves between passes is an error in a condition
        return bool(self.ctx.eval_static(text, numeric=False, nonstatic_code="A308"))

    def _control(self, word: str, block: str, cond: list[Cond], line_idx: int, bi: int, active: bool):
        ctx = self.ctx
        arg = block[len(word):].strip()
        try:
            if word == "if":
                value = self._condition(arg) if active else False
                cond.append(Cond("if", active and value, value or not active, active))
            elif word == "elseif":
                if not cond or cond[-1].kind != "if":
                    raise AsmError("A504", "elseif without if")
                top = cond[-1]
                if top.parent_active and not top.taken:
                    value = self._condition(arg)
                    top.active = value
                    top.taken = value
                else:
                    top.active = False
            elif word == "else":
                if not cond or cond[-1].kind != "if":
                    raise AsmError("A504", "else without if")
                top = cond[-1]
                top.active = top.parent_active and not top.taken
                top.taken = True
            elif word == "endif":
                if cond and cond[-1].kind == "while":
                    # the old way to close a while, which asar 1.91 still takes (deprecated)
                    top = cond.pop()
                    if top.active:
                        return top.line_idx, top.block_idx
                    if top.parent_active and not ctx.endif_while_warned:
                        # asar reports this deprecation once per patch, not per loop
                        ctx.endif_while_warned = ctx.pass_no == ctx.final_pass
                        ctx.warn("W105", "closing a while with endif is deprecated; use endwhile")
                    return None
                if not cond or cond[-1].kind != "if":
                    raise AsmError("A504", "endif without if")
                cond.pop()
            elif word == "while":
                value = self._condition(arg) if active else False
                cond.append(Cond("while", value, value, active, line_idx, bi))
                key = (ctx.cur.file, ctx.cur.line, bi)
                if value:
                    n = self.loop_counts.get(key, 0) + 1
                    if n > ctx.options.max_loop_iterations:
                        cond[-1].active = False
                        raise FatalError("A505", f"while loop ran more than "
                                         f"{ctx.options.max_loop_iterations} times")
                    self.loop_counts[key] = n
                else:
                    self.loop_counts.pop(key, None)
            elif word == "endwhile":
                if not cond or cond[-1].kind != "while":
                    raise AsmError("A504", "endwhile without while")
                top = cond.pop()
                if top.active:
                    return top.line_idx, top.block_idx
            elif word == "for":
                m = _FOR_HEAD.match(arg)
                if active:
                    if not m:
                        raise AsmError("A506", "malformed for: expected 'for var = start..end'")
                    start = ctx.eval_static(m.group(2), nonstatic_code="A308")
                    end = ctx.eval_static(m.group(3), nonstatic_code="A308")
                    if end - start > ctx.options.max_loop_iterations:
                        raise FatalError("A505", "for loop has too many iterations")
                    run = start < end
                    var = m.group(1)
                    cond.append(Cond("for", run, run, True, line_idx, bi, var, start, end,
                                     ctx.state.defines.get(var)))
                    if run:
                        ctx.state.defines[var] = str(start)
                else:
                    cond.append(Cond("for", False, True, False, line_idx, bi))
            elif word == "endfor":
                if not cond or cond[-1].kind != "for":
                    raise AsmError("A504", "endfor without for")
                top = cond[-1]
                if top.active:
                    top.cur += 1
                    if top.cur < top.end:
                        ctx.state.defines[top.var] = str(top.cur)
                        return top.line_idx, top.block_idx + 1
                    # the loop variable is scoped to the loop, as in asar
                    if top.saved is None:
                        ctx.state.defines.pop(top.var, None)
                    else:
                        ctx.state.defines[top.var] = top.saved
                cond.pop()
        except FatalError:
            raise
        except AsmError as exc:
            ctx.report_error(exc)
            if word in ("if", "while", "for") and (not cond or cond[-1].kind != word or
                                                   cond[-1].line_idx != line_idx):
                cond.append(Cond(word, False, True, active, line_idx, bi))
        return None

    # ----- macros ------------------------------------------------------------------
    def _define_macro(self, lines: list[SourceLine], line_idx: int, text: str, frame: Frame) -> int:
        ctx = self.ctx
        head = _MACRO_HEAD.match(text)
        depth = 1
        idx = line_idx + 1
        body: list[SourceLine] = []
        while idx < len(lines):
            t = lines[idx].text
            low = t.lower()
            if low.startswith("macro "):
                depth += 1
            elif low == "endmacro":
                depth -= 1
                if depth == 0:
                    break
            body.append(lines[idx])
            idx += 1
        if depth:
            ctx.report("A507", "macro without endmacro")
        if not head:
            ctx.report("A508", f"malformed macro declaration: {text!r}")
            return idx + 1
        name = head.group(1)
        params = [p.strip() for p in head.group(2).split(",")] if head.group(2).strip() else []
        variadic = bool(params) and params[-1] == "..."
        if variadic:
            params = params[:-1]
        for p in params:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p):
                ctx.report("A509", f"invalid macro parameter name {p!r}")
                return idx + 1
        if len(set(params)) != len(params):
            ctx.report("A509", "duplicate macro parameter name")
            return idx + 1
        st = ctx.state
        if name in st.macros:
            ctx.report("A510", f"macro {name!r} redefined")
        if any("^" in sl.text for sl in body):
            # asar 2.0: `<^arg>` / `!^define` are resolved as the body is recorded
            body = record_body(ctx, body, frame, self._outer_param)
        st.macros[name] = Macro(name, tuple(params), variadic, body, ctx.cur.file, ctx.cur.line)
        return idx + 1

    def call_macro(self, text: str, frame: Frame) -> None:
        ctx = self.ctx
        st = ctx.state
        parsed = ctx.stmt_cache.get(("macro", text))
        if parsed is None:
            paren = text.find("(")
            if paren < 0 or not text.rstrip().endswith(")"):
                parsed = (text[1:].strip(), None)
            else:
                args_text = text[paren + 1:text.rstrip().rfind(")")]
                parsed = (text[1:paren].strip(),
                          tuple(_dequote(a) for a in split_args(args_text)) if args_text.strip() else ())
            ctx.stmt_cache[("macro", text)] = parsed
        name, args = parsed
        macro = st.macros.get(name)
        if macro is None:
            raise AsmError("A511", f"macro {name!r} not found")
        if args is None:
            raise AsmError("A512", f"macro call %{name} needs parentheses")
        args = list(args)
        if macro.variadic:
            if len(args) < len(macro.params):
                raise AsmError("A513", f"macro {name!r} expects at least {len(macro.params)} arguments")
        elif len(args) != len(macro.params):
            raise AsmError("A513", f"macro {name!r} expects {len(macro.params)} arguments, got {len(args)}")
        if st.macro_depth >= ctx.options.max_macro_depth:
            raise FatalError("A514", f"macro recursion deeper than {ctx.options.max_macro_depth} (in %{name})")
        inner = Frame(dict(zip(macro.params, args)), args[len(macro.params):], macro)
        saved = (st.macro_counter, st.macro_varargs, ctx.cur, st.macro_parents)
        st.macro_parents = []
        st.macro_depth += 1
        st.macro_calls += 1
        st.macro_counter = st.macro_calls
        st.macro_varargs = len(inner.varargs) if macro.variadic else None
        try:
            self.run_lines(macro.lines, inner)
        finally:
            st.macro_depth -= 1
            st.macro_counter, st.macro_varargs, ctx.cur, st.macro_parents = saved

    def _macro_args(self, text: str, frame: Frame) -> str:
        """Replace ``<name>`` (and, in variadic macros, ``<n>`` or ``<...[n]>``) the way
        asar 1.91 scans for them: ``<<``, ``<:`` and ``< `` are left alone."""
        if "<" not in text:
            return text
        ctx = self.ctx
        pieces = ctx.stmt_cache.get(("margs", text))
        if pieces is None:
            pieces = tuple(_scan_macro_refs(text))
            ctx.stmt_cache[("margs", text)] = pieces
        args = frame.args
        out = []
        for literal, param in pieces:
            out.append(literal)
            if param is not None and param.startswith("^"):
                # a parent-macro reference (asar 2.0) not meant for this depth: kept
                out.append(f"<{param}>")
                continue
            if param is not None:
                if "!" in param and not param.startswith("..."):
                    # a define picking the argument (`<!n>`) still works in asar 1.91, deprecated
                    ctx.warn("W106", f"<{param}> in %{frame.macro.name} (expansion "
                             f"{ctx.state.macro_counter}) is deprecated; use <...[{param}]>")
                if "!" in param:
                    param = D.resolve(ctx, param)
                out.append(self._macro_param(param, frame, args))
        return "".join(out)

    def _outer_param(self, name: str, frame: Frame) -> str:
        """An argument of the running macro, for a ``<^name>`` in a body being recorded."""
        if name.startswith("...[") and name.endswith("]"):
            if not frame.macro.variadic:
                raise AsmError("A515", f"<...[{name[4:-1]}]> in %{frame.macro.name}, "
                                       "which takes no variadic arguments")
            index = self.ctx.eval_int(name[4:-1])
            if not 0 <= index < len(frame.varargs):
                raise AsmError("A515", f"variadic argument index {index} out of range")
            return frame.varargs[index]
        if name in frame.args:
            return frame.args[name]
        raise AsmError("A516", f"macro parameter {name!r} not found in %{frame.macro.name}")

    def _macro_param(self, param: str, frame: Frame, args: dict) -> str:
        if param in args:
            return args[param]
        macro = frame.macro
        if param.startswith("...[") and param.endswith("]"):
            param = param[4:-1]
        elif not macro.variadic or (_PARAM_NAME.fullmatch(param) and self.ctx.lookup_label(param) is None):
            # in a variadic macro `<name>` may still be `<label>` (an index); otherwise not found
            raise AsmError("A516", f"macro parameter {param!r} not found in %{macro.name}")
        index = self.ctx.eval_int(param)
        if not 0 <= index < len(frame.varargs):
            raise AsmError("A515", f"variadic argument index {index} out of range")
        return frame.varargs[index]


# Records and writes are produced by the statement runner; re-exported for callers.
__all__ = ["Engine", "Frame", "LineRecord", "Severity", "Write"]
