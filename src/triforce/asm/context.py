"""The explicit state of one assembly: options, labels, the ROM image and per-pass state.

Nothing here is module-level: every pass works on a :class:`Context`. Labels live
across passes (pass 0 finds them, pass 1 settles widths, pass 2 writes bytes and
checks that nothing moved), as in asar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from triforce.asm import expr as X
from triforce.diagnostics import Diagnostic, Severity, SourceSpan
from triforce.rom.mappers import SA1_DEFAULT_BANKS, get_mapper

MAX_ROM_SIZE = 16 * 1024 * 1024


# An error in one statement; the engine turns it into a diagnostic and goes on.
# It is the expression layer's error class itself, so a math error raised
# anywhere (not only through ``eval``) is reported, never a traceback.
AsmError = X.ExprError


class FatalError(AsmError):
    """An error that stops the assembly (limits, runaway recursion)."""


def require_args(args: str, word: str) -> None:
    """A directive that needs an argument got none: error A220."""
    if not args.strip():
        raise AsmError("A220", f"{word} needs an argument")


class EarlyError(AsmError):
    """An error found before the final pass that the final pass would not see again
    (a label used before its definition where the layout depends on it)."""


@dataclass
class Label:
    addr: int
    freespace: int = 0          # freespace block id, 0 when placed by org
    is_static: bool = True
    pass_serial: int = 0        # the pass run that last defined it (see Context.pass_serial)


class Write(NamedTuple):
    """Bytes written at one place: SNES address, file offset (no copier header), data."""

    snes_addr: int
    pc_offset: int
    data: bytes


class LineRecord(NamedTuple):
    """One source line that emitted bytes.

    ``m``/``x`` are the register widths straight-line REP/SEP/XCE tracking implies
    (1 = 8-bit); ``imm_size`` is the immediate width asar chose for this line
    (asar sizes immediates by the literal, not by M/X); ``decode_m``/``decode_x``
    are the flags that decode ``data`` back into exactly this instruction.
    """

    file: str
    line: int
    snes_addr: int
    data: bytes
    m: int = 1
    x: int = 1
    imm_size: int | None = None
    decode_m: int = 1
    decode_x: int = 1


@dataclass
class Macro:
    name: str
    params: tuple[str, ...]
    variadic: bool
    lines: list
    file: str
    line: int


@dataclass
class Freespace:
    ident: int
    kind: str                   # "freecode" / "freedata" / "freespace"
    size: int = 0
    addr: int = -1              # SNES address of the block's first byte (after RATS)
    pc: int = -1
    align: bool = False
    cleaned: bool = False
    static: bool = False
    bank: int | None = None     # fixed target bank, if asked for
    code: bool = True
    where: object = None        # the statement that opened the block (for diagnostics)
    allocated_size: int = 0
    tag_size: int = 0
    write_rats: bool = True     # asar 2.0 `segment` / `norats`: no RATS tag
    search_start: int = -1      # asar 2.0 `start=`: SNES address to search from
    fill: int = 0               # the freespacebyte in effect at the command
    bankcross: bool = False     # asar 2.0 `bankcross`: the block may span LoROM banks
    pin: tuple | None = None    # asar 2.0 `pin=label`: (label, namespaces) to sit right after
    pinned_to: int = 0          # the block this one was placed after (0: placed on its own)
    group_size: int = 0         # a block others are pinned to: the whole group's size
    leaked: bool = True         # no autoclean/prot has pointed into it yet
    orig_pc: int = -2           # static blocks: -2 no autoclean, 0 nothing old, else old contents
    orig_len: int = 0


@dataclass
class Options:
    filename: str = "<input>"
    include_dirs: tuple[Path, ...] = ()
    base_dir: Path | None = None
    allow_any_path: bool = False
    defines: dict = field(default_factory=dict)
    max_macro_depth: int = 128
    max_loop_iterations: int = 100_000
    max_output: int = MAX_ROM_SIZE
    title_check: bool = True


class PassState:
    """Everything asar resets at the start of a pass."""

    def __init__(self, ctx: Context):
        self.snespos = 0x008000
        self.realsnespos = 0x008000
        self.startpos = 0x008000
        self.realstartpos = 0x008000
        self.org_set = False
        self.base_active = False
        self.mapper = "lorom"
        self.mapper_obj = get_mapper("lorom")
        self.sa1_banks = list(SA1_DEFAULT_BANKS)
        self.freespace_id = 0
        self.optimize_dp = "none"
        self.optimize_address = "default"
        self.dp_base = 0
        self.bank_assume = None          # `bank` directive: None = current (-1 asar)
        self.namespaces: list[str] = []
        self.namespace_nested = False
        self.parents: list[str] = []      # label chain for sublabels
        self.macro_parents: list[str] = []  # the same for ?labels inside one macro call
        self.macros: dict[str, Macro] = {}
        from triforce.asm.defines import BUILTIN_DEFINES
        self.defines: dict[str, str] = {**BUILTIN_DEFINES, **ctx.options.defines}
        self.macro_varargs: int | None = None
        self.function_depth = 0
        self.rep_count: int | None = None
        self.functions: dict[str, tuple] = {}
        self.pos_counts: dict[str, int] = {}
        self.neg_counts: dict[str, int] = {}
        self.pushpc: list[tuple] = []
        self.pushbase: list[int | None] = []
        self.fillbyte = 0
        self.padbyte = 0
        self.table: dict[int, int] = {}
        self.table_stack: list[dict] = []
        self.math_pri = False
        # asar 1.9 starts every pass with `math round` on: each value is truncated
        self.math_round = True
        self.struct: dict | None = None
        self.structs: dict[str, tuple[int, int]] = {}   # name -> (object size, struct size)
        self.m = 1
        self.x = 1
        self.macro_depth = 0
        self.macro_counter = 0
        self.macro_calls = 0
        self.defined_here: set[str] = set()
        self.included_once: set[str] = set()
        self.freespace_index = 0
        self.bytes_written = 0
        self.freespace_use = 0
        self.warnpc_checks = 0
        self.freespace_start = 0
        self.rats_meta_allowed = False
        self.freespace_defaults: dict | None = None   # asar 2.0 `freespace_settings`
        self.include_depth = 0
        self.bankcross = "full"            # `check bankcross off|half|full`
        self.mapper_set = False            # a mapper command was seen (a different one warns)
        self.arch = "65816"                # `arch 65816|spc700|spc700-raw|superfx`
        self.spcblock: dict | None = None  # the open `spcblock` (header position, saved state)


class Context:
    """One assembly: options, cross-pass state (labels, freespace, caches) and output."""

    def __init__(self, options: Options, rom: bytes | None):
        self.options = options
        self.original = bytes(rom or b"")
        self.rom = bytearray(self.original)
        self.rom_len = len(self.original)
        self.labels: dict[str, Label] = {}
        self.pass_labels: dict[str, int] = {}
        self.pass_no = 0
        self.final_pass = 2
        self.diagnostics: list[Diagnostic] = []
        self._seen: set = set()
        self.fraction_cache: dict[int, tuple] = {}   # id(AST) -> (AST, may hold a fraction)
        self.endif_while_warned = False
        self.pass_serial = 0            # counts pass runs (pass 1 may run more than once)
        self.prints: list[str] = []
        self.writes: list[Write] = []
        self.write_runs: list[list] = []     # [snes, pc, bytearray], merged as they grow
        self.line_rows: list[list] = []      # LineRecord fields, merged per source line
        self.lines: list = []
        self.freespaces: dict[int, Freespace] = {}
        self.file_cache: dict[str, list] = {}
        self.binary_cache: dict[str, bytes] = {}
        self.ast_cache: dict = {}
        self.len_cache: dict = {}
        self.const_cache: dict = {}
        self.plain_names: dict = {}           # expressions without labels/functions -> value
        self.line_cache: dict = {}
        self.stmt_cache: dict = {}
        self.token_cache: dict = {}     # expression text -> tokens
        self.define_pieces: dict = {}   # line text -> literal/define-name pieces
        self.autocleans: list[int] = []
        self.protects: list[tuple[int, list[int]]] = []
        self.state = PassState(self)
        self.cur = _Where(options.filename, 0)
        self.title_expected: str | None = None
        self.checksum_fix: bool | None = None     # None: asar's default
        self.warnings_off: set[str] = set()
        self.warnings_stack: list[set[str]] = []
        self.freespace_byte = 0
        # the source uses asar 2.0 freespace syntax (segment, freespace_settings,
        # bank=/start=/norats...): 2.0's placement rules apply, which no asar 1.91
        # source can reach (1.91 rejects that syntax)
        self.asar2_freespace = False
        self.org_writes: list[tuple[int, int]] = []   # (SNES address, length) outside freespace
        # autoclean jsl/jml/dl seen in pass 0: (old pointer in the ROM, label, namespaces)
        self.pending_cleans: list[tuple[int, str, tuple[str, ...]]] = []
        self.unplaced: set[int] = set()      # freespace blocks that found no space (A801)
        # set when a pass had to guess (a label not yet defined): the next pass may differ
        self.guessed = False
        self.cleared: list[Write] = []
        self.current_file = options.filename

    # ----- files (safety rules in triforce.asm.files) --------------------------------------
    def load_source(self, name: str):
        from triforce.asm.files import load_source
        return load_source(self, name)

    def read_binary(self, name: str) -> bytes:
        from triforce.asm.files import read_binary
        return read_binary(self, name)

    @property
    def span(self) -> SourceSpan:
        return SourceSpan(self.cur.file, self.cur.line, 1 if self.cur.line else 0)

    # ----- diagnostics -------------------------------------------------------------
    def report(self, code: str, message: str, severity: Severity = Severity.ERROR,
               span: SourceSpan | None = None, force: bool = False) -> None:
        # Every pass re-runs the whole source, so the final pass sees every problem;
        # earlier passes stay quiet (their forward-label guesses would mislead).
        if self.pass_no != self.final_pass and not force:
            return
        span = span or self.span
        key = (code, span.file, span.line, message, severity)
        if key in self._seen:
            return
        self._seen.add(key)
        self.diagnostics.append(Diagnostic(code, severity, message, span))

    def report_error(self, exc: AsmError) -> None:
        self.report(exc.code, exc.message, exc.severity, force=isinstance(exc, EarlyError))

    def warn(self, code: str, message: str) -> None:
        if code not in self.warnings_off:
            self.report(code, message, Severity.WARNING)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    # ----- mapping -----------------------------------------------------------------
    def snes_to_pc(self, addr: int) -> int:
        if addr < 0 or addr > 0xFFFFFF:
            return -1
        st = self.state
        return st.mapper_obj.to_pc(addr, st.sa1_banks)

    def pc_to_snes(self, off: int) -> int:
        if off < 0:
            return -1
        st = self.state
        return st.mapper_obj.to_snes(off, st.sa1_banks)

    # ----- expressions -------------------------------------------------------------
    def parse_expr(self, text: str):
        key = (text, self.state.math_pri)
        node = self.ast_cache.get(key)
        if node is None:
            try:
                node = X.parse(text, self.state.math_pri, self.token_cache)
            except X.ExprError as exc:
                raise AsmError(exc.code, exc.message) from None
            self.ast_cache[key] = node
        return node

    def eval(self, text: str):
        return self.eval_node(self.parse_expr(text))

    def eval_node(self, node, scope=None):
        """Evaluate an AST under the current `math round` setting."""
        if self.state.math_round and scope is None:
            # truncating every step only matters where a fraction can appear
            known = self.fraction_cache.get(id(node))
            if known is None or known[0] is not node:
                known = (node, X.may_be_fractional(node))
                self.fraction_cache[id(node)] = known
            if known[1]:
                return X.evaluate_rounded(node, self, scope)
        elif self.state.math_round:
            return X.evaluate_rounded(node, self, scope)
        return X.evaluate(node, self, scope)

    def eval_static(self, text: str, numeric: bool = True, nonstatic_code: str | None = None):
        """Evaluate where the layout depends on the value (org, if, fill...): a label
        not defined yet is an error here, as in asar, not a guess. With
        ``nonstatic_code``, a label that may move between passes (one defined by
        position, not by ``=``) is that error too, as in asar 1.9."""
        self.strict_labels = True
        self.found_nonstatic = False
        try:
            value = self.eval_int(text) if numeric else self.eval(text)
        finally:
            self.strict_labels = False
        if nonstatic_code is not None and self.found_nonstatic:
            raise AsmError(nonstatic_code, _NONSTATIC_MESSAGES[nonstatic_code] + f": {text!r}")
        return value

    strict_labels = False

    def eval_int(self, text: str) -> int:
        key = (text, self.state.math_pri)
        ckey = (text, self.state.math_pri, self.state.math_round)
        const = self.const_cache.get(ckey)
        if const is not None:
            return const
        value = self.eval(text)
        if isinstance(value, str):
            raise AsmError("A119", f"expected a number, got a string: {text!r}")
        result = X.to_int(value)
        if X.is_constant(self.ast_cache[key]):
            self.const_cache[ckey] = result
        return result

    def get_len(self, text: str, bank_extraction: bool, bank: int | None) -> int:
        key = (text, bank_extraction)
        shape = self.len_cache.get(key)
        if shape is None:
            try:
                shape = X.len_shape(text, bank_extraction, self.token_cache)
            except X.ExprError as exc:
                raise AsmError(exc.code, exc.message) from None
            self.len_cache[key] = shape
        length, names, posneg = shape
        if posneg is not None:
            return self.label_len_posneg(posneg)
        if not names:
            return length
        saved = self._len_bank
        self._len_bank = bank
        try:
            for name in names:
                this = self.label_len(name)
                length = max(length, this)
        finally:
            self._len_bank = saved
        return length

    _len_bank: int | None = None

    # callbacks used by expr.evaluate / expr.get_len --------------------------------
    def label(self, name: str):
        if name[0] not in ".?" and not self.state.namespaces:
            # the common case: a plain global name, no sublabel or namespace search
            found = self.labels.get(self.plain_names.get(name) or self._plain(name))
        else:
            found = self.lookup_label(name)
        if found is None:
            if self.strict_labels:
                raise EarlyError("A306", f"label {name!r} is used before its definition here")
            if self.pass_no < self.final_pass:
                self.guessed = True
                return 0
            raise AsmError("A301", f"label {name!r} not found")
        if self.strict_labels and found.pass_serial != self.pass_serial:
            # known from an earlier pass but defined further down: still a forward
            # label, an error in every pass as in asar
            raise AsmError("A306", f"label {name!r} is used before its definition here")
        self.found_label = True
        if not found.is_static:
            self.found_nonstatic = True
        return found.addr & 0xFFFFFF

    found_label = False
    # set when an expression used a label that may move between passes (asar's
    # foundlabel && !foundlabel_static); the static-only commands check it
    found_nonstatic = False

    def _plain(self, name: str) -> str:
        canon = name.replace(".", "_")
        self.plain_names[name] = canon
        return canon

    def posneg(self, text: str):
        name = self.posneg_name(text)
        found = self.labels.get(name)
        self.found_label = True
        self.found_nonstatic = True
        if found is None:
            if self.pass_no < self.final_pass:
                self.guessed = True
                return 0
            raise AsmError("A301", f"label {text!r} not found")
        return found.addr & 0xFFFFFF

    def char(self, c: str) -> int:
        code = ord(c)
        table = self.state.table
        if table:
            if code not in table:
                raise AsmError("A123", f"character {c!r} not in the current table")
            return table[code]
        return code

    def subscript(self, name: str, index: int, fld: str):
        info = self.state.structs.get(name.replace(".", "_"))
        obj = info[0] if info else 0
        return self.label(name + fld) + index * obj

    def call(self, name: str, args, scope):
        from triforce.asm.functions import call_function
        return call_function(self, name, args, scope)

    def label_len(self, name: str) -> int:
        found = self.lookup_label(name)
        if found is None:
            self.guessed = True
            return 2
        return self.len_for_label(found)

    def label_len_posneg(self, text: str) -> int:
        if self.pass_no == 0:
            self.guessed = True
            return 2
        found = self.labels.get(self.posneg_name(text))
        if found is None:
            self.guessed = True
            return 2
        return self.len_for_label(found)

    def len_for_label(self, lab: Label) -> int:
        """asar 1.91's ``getlenforlabel``: 1, 2 or 3 bytes for a label operand."""
        st = self.state
        addr = lab.addr & 0xFFFFFF
        bank = addr >> 16
        word = addr & 0xFFFF
        optimize_bank = self._len_bank
        if optimize_bank is None:
            optimize_bank = -1 if st.bank_assume is None else st.bank_assume
        if optimize_bank >= 0:
            relaxed = optimize_bank
        elif not st.freespace_id:
            relaxed = (st.snespos >> 16) & 0xFF
        else:
            block = self.freespaces.get(st.freespace_id)
            relaxed = 0 if block is None or block.code else 0x40
        if st.optimize_dp == "ram" and bank == 0x7E and (word - st.dp_base) & 0xFFFFFFFF < 0x100:
            return 1
        if (st.optimize_dp == "always" and (bank == 0x7E or not bank & 0x40)
                and (word - st.dp_base) & 0xFFFFFFFF < 0x100):
            return 1
        if st.optimize_address != "default" and not relaxed & 0x40 and bank == 0x7E and word < 0x2000:
            return 2
        if st.optimize_address == "mirrors" and not relaxed & 0x40 and not bank & 0x40 and word < 0x8000:
            return 2
        if optimize_bank >= 0:
            if lab.freespace:
                return 3
            return 2 if bank == optimize_bank else 3
        if lab.freespace or st.freespace_id:
            return 2 if lab.freespace == st.freespace_id else 3
        return 2 if bank == (st.snespos >> 16) & 0xFF else 3

    # ----- labels ------------------------------------------------------------------
    def posneg_name(self, text: str, defining: bool = False) -> str:
        """Internal name of a +/- label; ``?+``/``?-`` are local to one macro call."""
        st = self.state
        scope = ""
        if text[0] == "?":
            text = text[1:]
            scope = f"?{st.macro_counter}"
        depth = len(text)
        if text[0] == "+":
            key = f"{scope}+{depth}"
            count = st.pos_counts.get(key, 0)
            return f":pos_{key}_{count + 1}"
        key = f"{scope}-{depth}"
        count = st.neg_counts.get(key, 0)
        return f":neg_{key}_{count + 1 if defining else count}"

    def canonical(self, name: str, defining: bool = False) -> str:
        """The stored name of a label reference: sublabels resolved, dots as underscores."""
        st = self.state
        if name.startswith("."):
            depth = len(name) - len(name.lstrip("."))
            rest = name[depth:]
            if depth > len(st.parents) or not st.parents:
                if defining:
                    raise AsmError("A302", f"sublabel {name!r} has no parent label")
                return rest.replace(".", "_")
            return st.parents[depth - 1] + "_" + rest.replace(".", "_")
        if name.startswith("?"):
            inner = name[1:]
            if inner.startswith("."):
                depth = len(inner) - len(inner.lstrip("."))
                parents = st.macro_parents
                if depth > len(parents):
                    if defining:
                        raise AsmError("A302", f"sublabel {name!r} has no parent label")
                    return f"?{st.macro_counter}_" + inner.lstrip(".").replace(".", "_")
                return parents[depth - 1] + "_" + inner[depth:].replace(".", "_")
            return f"?{st.macro_counter}_{inner.replace('.', '_')}"
        return name.replace(".", "_")

    def lookup_label(self, name: str) -> Label | None:
        canon = self.canonical(name)
        labels = self.labels
        st = self.state
        if st.namespaces and not name.startswith("?"):
            for i in range(len(st.namespaces), 0, -1):
                found = labels.get("_".join(st.namespaces[:i]) + "_" + canon)
                if found is not None:
                    return found
        return labels.get(canon)

    def define_label(self, name: str, addr: int, freespace: int | None = None,
                     update_parents: bool = True, global_name: bool = False) -> str:
        """Define a label; full labels (and sublabels) become parents of later sublabels,
        unless ``update_parents`` is off (asar's ``#label``)."""
        st = self.state
        prefix = "_".join(st.namespaces) + "_" if st.namespaces and not global_name else ""
        if name.startswith("."):
            # parents are kept without the namespace, which applies to the whole name
            rel = self.canonical(name, defining=True)
            full = prefix + rel
            depth = len(name) - len(name.lstrip("."))
            if update_parents:
                del st.parents[depth:]
                st.parents.append(rel)
        elif name.startswith("?"):
            full = self.canonical(name, defining=True)
            inner = name[1:]
            depth = len(inner) - len(inner.lstrip("."))
            del st.macro_parents[depth:]
            st.macro_parents.append(full)
        else:
            rel = name.replace(".", "_")
            if not valid_label_name(name):
                raise AsmError("A303", f"invalid label name {name!r}")
            full = prefix + rel
            if update_parents:
                st.parents[:] = [rel]
        self.set_label(full, addr, st.freespace_id if freespace is None else freespace)
        return full

    def set_label(self, full: str, addr: int, freespace: int = 0, is_static: bool = False) -> None:
        st = self.state
        if full in st.defined_here:
            raise AsmError("A304", f"label {full!r} redefined")
        st.defined_here.add(full)
        old = self.labels.get(full)
        if self.pass_no == self.final_pass and full in self.pass_labels and self.pass_labels[full] != addr \
                and not full.startswith(":") and not self.has_errors:
            # as asar: once something already failed, a label that moved is a
            # consequence of that error, not a second one
            self.report("A305", f"label {full!r} moved between passes "
                        f"(${self.pass_labels[full]:06X} -> ${addr:06X})")
        if old is None:
            self.labels[full] = Label(addr, freespace, is_static, self.pass_serial)
        else:
            old.addr = addr
            old.freespace = freespace
            old.is_static = is_static
            old.pass_serial = self.pass_serial
        if self.pass_no == self.final_pass - 1:
            self.pass_labels[full] = addr


_NONSTATIC_MESSAGES = MappingProxyType({
    "A308": "a label that may move between passes cannot be used in a condition",
    "A309": "a label that may move between passes cannot be used here (static value needed)",
})


@dataclass(frozen=True)
class _Where:
    file: str
    line: int


# an ASCII letter or underscore, then letters, digits, underscores and dots
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def valid_label_name(name: str) -> bool:
    return _LABEL_NAME.fullmatch(name) is not None
