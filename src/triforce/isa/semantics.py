"""Instruction effects: registers read and written, flags, control flow, stack bytes.

``effects("ADC")`` gives the mnemonic's row of :mod:`.effects_table`;
``effects(OPCODES[0x0A])`` (or ``effects("ASL", Mode.ACC)``) resolves it for one
addressing mode: the ``@`` operand becomes A or memory, and the registers the
mode addresses through (X, Y, D, S, DBR) are added to ``reads``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# triforce.isa imports this module after defining the opcode table.
from triforce.isa import DIRECT_PAGE_MODES, OPCODES, Mode, find
from triforce.isa.effects_table import _EFFECT_ROWS, _FLAG_OVERRIDES

#: Register names used in ``reads`` / ``writes``.
REGISTERS = ("A", "B", "C", "X", "Y", "S", "D", "DBR", "PBR", "PC")
#: Status bits, P order then E.
FLAGS = ("N", "V", "M", "X", "D", "I", "Z", "C", "E")
#: Control-flow classes (see the table's docstring).
FLOWS = ("next", "branch", "jump", "call", "return", "interrupt", "wait", "halt")

# Flag-effect values in ``Effects.flags``.
COMPUTED = "computed"      # from the result, or loaded from the stack (PLP/RTI)
CLEARED = "0"
SET = "1"
OPERAND_CLEARS = "operand-clears"   # REP: cleared where the operand has the bit
OPERAND_SETS = "operand-sets"       # SEP: set where the operand has the bit

_P_FLAGS = FLAGS[:8]


@dataclass(frozen=True)
class Effects:
    """What one instruction does. ``reads``/``writes`` hold :data:`REGISTERS` names
    (``@`` when not resolved to an addressing mode); ``flags`` maps each written
    flag to COMPUTED, CLEARED, SET, OPERAND_CLEARS or OPERAND_SETS;
    ``condition`` is ``(flag, value)`` for conditional branches; ``push``/``pull``
    the stack-size specs (see :func:`stack_bytes`)."""

    mnemonic: str
    reads: frozenset[str]
    writes: frozenset[str]
    flags: Mapping[str, str]
    flow: str
    condition: tuple[str, int] | None = None
    push: str = ""
    pull: str = ""
    reads_memory: bool | None = None    # None: depends on the mode (mnemonic-level @)
    writes_memory: bool | None = None

    def writes_flag(self, flag: str, *, unconditionally: bool = False) -> bool:
        """Whether ``flag`` may change; ``unconditionally`` excludes REP/SEP, whose
        effect depends on the operand."""
        kind = self.flags.get(flag)
        if kind is None:
            return False
        return not unconditionally or kind not in (OPERAND_CLEARS, OPERAND_SETS)

    def writes_accumulator(self) -> bool:
        """Whether any byte of the accumulator may change (A, B or C; @ unresolved counts)."""
        return bool(self.writes & {"A", "B", "C", "@"})

    @property
    def falls_through(self) -> bool:
        """Whether the next instruction in memory can run after this one."""
        return self.flow not in ("jump", "return", "halt")


def _split(cell: str) -> frozenset[str]:
    return frozenset() if cell == "-" else frozenset(cell.split(","))


def _parse_flags(cell: str) -> Mapping[str, str]:
    if cell == "-":
        return MappingProxyType({})
    if cell in ("P", "P0", "P1"):
        kind = {"P": COMPUTED, "P0": OPERAND_CLEARS, "P1": OPERAND_SETS}[cell]
        return MappingProxyType(dict.fromkeys(_P_FLAGS, kind))
    out: dict[str, str] = {}
    i = 0
    while i < len(cell):
        flag = cell[i]
        if flag not in FLAGS:
            raise ValueError(f"unknown flag {flag!r} in {cell!r}")
        if i + 1 < len(cell) and cell[i + 1] in "01":
            out[flag] = cell[i + 1]
            i += 2
        else:
            out[flag] = COMPUTED
            i += 1
    return MappingProxyType(out)


def _parse_rows(text: str) -> Mapping[str, Effects]:
    rows: dict[str, Effects] = {}
    for line in text.strip().splitlines():
        mnemonic, reads, writes, flags, flow, push, pull = line.split()
        condition = None
        if flow.startswith("if:"):
            condition = (flow[3], int(flow[4]))
            flow = "branch"
        if flow not in FLOWS:
            raise ValueError(f"{mnemonic}: unknown flow {flow!r}")
        for name in _split(reads) | _split(writes):
            if name not in REGISTERS and name != "@":
                raise ValueError(f"{mnemonic}: unknown register {name!r}")
        if mnemonic in rows:
            raise ValueError(f"{mnemonic} declared twice")
        rows[mnemonic] = Effects(mnemonic, _split(reads), _split(writes), _parse_flags(flags),
                                 flow, condition, "" if push == "-" else push,
                                 "" if pull == "-" else pull)
    return MappingProxyType(rows)


EFFECTS: Mapping[str, Effects] = _parse_rows(_EFFECT_ROWS)


def mode_reads(op) -> frozenset[str]:
    """Registers the addressing mode computes its address from."""
    mode = op.mode
    used: set[str] = set()
    if mode in DIRECT_PAGE_MODES:
        used.add("D")
    if mode in (Mode.DP_X, Mode.DP_X_IND, Mode.ABS_X, Mode.LONG_X, Mode.ABS_X_IND):
        used.add("X")
    if mode in (Mode.DP_Y, Mode.DP_IND_Y, Mode.DP_IND_LY, Mode.ABS_Y, Mode.SR_IND_Y):
        used.add("Y")
    if mode in (Mode.SR, Mode.SR_IND_Y):
        used.add("S")
    if op.access and mode in (Mode.ABS, Mode.ABS_X, Mode.ABS_Y, Mode.DP_IND,
                              Mode.DP_X_IND, Mode.DP_IND_Y, Mode.SR_IND_Y):
        used.add("DBR")
    if mode is Mode.ABS_X_IND:
        used.add("PBR")     # JMP/JSR (a,x) read their pointer from the program bank
    return frozenset(used)


def _resolve(row: Effects, op) -> Effects:
    accumulator = op.mode is Mode.ACC
    operand = frozenset({"A"}) if accumulator else frozenset()
    reads = (row.reads - {"@"}) | (operand if "@" in row.reads else frozenset()) | mode_reads(op)
    writes = (row.writes - {"@"}) | (operand if "@" in row.writes else frozenset())
    flags = row.flags
    if op.opcode in _FLAG_OVERRIDES:
        flags = _parse_flags(_FLAG_OVERRIDES[op.opcode])
    return Effects(row.mnemonic, frozenset(reads), frozenset(writes), flags, row.flow,
                   row.condition, row.push, row.pull,
                   reads_memory="r" in op.access, writes_memory="w" in op.access)


def effects(instruction, mode=None) -> Effects:
    """Effects of a mnemonic (``str``, case-insensitive) or an :class:`Opcode` row.

    A mnemonic with a ``mode`` resolves like its opcode; a bare mnemonic keeps
    ``@`` for "A or memory, depending on the operand". Raises KeyError for an
    unknown mnemonic or a mode the mnemonic lacks.
    """
    if isinstance(instruction, str):
        row = EFFECTS[instruction.upper()]
        if mode is None:
            return row
        code = find(row.mnemonic, mode)
        if code is None:
            raise KeyError(f"{row.mnemonic} has no {mode} form")
        return _resolve(row, OPCODES[code])
    return _resolve(EFFECTS[instruction.mnemonic], instruction)


def _mnemonic(instruction) -> str:
    return instruction.upper() if isinstance(instruction, str) else instruction.mnemonic


def _size(spec: str, m: int, x: int, emulation: bool) -> int:
    if not spec:
        return 0
    if spec == "m":
        return 1 if (m & 1 or emulation) else 2
    if spec == "x":
        return 1 if (x & 1 or emulation) else 2
    if spec.endswith("+n"):
        return int(spec[:-2]) + (0 if emulation else 1)
    return int(spec)


def stack_bytes(instruction, m: int = 1, x: int = 1, emulation: bool = False) -> tuple[int, int]:
    """``(pushed, pulled)`` bytes of one instruction; ``m``/``x`` are the P bits
    (1 = 8-bit), forced to 1 in emulation mode."""
    row = EFFECTS[_mnemonic(instruction)]
    return _size(row.push, m, x, emulation), _size(row.pull, m, x, emulation)


def stack_delta(instruction, m: int = 1, x: int = 1, emulation: bool = False) -> int:
    """How far S moves: negative for pushes (PHA with M=0: -2), positive for pulls."""
    pushed, pulled = stack_bytes(instruction, m, x, emulation)
    return pulled - pushed


def stack_size_depends_on(instruction) -> str:
    """``"m"`` or ``"x"`` when the bytes moved depend on that flag, else ``""``."""
    row = EFFECTS[_mnemonic(instruction)]
    spec = row.push or row.pull
    return spec if spec in ("m", "x") else ""


def flow(instruction) -> str:
    return EFFECTS[_mnemonic(instruction)].flow


def is_push(instruction) -> bool:
    return bool(EFFECTS[_mnemonic(instruction)].push) and flow(instruction) == "next"


def is_pull(instruction) -> bool:
    return bool(EFFECTS[_mnemonic(instruction)].pull) and flow(instruction) == "next"


def is_return(instruction) -> bool:
    return flow(instruction) == "return"


def is_call(instruction) -> bool:
    return flow(instruction) == "call"


def is_jump(instruction) -> bool:
    """Unconditional transfer that is not a call: JMP, JML, BRA, BRL."""
    return flow(instruction) == "jump"


def is_conditional_branch(instruction) -> bool:
    return flow(instruction) == "branch"


def falls_through(instruction) -> bool:
    """False after JMP/JML/BRA/BRL, returns and STP: what follows is reached some other way."""
    return EFFECTS[_mnemonic(instruction)].falls_through


def branch_condition(instruction) -> tuple[str, int] | None:
    """``(flag, value)`` a conditional branch is taken on (BNE: ("Z", 0)), else None."""
    return EFFECTS[_mnemonic(instruction)].condition


def status_bit(flag: str) -> int:
    """The mask of a P register flag (``"M"`` -> 0x20, ``"C"`` -> 0x01); REP/SEP
    operands and pushed status bytes use this layout. E is not in P: ValueError."""
    if flag not in _P_FLAGS:
        raise ValueError(f"{flag!r} is not a bit of the status register")
    return 1 << (7 - _P_FLAGS.index(flag))


def mnemonics_where(predicate) -> frozenset[str]:
    """Every mnemonic whose (mnemonic-level) :class:`Effects` satisfies ``predicate``."""
    return frozenset(name for name, row in EFFECTS.items() if predicate(row))


__all__ = [
    "CLEARED",
    "COMPUTED",
    "EFFECTS",
    "FLAGS",
    "FLOWS",
    "OPERAND_CLEARS",
    "OPERAND_SETS",
    "REGISTERS",
    "SET",
    "Effects",
    "branch_condition",
    "effects",
    "falls_through",
    "flow",
    "is_call",
    "is_conditional_branch",
    "is_jump",
    "is_pull",
    "is_push",
    "is_return",
    "mnemonics_where",
    "mode_reads",
    "stack_bytes",
    "stack_delta",
    "stack_size_depends_on",
    "status_bit",
]
