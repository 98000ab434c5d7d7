"""asar math: tokenizer, parser (precedence or xkas left-to-right), evaluator, ``getlen``.

Expressions are parsed once per distinct text and cached by the caller; the AST is
plain tuples so evaluation is a tight recursive function. Values follow asar: they
are doubles in asar, here ints where exact and floats after a non-exact division;
the caller truncates toward zero when it needs an integer.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from triforce.diagnostics import Severity


class ExprError(Exception):
    """An error in one statement (also ``context.AsmError``); ``code`` is the diagnostic code."""

    def __init__(self, code: str, message: str, severity: Severity = Severity.ERROR):
        super().__init__(message)
        self.code = code
        self.message = message
        self.severity = severity


class Token(NamedTuple):
    # a NamedTuple, not a frozen dataclass: tokenizing builds many of these
    kind: str      # hex bin dec char str ident op posneg
    text: str
    start: int
    end: int


_OPS3 = ()
_OPS2 = ("**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "<:")
_OPS1 = "+-*/%&|^~()<>!,[]="
_IDENT_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.?")
_IDENT_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")
_HEX = set("0123456789abcdefABCDEF")
_DIGITS = set("0123456789")


def tokenize(text: str) -> list[Token]:
    """Split an expression; ``%`` and ``-``/``+`` are read by position as asar does."""
    toks: list[Token] = []
    i, n = 0, len(text)
    expect_operand = True
    while i < n:
        c = text[i]
        if c == " " or c == "\t":
            i += 1
            continue
        start = i
        if expect_operand and c == "$":
            i += 1
            while i < n and text[i] in _HEX:
                i += 1
            if i == start + 1:
                raise ExprError("A110", f"invalid hex value in {text!r}")
            toks.append(Token("hex", text[start + 1:i], start, i))
            expect_operand = False
            continue
        if expect_operand and c == "%":
            i += 1
            while i < n and text[i] in "01":
                i += 1
            if i == start + 1:
                raise ExprError("A110", f"invalid binary value in {text!r}")
            toks.append(Token("bin", text[start + 1:i], start, i))
            expect_operand = False
            continue
        if c in _DIGITS:
            while i < n and (text[i] in _DIGITS or text[i] == "."):
                i += 1
            toks.append(Token("dec", text[start:i], start, i))
            expect_operand = False
            continue
        if c == "'":
            end = text.find("'", i + 2)
            if end != i + 2:
                raise ExprError("A111", f"invalid character literal in {text!r}")
            toks.append(Token("char", text[i + 1], start, end + 1))
            i = end + 1
            expect_operand = False
            continue
        if c == '"':
            j = i + 1
            buf = []
            while True:
                if j >= n:
                    raise ExprError("A112", "unterminated string")
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            toks.append(Token("str", "".join(buf), start, j + 1))
            i = j + 1
            expect_operand = False
            continue
        if c in _IDENT_START:
            i += 1
            while i < n and text[i] in _IDENT_CHARS:
                i += 1
            toks.append(Token("ident", text[start:i], start, i))
            expect_operand = False
            continue
        two = text[i:i + 2]
        if two in _OPS2:
            toks.append(Token("op", two, start, i + 2))
            i += 2
            expect_operand = True
            continue
        if c in _OPS1:
            toks.append(Token("op", c, start, i + 1))
            i += 1
            expect_operand = c not in ")]"
            continue
        raise ExprError("A113", f"unexpected character {c!r} in expression {text!r}")
    return toks


# Binary operator precedence under `math pri` (asar's depth numbers, plus the
# comparison and logical operators that conditions use, below them).
_PRI = {
    "**": 4, "*": 3, "/": 3, "%": 3, "+": 2, "-": 2, "<<": 1, ">>": 1,
    "&": 0, "|": 0, "^": 0,
    "==": -1, "!=": -1, "<": -1, ">": -1, "<=": -1, ">=": -1,
    "&&": -2, "||": -2,
}


class _Parser:
    def __init__(self, toks: list[Token], text: str, pri: bool):
        self.toks = toks
        self.text = text
        self.pos = 0
        self.pri = pri

    def peek(self):
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self):
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def expect_op(self, op: str):
        tok = self.peek()
        if tok is None or tok.kind != "op" or tok.text != op:
            raise ExprError("A114", f"expected {op!r} in {self.text!r}")
        self.pos += 1

    def parse(self):
        if not self.toks:
            raise ExprError("A115", "empty expression")
        node = self.binary(-2)
        if self.pos != len(self.toks):
            tok = self.toks[self.pos]
            if tok.text == ")":
                raise ExprError("A116", f"mismatched parentheses in {self.text!r}")
            raise ExprError("A117", f"unexpected {tok.text!r} in {self.text!r}")
        return node

    def binary(self, depth: int):
        left = self.unary()
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "op" or tok.text not in _PRI:
                return left
            level = _PRI[tok.text]
            if self.pri or level < 0:
                if level < depth:
                    return left
                self.pos += 1
                right = self.binary(level + 1)
            else:
                # xkas order: every arithmetic operator binds its next operand at once.
                self.pos += 1
                right = self.unary()
            left = ("bin", tok.text, left, right)

    def unary(self):
        tok = self.peek()
        if tok is None:
            raise ExprError("A115", f"missing operand in {self.text!r}")
        if tok.kind == "op":
            if tok.text in ("-", "~", "+", "<:", "!"):
                self.pos += 1
                return ("un", tok.text, self.unary())
            if tok.text == "(":
                self.pos += 1
                node = self.binary(-2)
                tok2 = self.peek()
                if tok2 is None or tok2.text != ")":
                    raise ExprError("A116", f"mismatched parentheses in {self.text!r}")
                self.pos += 1
                return node
            raise ExprError("A117", f"unexpected {tok.text!r} in {self.text!r}")
        self.pos += 1
        kind = tok.kind
        if kind == "hex":
            return ("num", int(tok.text, 16))
        if kind == "bin":
            return ("num", int(tok.text, 2))
        if kind == "dec":
            text = tok.text
            if "." in text:
                try:
                    return ("num", float(text))
                except ValueError:
                    raise ExprError("A110", f"invalid number {text!r}") from None
            if len(text) > 300:
                # beyond any double's integer range: asar's strtod gives infinity
                return ("num", float(text))
            return ("num", int(text))
        if kind == "char":
            return ("char", tok.text)
        if kind == "str":
            return ("str", tok.text)
        # identifier: function call, struct subscript or label
        nxt = self.peek()
        if nxt is not None and nxt.kind == "op" and nxt.text == "(" and nxt.start == tok.end:
            self.pos += 1
            args = []
            if not (self.peek() is not None and self.peek().text == ")"):
                while True:
                    args.append(self.binary(-2))
                    t = self.peek()
                    if t is not None and t.text == ",":
                        self.pos += 1
                        continue
                    break
            self.expect_op(")")
            return ("call", tok.text, tuple(args))
        if nxt is not None and nxt.kind == "op" and nxt.text == "[" and nxt.start == tok.end:
            self.pos += 1
            index = self.binary(-2)
            self.expect_op("]")
            field = ""
            t = self.peek()
            if t is not None and t.kind == "ident" and t.text.startswith(".") and t.start == self.toks[self.pos - 1].end:
                self.pos += 1
                field = t.text
            return ("subscript", tok.text, index, field)
        return ("label", tok.text)


def parse(text: str, pri: bool, tokens: dict | None = None) -> tuple:
    """Parse an expression into a tuple AST. ``+``/``-`` label runs are ``("posneg", text)``."""
    stripped = text.strip()
    core = stripped.removeprefix("?")
    if core and (set(core) == {"+"} or set(core) == {"-"}):
        return ("posneg", stripped)
    return _Parser(_tokens(text, tokens), text, pri).parse()


def is_constant(node) -> bool:
    """True when an AST uses no labels, functions, characters (tables) or posneg labels."""
    kind = node[0]
    if kind == "num":
        return True
    if kind == "bin":
        return is_constant(node[2]) and is_constant(node[3])
    if kind == "un":
        return is_constant(node[2])
    return False


def may_be_fractional(node) -> bool:
    """False when every value in the AST is an integer whatever the labels are, so
    `math round` truncation cannot change anything (no ``/``, ``**``, fraction
    literal, function call or user-function parameter)."""
    kind = node[0]
    if kind == "num":
        return isinstance(node[1], float)
    if kind == "bin":
        return node[1] in ("/", "**") or may_be_fractional(node[2]) or may_be_fractional(node[3])
    if kind == "un":
        return may_be_fractional(node[2])
    return kind not in ("label", "posneg", "char", "str")


def to_int(value) -> int:
    """asar's (int64) truncation of a math result."""
    if isinstance(value, float):
        if math.isnan(value):
            raise ExprError("A118", "NaN in expression")
        if math.isinf(value):
            raise ExprError("A118", "infinite value in expression")
        return int(value)
    return value


def _num(value):
    if isinstance(value, str):
        raise ExprError("A119", "a string is not a number here")
    return value


_INT64_MASK = 0xFFFFFFFFFFFFFFFF


def _wrap64(value: int) -> int:
    """asar's integer math is 64-bit: keep Python ints from growing without bound."""
    if -0x8000000000000000 <= value <= 0x7FFFFFFFFFFFFFFF:
        return value
    value &= _INT64_MASK
    return value - (1 << 64) if value >> 63 else value


def binop(op: str, a, b):
    a = _num(a)
    b = _num(b)
    if op == "+":
        r = a + b
        return r if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF or r.__class__ is not int \
            else _wrap64(r)
    if op == "-":
        r = a - b
        return r if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF or r.__class__ is not int \
            else _wrap64(r)
    if op == "*":
        r = a * b
        return r if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF or r.__class__ is not int \
            else _wrap64(r)
    if op == "/":
        if b == 0:
            raise ExprError("A120", "division by zero")
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return a // b
        return a / b
    if op == "%":
        if b == 0:
            raise ExprError("A121", "modulo by zero")
        r = math.fmod(a, b)
        return int(r) if isinstance(a, int) and isinstance(b, int) else r
    if op == "**":
        try:
            r = math.pow(a, b)
        except OverflowError:
            # asar computes in doubles: an overflowing power saturates to infinity
            return math.inf
        except ValueError:
            return math.nan
        return int(r) if r.is_integer() and abs(r) < 2**63 else r
    if op in ("<<", ">>"):
        if b < 0:
            raise ExprError("A122", "negative shift")
        a, b = to_int(a), to_int(b)
        if op == "<<":
            return (a << b) & 0xFFFFFFFFFFFFFFFF if b < 64 else 0
        return a >> b
    if op == "&":
        return to_int(a) & to_int(b)
    if op == "|":
        return to_int(a) | to_int(b)
    if op == "^":
        return to_int(a) ^ to_int(b)
    if op == "==":
        return int(a == b)
    if op == "!=":
        return int(a != b)
    if op == "<":
        return int(a < b)
    if op == ">":
        return int(a > b)
    if op == "<=":
        return int(a <= b)
    if op == ">=":
        return int(a >= b)
    if op == "&&":
        return int(bool(a) and bool(b))
    if op == "||":
        return int(bool(a) or bool(b))
    raise ExprError("A117", f"unknown operator {op!r}")


def unop(op: str, v):
    v = _num(v)
    if op == "-":
        return -v
    if op == "+":
        return v
    if op == "~":
        return ~to_int(v)
    if op == "<:":
        return to_int(v) >> 16
    if op == "!":
        return int(not v)
    raise ExprError("A117", f"unknown operator {op!r}")


def evaluate(node, env, scope=None):
    """Evaluate an AST. ``env`` supplies ``label(name)``, ``posneg(text)``, ``char(c)``,
    ``call(name, args, scope)`` and ``subscript(name, index, field)``."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "bin":
        op = node[1]
        if op == "||" or op == "&&":
            return _logical(op, node, evaluate, env, scope)
        return binop(op, evaluate(node[2], env, scope), evaluate(node[3], env, scope))
    if kind == "label":
        if scope is not None and node[1] in scope:
            return scope[node[1]]
        return env.label(node[1])
    if kind == "un":
        return unop(node[1], evaluate(node[2], env, scope))
    if kind == "call":
        return env.call(node[1], node[2], scope)
    if kind == "char":
        return env.char(node[1])
    if kind == "posneg":
        return env.posneg(node[1])
    if kind == "str":
        return node[1]
    if kind == "subscript":
        return env.subscript(node[1], to_int(evaluate(node[2], env, scope)), node[3])
    raise ExprError("A117", f"cannot evaluate {kind}")


def _logical(op: str, node, run, env, scope) -> int:
    """``||`` and ``&&`` are lazy: the right side is not evaluated (so cannot
    fail) once the left side decides the result."""
    left = run(node[2], env, scope)
    if bool(left) == (op == "||"):
        return int(op == "||")
    return int(bool(run(node[3], env, scope)))


def _trunc(value):
    return float(int(value)) if isinstance(value, float) and math.isfinite(value) else value


def evaluate_rounded(node, env, scope=None):
    """``evaluate`` under asar's `math round on`: every literal, function result and
    operation result is truncated toward zero as it is produced."""
    kind = node[0]
    if kind == "num":
        return _trunc(node[1])
    if kind == "bin":
        if node[1] == "||" or node[1] == "&&":
            return _logical(node[1], node, evaluate_rounded, env, scope)
        return _trunc(binop(node[1], evaluate_rounded(node[2], env, scope),
                            evaluate_rounded(node[3], env, scope)))
    if kind == "un":
        return _trunc(unop(node[1], evaluate_rounded(node[2], env, scope)))
    if kind == "call":
        return _trunc(env.call(node[1], node[2], scope))
    return evaluate(node, env, scope)


def get_len(text: str, env, bank_extraction: bool) -> int:
    """asar's ``getlen``: the widest literal or label in the text decides the width."""
    stripped = text.strip()
    core = stripped.removeprefix("?")
    if core and (set(core) == {"+"} or set(core) == {"-"}):
        return env.label_len_posneg(stripped)
    toks = tokenize(text)
    length = 0
    first = True
    for tok in toks:
        kind = tok.kind
        this = env.label_len(tok.text) if kind == "ident" else literal_width(tok)
        if bank_extraction and first and kind != "op":
            rest = text[tok.end:]
            if rest in (">>16", "/65536", "/$10000"):
                return 1
        first = False
        length = max(length, this)
    return length


def literal_width(tok: Token) -> int:
    """Bytes a literal asks for, as asar sizes operands: hex and binary by digit
    count, decimal by value, a character as one byte; 0 for anything else."""
    kind = tok.kind
    if kind == "hex":
        return (len(tok.text) + 1) // 2
    if kind == "bin":
        return (len(tok.text) + 7) // 8
    if kind == "char":
        return 1
    if kind == "dec":
        try:
            val = int(tok.text.split(".")[0] or "0")
        except ValueError:
            val = 0
        return 1 if val < 256 else 2 if val < 65536 else 3
    return 0


def _tokens(text: str, cache: dict | None) -> list[Token]:
    """``tokenize`` through the caller's cache (parse and len_shape see the same texts)."""
    if cache is None:
        return tokenize(text)
    toks = cache.get(text)
    if toks is None:
        toks = cache[text] = tokenize(text)
    return toks


def len_shape(text: str, bank_extraction: bool, tokens: dict | None = None):
    """The label-independent part of ``get_len``: (widest literal, label names, posneg).

    A bank extraction (``label>>16`` and friends under ``#``) is width 1 outright."""
    stripped = text.strip()
    core = stripped.removeprefix("?")
    if core and (set(core) == {"+"} or set(core) == {"-"}):
        return 0, (), stripped
    toks = _tokens(text, tokens)
    length = 0
    names = []
    for i, tok in enumerate(toks):
        kind = tok.kind
        if bank_extraction and i == 0 and kind != "op" and text[tok.end:] in (">>16", "/65536", "/$10000"):
            return 1, (), None
        if kind == "ident":
            names.append(tok.text)
            continue
        length = max(length, literal_width(tok))
    return length, tuple(names), None


# one number and nothing else: its value never depends on labels, tables or `math` settings
_PLAIN_LITERAL = re.compile(r"\$[0-9A-Fa-f]+|%[01]+|[0-9]{1,18}")


def literal_value(text: str) -> int | None:
    """The value of a lone ``$hex``, ``%binary`` or decimal literal (what evaluating
    it gives), or None for anything else."""
    if not _PLAIN_LITERAL.fullmatch(text):
        return None
    if text[0] == "$":
        return int(text[1:], 16)
    if text[0] == "%":
        return int(text[1:], 2)
    return int(text)


_NUMBER_KINDS = frozenset({"hex", "bin", "dec", "op"})


def constant_value(text: str, tokens: dict | None = None) -> int | None:
    """The integer an expression of number literals and operators always has: the
    same under both `math pri` settings and with no fraction (so `math round`
    cannot matter either). None for anything else, or for an expression that
    fails (the caller's general path then reports the error as usual)."""
    value = literal_value(text)
    if value is not None:
        return value
    try:
        toks = _tokens(text, tokens)
        if not toks or any(tok.kind not in _NUMBER_KINDS for tok in toks):
            return None
        nodes = (parse(text, False, tokens), parse(text, True, tokens))
        if any(not is_constant(node) or may_be_fractional(node) for node in nodes):
            return None
        left, right = (evaluate(node, None) for node in nodes)
    except ExprError:
        return None
    if left != right or left.__class__ is not int:
        return None
    return left


def is_hex_constant(text: str) -> bool:
    t = text.strip()
    return len(t) > 1 and t[0] == "$" and all(c in _HEX for c in t[1:])


def format_number(value) -> str:
    """asar's ``ftostr``: integers without a fraction, others with up to 6 decimals."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text
    return str(value)
