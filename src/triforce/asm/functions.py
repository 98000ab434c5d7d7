"""asar's built-in math functions and user ``function`` definitions."""

from __future__ import annotations

import math
from types import MappingProxyType

from triforce.asm import expr as X
from triforce.asm.context import AsmError


def _arg(ctx, node, scope):
    return ctx.eval_node(node, scope)


def _num(ctx, node, scope):
    value = _arg(ctx, node, scope)
    if isinstance(value, str):
        raise AsmError("A119", "expected a number, got a string")
    return value


def _int(ctx, node, scope) -> int:
    return X.to_int(_num(ctx, node, scope))


def _str(node, scope=None) -> str:
    if node[0] == "str":
        return node[1]
    if node[0] == "label" and scope and isinstance(scope.get(node[1]), str):
        return scope[node[1]]     # a user function's parameter that holds a string
    raise AsmError("A124", "expected a string argument")


def _symbol(node) -> str:
    if node[0] == "label":
        return node[1]
    if node[0] == "str":
        return node[1]
    raise AsmError("A124", "expected a name argument")


def _need(args, count: int, name: str) -> None:
    if len(args) != count:
        raise AsmError("A125", f"{name}() takes {count} argument(s), got {len(args)}")


_UNARY = {
    "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tan": math.tan,
    "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "arcsin": math.asin, "arccos": math.acos, "arctan": math.atan,
    "log": math.log, "log10": math.log10, "log2": math.log2,
    "ceil": math.ceil, "floor": math.floor,
}

_BINARY = {
    "max": lambda a, b: max(b, a),
    "min": lambda a, b: min(b, a),
    "equal": lambda a, b: int(a == b), "notequal": lambda a, b: int(a != b),
    "less": lambda a, b: int(a < b), "lessequal": lambda a, b: int(a <= b),
    "greater": lambda a, b: int(a > b), "greaterequal": lambda a, b: int(a >= b),
    "and": lambda a, b: int(bool(a) and bool(b)), "or": lambda a, b: int(bool(a) or bool(b)),
    "nand": lambda a, b: int(not (a and b)), "nor": lambda a, b: int(not (a or b)),
    "xor": lambda a, b: int(bool(a) != bool(b)),
}


def _read(ctx, args, scope, count: int):
    if len(args) not in (1, 2):
        raise AsmError("A125", f"read{count}() takes 1 or 2 arguments")
    target = _int(ctx, args[0], scope)
    addr = ctx.snes_to_pc(target)
    rom = ctx.original
    if addr < 0 or addr + count > len(rom):
        if len(args) == 2:
            return _num(ctx, args[1], scope)
        if addr < 0:
            raise AsmError("A126", f"SNES address ${target & 0xFFFFFF:06X} doesn't map to ROM (read{count})")
        raise AsmError("A127", f"SNES address ${target & 0xFFFFFF:06X} is out of bounds (read{count})")
    return int.from_bytes(rom[addr:addr + count], "little")


def _canread(ctx, args, scope, count: int):
    if count == 0:
        # canread(length, address), as asar orders it
        _need(args, 2, "canread")
        length = _int(ctx, args[0], scope)
        target = args[1]
    else:
        _need(args, 1, f"canread{count}")
        length = count
        target = args[0]
    addr = ctx.snes_to_pc(_int(ctx, target, scope))
    return int(not (addr < 0 or addr + length - 1 >= len(ctx.original)))


def _readfile(ctx, args, scope, count: int):
    if len(args) not in (2, 3):
        raise AsmError("A125", f"readfile{count}() takes 2 or 3 arguments")
    name = _str(args[0], scope)
    offset = _int(ctx, args[1], scope)
    try:
        data = ctx.read_binary(name)
    except AsmError:
        if len(args) == 3:
            return _num(ctx, args[2], scope)
        raise
    if offset < 0 or offset + count > len(data):
        if len(args) == 3:
            return _num(ctx, args[2], scope)
        raise AsmError("A128", f"offset {offset} out of bounds in file {name!r}")
    return int.from_bytes(data[offset:offset + count], "little")


def _canreadfile(ctx, args, scope, count: int):
    if count == 0:
        _need(args, 3, "canreadfile")
    else:
        _need(args, 2, f"canreadfile{count}")
    name = _str(args[0], scope)
    offset = _int(ctx, args[1], scope)
    length = _int(ctx, args[2], scope) if count == 0 else count
    try:
        data = ctx.read_binary(name)
    except AsmError:
        return 0
    return int(0 <= offset and offset + length <= len(data))


def _sizeof(ctx, args, scope):
    _need(args, 1, "sizeof")
    name = _symbol(args[0])
    if name == "...":
        if ctx.state.macro_varargs is None:
            if ctx.state.macro_depth:
                raise AsmError("A133", "sizeof(...) in a macro that takes no variadic arguments")
            raise AsmError("A129", "sizeof(...) outside a macro")
        return ctx.state.macro_varargs
    return _struct_field(ctx, name, 1)


def _objectsize(ctx, args, scope):
    _need(args, 1, "objectsize")
    return _struct_field(ctx, _symbol(args[0]), 0)


def _struct_field(ctx, name: str, index: int) -> int:
    """A struct's (object size, total size)[index]; 0 while pass 0 still guesses."""
    info = ctx.state.structs.get(name.replace(".", "_"))
    if info is None:
        if ctx.pass_no == 0:
            ctx.guessed = True
            return 0
        raise AsmError("A130", f"struct {name!r} not found")
    return info[index]


def _datasize(ctx, args, scope):
    _need(args, 1, "datasize")
    name = _symbol(args[0])
    lab = ctx.lookup_label(name)
    if lab is None:
        if ctx.pass_no < ctx.final_pass:
            ctx.guessed = True
            return 0
        raise AsmError("A301", f"label {name!r} not found")
    here = lab.addr & 0xFFFFFF
    following = [v.addr & 0xFFFFFF for k, v in ctx.labels.items()
                 if not k.startswith(":") and (v.addr & 0xFFFFFF) > here]
    nxt = min(following) if following else 0xFFFFFF
    if not following:
        ctx.warn("W402", f"datasize({name}): last label, size runs to $FFFFFF")
    if nxt - here > 0xFFFF:
        ctx.warn("W403", f"datasize({name}) is {nxt - here} bytes, more than a bank")
    return nxt - here


def _round(ctx, args, scope):
    _need(args, 2, "round")
    value = _num(ctx, args[0], scope)
    digits = _int(ctx, args[1], scope)
    return float(round(value, digits))


def _stringlength(ctx, args, scope):
    _need(args, 1, "stringlength")
    return len(_str(args[0], scope).encode("utf-8"))     # asar counts bytes


def _char(ctx, args, scope):
    _need(args, 2, "char")
    data = _str(args[0], scope).encode("utf-8")
    index = _int(ctx, args[1], scope)
    if not 0 <= index < len(data):
        raise AsmError("A134", f"char(): index {index} outside a string of {len(data)} bytes")
    return data[index]


def call_function(ctx, name: str, args, scope):
    user = ctx.state.functions.get(name)
    if user is not None:
        params, body = user
        if len(args) != len(params):
            raise AsmError("A125", f"{name}() takes {len(params)} argument(s), got {len(args)}")
        inner = {p: _arg(ctx, a, scope) for p, a in zip(params, args)}
        ctx.state.function_depth = getattr(ctx.state, "function_depth", 0) + 1
        try:
            if ctx.state.function_depth > 256:
                raise AsmError("A131", f"function recursion too deep in {name}()")
            return _arg(ctx, body, inner)
        finally:
            ctx.state.function_depth -= 1
    base = name[1:] if name.startswith("_") and name[1:] in _ALL else name
    handler = _ALL.get(base)
    if handler is None:
        raise AsmError("A132", f"function {name!r} not found")
    return handler(ctx, args, scope)


def _unary(fn):
    def run(ctx, args, scope):
        _need(args, 1, fn.__name__)
        try:
            return fn(_num(ctx, args[0], scope))
        except (ValueError, OverflowError):
            raise AsmError("A118", f"math domain error in {fn.__name__}()") from None
    return run


def _binary(name, fn):
    def run(ctx, args, scope):
        _need(args, 2, name)
        return fn(_num(ctx, args[0], scope), _num(ctx, args[1], scope))
    return run


def _defined(ctx, args, scope):
    _need(args, 1, "defined")
    return int(_symbol(args[0]).lstrip("!") in ctx.state.defines)


def _clamp(ctx, args, scope):
    _need(args, 3, "clamp")
    v, lo, hi = (_num(ctx, a, scope) for a in args)
    return max(lo, min(hi, v))


def _safediv(ctx, args, scope):
    _need(args, 3, "safediv")
    a, b, default = (_num(ctx, x, scope) for x in args)
    return default if b == 0 else X.binop("/", a, b)


def _select(ctx, args, scope):
    _need(args, 3, "select")
    return _num(ctx, args[1], scope) if _num(ctx, args[0], scope) else _num(ctx, args[2], scope)


def _filesize(ctx, args, scope):
    _need(args, 1, "filesize")
    return len(ctx.read_binary(_str(args[0], scope)))


def _filestatus(ctx, args, scope):
    _need(args, 1, "getfilestatus")
    try:
        ctx.read_binary(_str(args[0], scope))
    except AsmError as exc:
        return 1 if exc.code == "A601" else 2
    return 0


def _stringsequal(nocase: bool):
    def run(ctx, args, scope):
        _need(args, 2, "stringsequal")
        a, b = _str(args[0], scope), _str(args[1], scope)
        return int(a.lower() == b.lower()) if nocase else int(a == b)
    return run


def _one(name, fn):
    def run(ctx, args, scope):
        _need(args, 1, name)
        return fn(ctx, args, scope)
    return run


def _none(name, fn):
    def run(ctx, args, scope):
        _need(args, 0, name)
        return fn(ctx, args, scope)
    return run


_ALL = {name: _unary(fn) for name, fn in _UNARY.items()}
_ALL.update({name: _binary(name, fn) for name, fn in _BINARY.items()})
_ALL.update({
    "read1": lambda c, a, s: _read(c, a, s, 1), "read2": lambda c, a, s: _read(c, a, s, 2),
    "read3": lambda c, a, s: _read(c, a, s, 3), "read4": lambda c, a, s: _read(c, a, s, 4),
    "canread": lambda c, a, s: _canread(c, a, s, 0),
    "canread1": lambda c, a, s: _canread(c, a, s, 1), "canread2": lambda c, a, s: _canread(c, a, s, 2),
    "canread3": lambda c, a, s: _canread(c, a, s, 3), "canread4": lambda c, a, s: _canread(c, a, s, 4),
    "readfile1": lambda c, a, s: _readfile(c, a, s, 1), "readfile2": lambda c, a, s: _readfile(c, a, s, 2),
    "readfile3": lambda c, a, s: _readfile(c, a, s, 3), "readfile4": lambda c, a, s: _readfile(c, a, s, 4),
    "canreadfile": lambda c, a, s: _canreadfile(c, a, s, 0),
    "canreadfile1": lambda c, a, s: _canreadfile(c, a, s, 1),
    "canreadfile2": lambda c, a, s: _canreadfile(c, a, s, 2),
    "canreadfile3": lambda c, a, s: _canreadfile(c, a, s, 3),
    "canreadfile4": lambda c, a, s: _canreadfile(c, a, s, 4),
    "filesize": _filesize, "getfilestatus": _filestatus,
    "defined": _defined,
    "snestopc": _one("snestopc", lambda c, a, s: c.snes_to_pc(_int(c, a[0], s))),
    "pctosnes": _one("pctosnes", lambda c, a, s: c.pc_to_snes(_int(c, a[0], s))),
    "realbase": _none("realbase", lambda c, a, s: c.state.realsnespos),
    "pc": _none("pc", lambda c, a, s: c.state.snespos),
    "clamp": _clamp, "safediv": _safediv, "select": _select,
    "bank": _one("bank", lambda c, a, s: _int(c, a[0], s) >> 16),
    "not": _one("not", lambda c, a, s: int(not _num(c, a[0], s))),
    "round": _round,
    "sizeof": _sizeof, "objectsize": _objectsize, "datasize": _datasize,
    "stringsequal": _stringsequal(False), "stringsequalnocase": _stringsequal(True),
    "stringlength": _stringlength, "char": _char,
})

_ALL = MappingProxyType(_ALL)
BUILTIN_NAMES = frozenset(_ALL)
