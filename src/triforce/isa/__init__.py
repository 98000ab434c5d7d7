"""The 65816 instruction set as data, read by every tool in the toolchain.

``OPCODES[n]`` is the :class:`Opcode` row for byte ``n``; ``by_mnemonic(name)``
gives every row of a mnemonic; ``find(mnemonic, mode)`` the opcode byte.
``Opcode.length(m, x)`` and :func:`cycles` turn a row into sizes and timings.
``effects(mnemonic_or_opcode)`` says what an instruction does (registers read and
written, flags, control flow, stack bytes: see ``effects_table.py``);
``triforce.isa.queries`` answers the analysis tools' questions from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType

from triforce.isa.table import _ROWS


class Mode(str, enum.Enum):
    """Addressing modes. ``operand`` is the operand size in bytes (None: depends on M/X);
    ``syntax`` is the canonical asar operand form with ``{}`` for the value."""

    IMP = "IMP"                # implied / stack
    ACC = "ACC"                # accumulator: ASL A
    IMM_M = "IMM_M"            # #const, width from M
    IMM_X = "IMM_X"            # #const, width from X
    IMM8 = "IMM8"              # #const, always one byte (REP/SEP/BRK/COP/WDM)
    DP = "DP"                  # d
    DP_X = "DP_X"              # d,x
    DP_Y = "DP_Y"              # d,y
    DP_IND = "DP_IND"          # (d)
    DP_X_IND = "DP_X_IND"      # (d,x)
    DP_IND_Y = "DP_IND_Y"      # (d),y
    DP_IND_L = "DP_IND_L"      # [d]
    DP_IND_LY = "DP_IND_LY"    # [d],y
    ABS = "ABS"                # a
    ABS_X = "ABS_X"            # a,x
    ABS_Y = "ABS_Y"            # a,y
    LONG = "LONG"              # al
    LONG_X = "LONG_X"          # al,x
    ABS_IND = "ABS_IND"        # (a)
    ABS_X_IND = "ABS_X_IND"    # (a,x)
    ABS_IND_L = "ABS_IND_L"    # [a]
    SR = "SR"                  # d,s
    SR_IND_Y = "SR_IND_Y"      # (d,s),y
    REL8 = "REL8"              # branch target, 8-bit displacement
    REL16 = "REL16"            # branch target, 16-bit displacement (BRL, PER)
    BLOCK = "BLOCK"            # MVN/MVP src,dest banks

    @property
    def operand(self) -> int | None:
        return _OPERAND_BYTES[self]

    @property
    def syntax(self) -> str:
        return _SYNTAX[self]


_OPERAND_BYTES = MappingProxyType({
    Mode.IMP: 0, Mode.ACC: 0, Mode.IMM_M: None, Mode.IMM_X: None, Mode.IMM8: 1,
    Mode.DP: 1, Mode.DP_X: 1, Mode.DP_Y: 1, Mode.DP_IND: 1, Mode.DP_X_IND: 1,
    Mode.DP_IND_Y: 1, Mode.DP_IND_L: 1, Mode.DP_IND_LY: 1,
    Mode.ABS: 2, Mode.ABS_X: 2, Mode.ABS_Y: 2, Mode.LONG: 3, Mode.LONG_X: 3,
    Mode.ABS_IND: 2, Mode.ABS_X_IND: 2, Mode.ABS_IND_L: 2,
    Mode.SR: 1, Mode.SR_IND_Y: 1, Mode.REL8: 1, Mode.REL16: 2, Mode.BLOCK: 2,
})

_SYNTAX = MappingProxyType({
    Mode.IMP: "", Mode.ACC: "A", Mode.IMM_M: "#{}", Mode.IMM_X: "#{}", Mode.IMM8: "#{}",
    Mode.DP: "{}", Mode.DP_X: "{},x", Mode.DP_Y: "{},y", Mode.DP_IND: "({})",
    Mode.DP_X_IND: "({},x)", Mode.DP_IND_Y: "({}),y", Mode.DP_IND_L: "[{}]",
    Mode.DP_IND_LY: "[{}],y", Mode.ABS: "{}", Mode.ABS_X: "{},x", Mode.ABS_Y: "{},y",
    Mode.LONG: "{}", Mode.LONG_X: "{},x", Mode.ABS_IND: "({})", Mode.ABS_X_IND: "({},x)",
    Mode.ABS_IND_L: "[{}]", Mode.SR: "{},s", Mode.SR_IND_Y: "({},s),y",
    Mode.REL8: "{}", Mode.REL16: "{}", Mode.BLOCK: "{}",
})

#: Modes whose effective address is formed from the direct-page register.
DIRECT_PAGE_MODES = frozenset({
    Mode.DP, Mode.DP_X, Mode.DP_Y, Mode.DP_IND, Mode.DP_X_IND, Mode.DP_IND_Y,
    Mode.DP_IND_L, Mode.DP_IND_LY,
})

BRANCHES = frozenset({"BPL", "BMI", "BVC", "BVS", "BCC", "BCS", "BNE", "BEQ", "BRA"})


@dataclass(frozen=True)
class Opcode:
    opcode: int
    mnemonic: str
    mode: Mode
    base_cycles: int
    penalties: frozenset[str]
    access: str          # "r", "w", "rmw" or "" (no data operand)
    width: str           # "m", "x" or "" : which flag sizes the data operand

    def length(self, m: int = 1, x: int = 1) -> int:
        """Instruction length in bytes; ``m``/``x`` are the P flag bits (1 = 8-bit)."""
        if self.mode is Mode.IMM_M:
            return 3 - (m & 1)
        if self.mode is Mode.IMM_X:
            return 3 - (x & 1)
        return 1 + _OPERAND_BYTES[self.mode]

    @property
    def is_branch(self) -> bool:
        return "b" in self.penalties

    def cycle_range(self, m: int = 1, x: int = 1, emulation: bool = False,
                    dl_nonzero: bool | None = False) -> tuple[int, int]:
        """(min, max) cycles where data-dependent penalties are unknown.

        ``dl_nonzero=None`` means the direct-page register is unknown, so its
        penalty widens the range instead of being added.
        """
        lo = hi = cycles(self, m=m, x=x, emulation=emulation, dl_nonzero=bool(dl_nonzero))
        if dl_nonzero is None and "d" in self.penalties:
            hi += 1
        if "p" in self.penalties and (x & 1):
            hi += 1
        if "b" in self.penalties:
            if self.mnemonic == "BRA":
                lo += 1
                hi += 1
            else:
                hi += 1
            if emulation:
                hi += 1
        return lo, hi


def cycles(op: Opcode, *, m: int = 1, x: int = 1, emulation: bool = False,
           dl_nonzero: bool = False, page_crossed: bool = False,
           branch_taken: bool = False, bytes_moved: int = 1) -> int:
    """Exact cycle count of one instruction given the facts that decide its penalties.

    In emulation mode M and X are forced to 1, as on hardware.
    """
    if emulation:
        m = x = 1
    p = op.penalties
    n = op.base_cycles
    if "v" in p:
        return n * max(1, bytes_moved)
    if not (m & 1):
        if "m" in p:
            n += 1
        if "M" in p:
            n += 2
    if not (x & 1) and "x" in p:
        n += 1
    if dl_nonzero and "d" in p:
        n += 1
    if "p" in p and (page_crossed or not (x & 1)):
        n += 1
    if "b" in p and branch_taken:
        n += 1
        if emulation and page_crossed:
            n += 1
    if "n" in p and not emulation:
        n += 1
    return n


def _parse_rows(text: str) -> tuple[Opcode, ...]:
    rows: list[Opcode | None] = [None] * 256
    for line in text.strip().splitlines():
        code, mnemonic, mode, base, flags, access = line.split()
        acc, _, width = access.partition(".")
        op = Opcode(
            opcode=int(code, 16),
            mnemonic=mnemonic,
            mode=Mode(mode),
            base_cycles=int(base),
            penalties=frozenset("" if flags == "-" else flags),
            access="" if acc == "-" else acc,
            width=width,
        )
        if rows[op.opcode] is not None:
            raise ValueError(f"opcode {code} declared twice")
        rows[op.opcode] = op
    missing = [f"{i:02X}" for i, r in enumerate(rows) if r is None]
    if missing:
        raise ValueError(f"opcodes not declared: {missing}")
    return tuple(rows)  # type: ignore[arg-type]


OPCODES: tuple[Opcode, ...] = _parse_rows(_ROWS)


def _index() -> MappingProxyType:
    grouped: dict[str, dict[Mode, int]] = {}
    for op in OPCODES:
        grouped.setdefault(op.mnemonic, {})[op.mode] = op.opcode
    return MappingProxyType({k: MappingProxyType(v) for k, v in grouped.items()})


_BY_MNEMONIC = _index()
MNEMONICS = frozenset(_BY_MNEMONIC)


def by_mnemonic(mnemonic: str):
    """Mapping ``Mode -> opcode byte`` for a mnemonic (case-insensitive); empty if unknown."""
    return _BY_MNEMONIC.get(mnemonic.upper(), MappingProxyType({}))


def find(mnemonic: str, mode: Mode) -> int | None:
    """Opcode byte for a mnemonic in a mode, or None when the pair does not exist."""
    return by_mnemonic(mnemonic).get(mode)


# Effects (registers, flags, flow, stack), declared per mnemonic in effects_table.py;
# imported last because semantics.py reads the opcode table defined above.
from triforce.isa.semantics import (
    EFFECTS,
    Effects,
    branch_condition,
    effects,
    falls_through,
    is_call,
    is_conditional_branch,
    is_jump,
    is_pull,
    is_push,
    is_return,
    mnemonics_where,
    stack_bytes,
    stack_delta,
    status_bit,
)

__all__ = [
    "BRANCHES",
    "DIRECT_PAGE_MODES",
    "EFFECTS",
    "MNEMONICS",
    "OPCODES",
    "Effects",
    "Mode",
    "Opcode",
    "branch_condition",
    "by_mnemonic",
    "cycles",
    "effects",
    "falls_through",
    "find",
    "is_call",
    "is_conditional_branch",
    "is_jump",
    "is_pull",
    "is_push",
    "is_return",
    "mnemonics_where",
    "stack_bytes",
    "stack_delta",
    "status_bit",
]
