"""asar directives: positions, data, files, output, mappers and scoping.

Each handler is ``handler(runner, args, word, frame)``; ``runner`` is the
:class:`~triforce.asm.statements.StatementRunner` of the current assembly.
Freespace, autoclean and prot live in :mod:`triforce.asm.freespace`, file
inclusion in :mod:`triforce.asm.directives_files`, print/assert/error/warn in
:mod:`triforce.asm.directives_messages`; this module holds the table of them all.
"""

from __future__ import annotations

from types import MappingProxyType

from triforce.asm import expr as X
from triforce.asm.context import AsmError, require_args
from triforce.asm.directives_files import d_incbin, d_includeonce, d_incsrc
from triforce.asm.directives_messages import (
    d_assert,
    d_error,
    d_print,
    d_warn,
)
from triforce.asm.freespace import FREESPACE_DIRECTIVES
from triforce.asm.lines import split_args, unquote
from triforce.asm.spcblock import SPCBLOCK_DIRECTIVES
from triforce.rom.mappers import ALIASES, MAPPERS


def _final(runner) -> bool:
    return runner.ctx.pass_no == runner.ctx.final_pass



# ----- positions -----------------------------------------------------------------------
def d_org(runner, args, word, frame):
    require_args(args, word)
    addr = runner.ctx.eval_static(args)
    if not 0 <= addr <= 0xFFFFFF:
        raise AsmError("A221", f"org address ${addr:X} is not a 24-bit address")
    runner.set_org(addr)


def d_base(runner, args, word, frame):
    require_args(args, word)
    st = runner.ctx.state
    runner.require_org()
    if args.strip().lower() == "off":
        st.snespos = st.realsnespos
        st.startpos = st.realstartpos
        st.base_active = False
        return
    addr = runner.ctx.eval_static(args)
    st.snespos = st.startpos = addr
    st.base_active = True


def d_skip(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    st = ctx.state
    runner.require_org()
    low = args.strip().lower()
    if low.startswith("align "):
        parts = low[6:].split(" offset ")
        align = ctx.eval_static(parts[0], nonstatic_code="A309")
        offset = ctx.eval_static(parts[1], nonstatic_code="A309") if len(parts) > 1 else 0
        if align <= 0 or align & (align - 1):
            raise AsmError("A222", "alignment must be a power of two")
        amount = (offset - st.snespos) % align
    else:
        amount = ctx.eval_static(args, nonstatic_code="A309")
    st.snespos += amount
    st.realsnespos += amount


def d_warnpc(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    limit = ctx.eval_int(args)
    runner.require_org()
    if ctx.pass_no != ctx.final_pass:
        return
    if ctx.state.freespace_id:
        raise AsmError("A232", "warnpc cannot be used in freespace (its address is not known)")
    if limit & ~0xFFFFFF:
        raise AsmError("A231", f"warnpc address ${limit:X} is not a 24-bit SNES address")
    if (ctx.state.snespos & 0xFFFFFF) > limit:
        raise AsmError("A223", f"warnpc: PC ${ctx.state.snespos & 0xFFFFFF:06X} is past ${limit:06X}")


def d_align(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    st = ctx.state
    runner.require_org()
    parts = args.lower().split(" offset ")
    align = ctx.eval_static(parts[0], nonstatic_code="A309")
    offset = ctx.eval_static(parts[1], nonstatic_code="A309") if len(parts) > 1 else 0
    if align <= 0 or align & (align - 1):
        raise AsmError("A222", "alignment must be a power of two")
    amount = (offset - st.snespos) % align
    runner.emit(_pattern(getattr(st, "fill_pattern", bytes((st.fillbyte,))), amount))


def _pattern(pattern: bytes, count: int) -> bytes:
    if count <= 0:
        return b""
    reps = count // len(pattern) + 1
    return (pattern * reps)[:count]


def d_fill(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    st = ctx.state
    if args.strip().lower().startswith("align "):
        return d_align(runner, args.strip()[6:], "align", frame)
    count = ctx.eval_static(args, nonstatic_code="A309")
    if count < 0 or count > ctx.options.max_output:
        raise AsmError("A224", f"fill count {count} out of range")
    runner.emit(_pattern(getattr(st, "fill_pattern", bytes((st.fillbyte,))), count))


def _set_pattern(runner, args, width, attr_byte, attr_pattern):
    ctx = runner.ctx
    value = ctx.eval_int(args)
    st = ctx.state
    setattr(st, attr_byte, value & 0xFF)
    setattr(st, attr_pattern, (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little"))


def d_fillbyte(runner, args, word, frame):
    require_args(args, word)
    width = {"fillbyte": 1, "fillword": 2, "filllong": 3, "filldword": 4}[word]
    _set_pattern(runner, args, width, "fillbyte", "fill_pattern")


def d_padbyte(runner, args, word, frame):
    require_args(args, word)
    width = {"padbyte": 1, "padword": 2, "padlong": 3, "paddword": 4}[word]
    _set_pattern(runner, args, width, "padbyte", "pad_pattern")


def d_pad(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    st = ctx.state
    runner.require_org()
    target = ctx.eval_static(args)
    here = st.realsnespos & 0xFFFFFF
    amount = target - here
    if amount > 0:
        # asar pads by ROM distance (pc), which differs from the address distance
        # when the pad runs over lorom's unmapped lower bank halves
        end_pc, start_pc = ctx.snes_to_pc(target), ctx.snes_to_pc(here)
        if end_pc >= 0 and start_pc >= 0:
            amount = end_pc - start_pc
    if amount > 0x1000000:
        raise AsmError("A224", "pad distance too large")
    if amount > 0:
        runner.emit(_pattern(getattr(st, "pad_pattern", bytes((st.padbyte,))), amount))


def d_pushpc(runner, args, word, frame):
    st = runner.ctx.state
    runner.require_org()
    st.pushpc.append((st.snespos, st.realsnespos, st.startpos, st.realstartpos,
                      st.freespace_id, st.base_active, getattr(st, "freespace_start", 0)))
    st.freespace_id = 0


def d_pullpc(runner, args, word, frame):
    st = runner.ctx.state
    if not st.pushpc:
        raise AsmError("A225", "pullpc without pushpc")
    runner.close_freespace()
    (st.snespos, st.realsnespos, st.startpos, st.realstartpos,
     st.freespace_id, st.base_active, st.freespace_start) = st.pushpc.pop()


def d_pushbase(runner, args, word, frame):
    st = runner.ctx.state
    st.pushbase.append(st.snespos if st.base_active else None)


def d_pullbase(runner, args, word, frame):
    st = runner.ctx.state
    if not st.pushbase:
        raise AsmError("A226", "pullbase without pushbase")
    base = st.pushbase.pop()
    # like `base`, restoring a base restarts the bank-cross check from there
    if base is None:
        st.snespos = st.realsnespos
        st.startpos = st.realstartpos
        st.base_active = False
    else:
        st.snespos = st.startpos = base
        st.base_active = True


# ----- data ------------------------------------------------------------------------------
_DATA_WIDTH = {"db": 1, "dw": 2, "dl": 3, "dd": 4}


def d_data(runner, args, word, frame):
    require_args(args, word)
    ctx = runner.ctx
    width = _DATA_WIDTH[word]
    items = ctx.stmt_cache.get(("data", args))
    if items is None:
        items = []
        for part in split_args(args):
            if not part:
                raise AsmError("A227", f"empty value in {word}")
            text = unquote(part) if '"' in part else None
            if text is not None:
                items.append(("s", text))
            else:
                # a constant is kept as its value: no evaluation in the final pass
                number = X.constant_value(part, ctx.token_cache)
                items.append(("e", part) if number is None else ("n", number))
        items = tuple(items)
        ctx.stmt_cache[("data", args)] = items
    runner.require_org()
    if ctx.pass_no != ctx.final_pass:
        runner.advance(sum(len(v) if k == "s" else 1 for k, v in items) * width)
        return
    mask = (1 << (8 * width)) - 1
    out = bytearray()
    for kind, value in items:
        if kind == "n":
            out += (value & mask).to_bytes(width, "little")
        elif kind == "s":
            for ch in value:
                out += (ctx.char(ch) & mask).to_bytes(width, "little")
        else:
            v = ctx.eval(value)
            if isinstance(v, str):
                for ch in v:
                    out += (ctx.char(ch) & mask).to_bytes(width, "little")
                continue
            out += (X.to_int(v) & mask).to_bytes(width, "little")
    runner.emit(bytes(out))


def d_table(runner, args, word, frame):
    ctx = runner.ctx
    st = ctx.state
    parts = split_args(args)
    name = unquote(parts[0]) if parts else None
    if name is None:
        raise AsmError("A228", "table needs a quoted file name")
    order = parts[1].strip().lower() if len(parts) > 1 else "ltr"
    if order not in ("ltr", "rtl"):
        raise AsmError("A229", f"table order must be ltr or rtl, not {order!r}")
    data = ctx.read_binary(name).decode("utf-8", "replace")
    table = {}
    for line in data.splitlines():
        if not line:
            continue
        # ltr: "a=01" (character first); rtl: "01=a"
        if order == "ltr":
            ch, eq, code = line[:1], line[1:2], line[2:]
        else:
            code, eq, ch = line.rpartition("=")
        try:
            if eq != "=" or not ch:
                raise ValueError
            value = int(code.strip(), 16)
        except ValueError:
            raise AsmError("A229", f"malformed table line {line!r}") from None
        table[ord(ch[0])] = value
    st.table = table


def d_cleartable(runner, args, word, frame):
    runner.ctx.state.table = {}


def d_pushtable(runner, args, word, frame):
    st = runner.ctx.state
    st.table_stack.append(dict(st.table))


def d_pulltable(runner, args, word, frame):
    st = runner.ctx.state
    if not st.table_stack:
        raise AsmError("A230", "pulltable without pushtable")
    st.table = st.table_stack.pop()


def d_check(runner, args, word, frame):
    ctx = runner.ctx
    sub, _, rest = args.strip().partition(" ")
    sub = sub.lower()
    if sub == "title":
        title = unquote(rest)
        if title is None:
            raise AsmError("A703", "check title needs a quoted title")
        ctx.title_expected = title
    elif sub == "bankcross":
        mode = rest.strip().lower()
        if mode not in ("off", "half", "full"):
            raise AsmError("A704", f"check bankcross takes off, half or full, not {mode!r}")
        ctx.state.bankcross = mode
    else:
        raise AsmError("A704", f"unknown check {sub!r}")


# ----- mappers and settings -------------------------------------------------------------------
def d_mapper(runner, args, word, frame):
    ctx = runner.ctx
    name = ALIASES.get(word, word)
    st = ctx.state
    if st.mapper_set and st.mapper != name and ctx.pass_no == ctx.final_pass:
        # asar 1.9x: changing an already-set mapper warns (mapper_already_set)
        ctx.warn("W108", f"{word}: a different mapper was already set")
    st.mapper = name
    st.mapper_obj = MAPPERS[name]
    if name == "sa1" and args.strip():
        banks = [ctx.eval_int(a) for a in split_args(args)]
        if len(banks) != 4 or not all(0 <= b <= 7 for b in banks):
            raise AsmError("A705", "sa1rom takes four bank numbers 0-7")
        st.sa1_banks = [banks[0] << 20, banks[1] << 20, -1, -1, banks[2] << 20, banks[3] << 20, -1, -1]
    st.mapper_set = True


def d_namespace(runner, args, word, frame):
    st = runner.ctx.state
    arg = args.strip()
    low = arg.lower()
    if low.startswith("nested "):
        st.namespace_nested = low.split()[1] == "on"
        return
    if low == "off":
        if st.namespace_nested and st.namespaces:
            st.namespaces.pop()
        else:
            st.namespaces = []
        return
    if not arg or not all(c.isalnum() or c == "_" for c in arg):
        raise AsmError("A706", f"invalid namespace name {arg!r}")
    if st.namespace_nested:
        st.namespaces.append(arg)
    else:
        st.namespaces = [arg]


def d_struct(runner, args, word, frame):
    ctx = runner.ctx
    st = ctx.state
    parts = args.split()
    if not parts:
        raise AsmError("A707", "struct needs a name")
    if st.struct is not None:
        raise AsmError("A708", "nested struct")
    name = parts[0]
    if len(parts) >= 3 and parts[1].lower() == "extends":
        parent = parts[2]
        info = st.structs.get(parent)
        lab = ctx.lookup_label(parent)
        if info is None or lab is None:
            if ctx.pass_no:
                raise AsmError("A130", f"struct {parent!r} not found")
            info, lab = (0, 0), None
        start = (lab.addr if lab else 0) + info[1]
        full = parent + "_" + name
        extends = parent
        is_static = lab.is_static if lab else False
    else:
        runner.require_org()
        # the start must be known now (asar: a label defined later is an error)
        start = ctx.eval_static(" ".join(parts[1:])) if len(parts) > 1 else st.snespos
        # asar: the fields are static labels only under a base address made of static values
        is_static = len(parts) > 1 and not ctx.found_nonstatic
        full = name
        extends = None
    runner.require_org()
    st.struct = {"name": full, "start": start, "extends": extends, "static": is_static,
                 "saved": (st.snespos, st.realsnespos, st.startpos, st.realstartpos, st.parents[:])}
    ctx.set_label(full, start, 0, is_static)
    st.snespos = st.realsnespos = start


def d_endstruct(runner, args, word, frame):
    ctx = runner.ctx
    st = ctx.state
    if st.struct is None:
        raise AsmError("A709", "endstruct without struct")
    size = st.snespos - st.struct["start"]
    low = args.strip().lower()
    obj = size
    if low.startswith("align"):
        align = ctx.eval_int(low[5:]) if low[5:].strip() else 1
        if align > 0 and obj % align:
            obj += align - obj % align
    st.structs[st.struct["name"]] = (obj, size)
    parent = st.struct["extends"]
    if parent is not None and parent in st.structs:
        # asar: one object of the parent spans its own fields plus its largest extension
        p_obj, p_size = st.structs[parent]
        st.structs[parent] = (max(p_obj, p_size + obj), p_size)
    st.snespos, st.realsnespos, st.startpos, st.realstartpos, st.parents = st.struct["saved"]
    st.struct = None


def d_function(runner, args, word, frame):
    ctx = runner.ctx
    head, eq, body = args.partition("=")
    head = head.strip()
    if not eq or "(" not in head or not head.endswith(")"):
        raise AsmError("A710", "malformed function: expected 'function name(args) = expression'")
    name = head[:head.find("(")].strip()
    params = [p.strip() for p in head[head.find("(") + 1:-1].split(",") if p.strip()]
    if not name or not all(p.replace("_", "a").isalnum() for p in params):
        raise AsmError("A710", "malformed function declaration")
    if len(set(params)) != len(params):
        raise AsmError("A710", "duplicate function parameter")
    ctx.state.functions[name] = (tuple(params), ctx.parse_expr(body.strip()))


def d_math(runner, args, word, frame):
    st = runner.ctx.state
    parts = args.lower().split()
    if len(parts) != 2 or parts[1] not in ("on", "off") or parts[0] not in ("pri", "round"):
        raise AsmError("A711", "expected 'math pri on|off' or 'math round on|off'")
    if parts[0] == "pri":
        st.math_pri = parts[1] == "on"
    else:
        st.math_round = parts[1] == "on"


def d_asar(runner, args, word, frame):
    ctx = runner.ctx
    text = args.strip()
    parts = text.split(".")
    try:
        major = int(parts[0])
        # "1.9" means 1.90 and "1.81" 1.81: the minor number is two decimal digits
        minor = int(parts[1].ljust(2, "0")[:2]) if len(parts) > 1 and parts[1] else 0
    except ValueError:
        raise AsmError("A714", f"invalid asar version {text!r}") from None
    if (major, minor) > (1, 91):
        raise AsmError("A715", f"this source needs asar {text}; asar 1.91 behaviour is emulated")
    if (major, minor) >= (1, 90):
        # an `asar 1.90` header asks for the new math: true precedence, no per-step rounding
        ctx.state.math_pri = True
        ctx.state.math_round = False


def d_bank(runner, args, word, frame):
    ctx = runner.ctx
    low = args.strip().lower()
    if low in ("noassume", "auto"):
        # auto: labels in the code's own bank are 16-bit; noassume: every label is long
        ctx.state.bank_assume = None if low == "auto" else 0x100
    else:
        ctx.state.bank_assume = ctx.eval_int(args) & 0xFF


def d_optimize(runner, args, word, frame):
    st = runner.ctx.state
    parts = args.lower().split()
    if len(parts) == 2 and parts[0] == "dp" and parts[1] in ("none", "ram", "always"):
        st.optimize_dp = parts[1]
    elif len(parts) == 2 and parts[0] == "address" and parts[1] in ("default", "ram", "mirrors"):
        st.optimize_address = parts[1]
    else:
        raise AsmError("A716", f"unknown optimize setting {args!r}")


def d_dpbase(runner, args, word, frame):
    runner.ctx.state.dp_base = runner.ctx.eval_int(args)


def d_undef(runner, args, word, frame):
    name = unquote(args)
    name = (name if name is not None else args.strip()).lstrip("!")
    if name not in runner.ctx.state.defines:
        raise AsmError("A401", f"define !{name} not found")
    del runner.ctx.state.defines[name]


def d_arch(runner, args, word, frame):
    name = args.strip().lower()
    st = runner.ctx.state
    if name in ("65816", "spc700", "superfx"):
        st.arch = name
    elif name == "spc700-raw":
        # asar: SPC700 code written straight to file offsets (norom), no mapper warning
        st.arch = "spc700"
        st.mapper = "norom"
        st.mapper_obj = MAPPERS["norom"]
        st.mapper_set = False
    else:
        raise AsmError("A717", f"architecture {args.strip()!r} is not supported "
                       "(65816, spc700, spc700-raw, superfx)")


def d_rep(runner, args, word, frame):
    count = runner.ctx.eval_static(args)
    runner.ctx.state.rep_count = max(count, 0)


def d_checksum(runner, args, word, frame):
    mode = args.strip().lower()
    if mode not in ("on", "off"):
        raise AsmError("A721", "expected 'checksum on' or 'checksum off'")
    runner.ctx.checksum_fix = mode == "on"


# asar 1.91's warning names (and its older numeric ids W1001-W1099) that
# `warnings enable|disable` accepts; asar's own names map to ours where we have one.
_ASAR_WARNINGS = {
    "relative_path_used": (), "rom_too_short": (), "rom_title_incorrect": (),
    "65816_yy_x_does_not_exist": (), "65816_xx_y_assume_16_bit": (), "spc700_assuming_8_bit": (),
    "assuming_address_mode": (), "set_middle_byte": (), "unrecognized_special_command": (),
    "freespace_leaked": ("W801",), "warn": ("W701",), "implicitly_sized_immediate": (),
    "xkas_deprecated": (), "xkas_eat_parentheses": (), "xkas_label_access": (),
    "xkas_warnpc_relaxed": (), "xkas_style_conditional": (), "xkas_patch": (),
    "missing_org": (), "check_memory_file": (), "if_not_condition_deprecated": (),
    "function_redefined": (), "datasize_last_label": ("W402",), "datasize_exceeds_size": ("W403",),
    "mapper_already_set": ("W108",), "feature_deprecated": ("W105", "W106"),
    "byte_order_mark_utf8": (), "invalid_warning_id": ("W107",), "fixed_deprecated": (),
    "optimization_settings": (), "unused_label": (),
}


def _warning_codes(ctx, ident: str) -> tuple[str, ...]:
    """Our codes for a warning id in asar's spelling (``Wname``, ``W1001``) or ours (``W402``)."""
    from triforce.asm.codes import CODES
    if ident.upper() in CODES and ident[:1] in "wW":
        return (ident.upper(),)
    if ident[:1] in "wW":
        rest = ident[1:]
        if rest in _ASAR_WARNINGS:
            return _ASAR_WARNINGS[rest]
        if rest.isdigit() and 1000 < int(rest) < 1100:
            return ()
    ctx.warn("W107", f"{ident!r} is not a warning id")
    return ()


def d_warnings(runner, args, word, frame):
    """``warnings push|pull`` and ``warnings enable|disable ID``."""
    ctx = runner.ctx
    parts = args.split()
    sub = parts[0].lower() if parts else ""
    if sub == "push" and len(parts) == 1:
        ctx.warnings_stack.append(set(ctx.warnings_off))
    elif sub == "pull" and len(parts) == 1:
        if not ctx.warnings_stack:
            raise AsmError("A722", "warnings pull without warnings push")
        ctx.warnings_off = ctx.warnings_stack.pop()
    elif sub in ("enable", "disable") and len(parts) == 2:
        codes = _warning_codes(ctx, parts[1])
        if sub == "disable":
            ctx.warnings_off.update(codes)
        else:
            ctx.warnings_off.difference_update(codes)
    else:
        raise AsmError("A722", "expected warnings push|pull or warnings enable|disable ID")


def d_ignored(runner, args, word, frame):
    """Accepted for compatibility; has no effect on the bytes."""


_DIRECTIVES = {
    "org": d_org, "base": d_base, "skip": d_skip, "warnpc": d_warnpc, "align": d_align,
    "fill": d_fill, "fillbyte": d_fillbyte, "fillword": d_fillbyte, "filllong": d_fillbyte,
    "filldword": d_fillbyte, "pad": d_pad, "padbyte": d_padbyte, "padword": d_padbyte,
    "padlong": d_padbyte, "paddword": d_padbyte,
    "pushpc": d_pushpc, "pullpc": d_pullpc, "pushbase": d_pushbase, "pullbase": d_pullbase,
    "db": d_data, "dw": d_data, "dl": d_data, "dd": d_data,
    "table": d_table, "cleartable": d_cleartable, "pushtable": d_pushtable, "pulltable": d_pulltable,
    "incsrc": d_incsrc, "incbin": d_incbin, "includeonce": d_includeonce, "includefrom": d_ignored,
    "print": d_print, "assert": d_assert, "error": d_error, "warn": d_warn, "check": d_check,
    "namespace": d_namespace, "struct": d_struct, "endstruct": d_endstruct,
    "function": d_function, "math": d_math, "asar": d_asar, "bank": d_bank,
    "optimize": d_optimize, "dpbase": d_dpbase, "undef": d_undef, "arch": d_arch,
    "rep": d_rep, "warnings": d_warnings, "fastrom": d_ignored, "checksum": d_checksum,
    # braces only group lines visually in asar
    "{": d_ignored, "}": d_ignored,
}
_DIRECTIVES.update({name: d_mapper for name in (*MAPPERS, *ALIASES)})
_DIRECTIVES.update(FREESPACE_DIRECTIVES)
_DIRECTIVES.update(SPCBLOCK_DIRECTIVES)
DIRECTIVES = MappingProxyType(_DIRECTIVES)
