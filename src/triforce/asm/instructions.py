"""65816 instructions in asar's dialect: operand kinds, widths and encoding.

Every opcode byte comes from :mod:`triforce.isa`; this module only knows how asar
*spells* operands (its "address kinds") and which widths a kind allows, and it
derives that from the ISA table's modes. The one asar spelling the hardware
table names differently (``jmp [a]``, which is JML's ``[a]`` opcode) is an alias
looked up through :func:`triforce.isa.find`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from triforce.isa import BRANCHES, MNEMONICS, Mode, by_mnemonic, find

# asar "address kind" and argument width for each ISA addressing mode.
_MODE_KIND = MappingProxyType({
    Mode.IMP: ("imp", 0), Mode.ACC: ("a", 0),
    Mode.IMM_M: ("imm", 1), Mode.IMM_X: ("imm", 1), Mode.IMM8: ("imm", 1),
    Mode.DP: ("abs", 1), Mode.ABS: ("abs", 2), Mode.LONG: ("abs", 3),
    Mode.DP_X: ("x", 1), Mode.ABS_X: ("x", 2), Mode.LONG_X: ("x", 3),
    Mode.DP_Y: ("y", 1), Mode.ABS_Y: ("y", 2),
    Mode.DP_IND: ("ind", 1), Mode.ABS_IND: ("ind", 2),
    Mode.DP_X_IND: ("xind", 1), Mode.ABS_X_IND: ("xind", 2),
    Mode.DP_IND_Y: ("indy", 1), Mode.DP_IND_L: ("lind", 1), Mode.ABS_IND_L: ("lind", 2),
    Mode.DP_IND_LY: ("lindy", 1), Mode.SR: ("s", 1), Mode.SR_IND_Y: ("sy", 1),
    Mode.REL8: ("abs", 1), Mode.REL16: ("abs", 2), Mode.BLOCK: ("mvn", 2),
})

# asar dialect facts (not opcode facts): which mnemonics treat a missing operand
# as #0, which repeat under `#n`, and which optimise label widths for bank K / 0.
_IMPLIED_ZERO = frozenset({"BRK", "COP", "WDM"})
_IMPLIED_REPEAT = frozenset({"ASL", "DEC", "DEX", "DEY", "INC", "INX", "INY", "LSR", "NOP", "ROL", "ROR"})
# (mnemonic, kind) pairs whose label widths are judged against bank K (-1) or bank 0.
_BANK_K = frozenset({("JMP", "abs"), ("JMP", "xind"), ("JSR", "abs"), ("JSR", "xind")})
_BANK_0 = frozenset()     # newer asars judge JMP (a)/[a] against bank 0; 1.91 does not
# asar spellings that borrow another mnemonic's opcode: (mnemonic, kind, width) -> (isa mnemonic, mode).
# (asar has no `jmp long`/`jsr long`: a 24-bit JMP operand is an error, write JML/JSL.)
_ALIASES = (
    ("JMP", "lind", 2, "JML", Mode.ABS_IND_L),
)


@dataclass
class KindInfo:
    widths: dict = field(default_factory=dict)   # width -> (opcode, Mode)
    branch: bool = False
    imm_flag: str = ""                            # "m", "x" or "" (fixed 8-bit)
    implied_zero: bool = False
    implied_repeat: bool = False
    bank: int | None = None                       # None: current bank; -1: K; 0: bank 0

    # cached: every branch and operand width asks, and the table never changes once built
    @cached_property
    def min_w(self) -> int:
        return min(self.widths)

    @cached_property
    def max_w(self) -> int:
        return max(self.widths)


def _build_table():
    table: dict[str, dict[str, KindInfo]] = {}
    for mnemonic in sorted(MNEMONICS):
        kinds: dict[str, KindInfo] = {}
        for mode, opcode in by_mnemonic(mnemonic).items():
            kind, width = _MODE_KIND[mode]
            info = kinds.setdefault(kind, KindInfo())
            info.widths[width] = (opcode, mode)
            if mode in (Mode.REL8, Mode.REL16):
                info.branch = True
            if mode is Mode.IMM_M:
                info.imm_flag = "m"
                info.widths[2] = (opcode, mode)
            elif mode is Mode.IMM_X:
                info.imm_flag = "x"
                info.widths[2] = (opcode, mode)
            if mode is Mode.IMM8 and mnemonic in _IMPLIED_ZERO:
                info.implied_zero = True
                imp = kinds.setdefault("imp", KindInfo())
                imp.widths[0] = (opcode, mode)
                imp.implied_zero = True
            if mode is Mode.ACC:
                kinds.setdefault("imp", KindInfo()).widths[0] = (opcode, mode)
            if mnemonic in _IMPLIED_REPEAT and mode in (Mode.ACC, Mode.IMP):
                rep = kinds.setdefault("imm", KindInfo())
                rep.widths[0] = (opcode, mode)
                rep.implied_repeat = True
        table[mnemonic.lower()] = kinds
    for mnemonic, kind, width, isa_mnemonic, mode in _ALIASES:
        opcode = find(isa_mnemonic, mode)
        if opcode is not None:
            table[mnemonic.lower()].setdefault(kind, KindInfo()).widths[width] = (opcode, mode)
    for (mnemonic, kind) in _BANK_K:
        table[mnemonic.lower()][kind].bank = -1
    for (mnemonic, kind) in _BANK_0:
        table[mnemonic.lower()][kind].bank = 0
    return MappingProxyType({k: MappingProxyType(v) for k, v in table.items()})


INSTRUCTIONS = _build_table()


class OperandError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _strip_end(arg: str, suffix: str) -> str | None:
    """If ``arg`` ends with ``suffix`` (case- and space-insensitive), the part before it."""
    compact_len = 0
    i = len(arg) - 1
    j = len(suffix) - 1
    while j >= 0:
        while i >= 0 and arg[i] == " ":
            i -= 1
        if i < 0 or arg[i].lower() != suffix[j]:
            return None
        i -= 1
        j -= 1
        compact_len += 1
    return arg[:i + 1]


def parse_operand(arg: str, kinds) -> tuple[str, str]:
    """asar's ``parse_addr_kind``: (kind, expression text) for an operand."""
    a = arg.strip()

    def allowed(kind, text):
        if kind in kinds:
            return kind, text.strip()
        raise OperandError("A202", f"invalid addressing mode for this instruction: {arg!r}")

    if a.startswith("#"):
        return allowed("imm", a[1:])
    if a.startswith("("):
        inner = a[1:]
        for suffix, kind in ((",s),y", "sy"), ("),y", "indy"), (",x)", "xind"), (")", "ind")):
            head = _strip_end(inner, suffix)
            if head is not None:
                if kind == "ind" and "ind" not in kinds:
                    break      # "($00)" for an instruction without (d): asar reads it as $00
                return allowed(kind, head)
    if a.startswith("["):
        inner = a[1:]
        head = _strip_end(inner, "],y")
        if head is not None:
            return allowed("lindy", head)
        head = _strip_end(inner, "]")
        if head is not None:
            return allowed("lind", head)
    if "," in a:
        for suffix, kind in ((",x", "x"), (",y", "y"), (",s", "s")):
            head = _strip_end(a, suffix)
            if head is not None:
                return allowed(kind, head)
    if not a:
        return allowed("imp", "")
    if a in ("a", "A") and "a" in kinds:
        return "a", ""
    # an instruction without an accumulator form reads `a` as a label named a
    return allowed("abs", a)


def width_for_modifier(mod: str) -> int | None:
    return {"b": 1, "w": 2, "l": 3}.get(mod.lower())


def is_branch_mnemonic(mnemonic: str) -> bool:
    return mnemonic.upper() in BRANCHES or mnemonic.upper() in ("BRL", "PER")


__all__ = ["INSTRUCTIONS", "KindInfo", "OperandError", "parse_operand", "width_for_modifier"]
