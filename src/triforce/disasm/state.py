"""What the disassembler knows about the CPU while it walks a straight line of code.

M and X decide how long immediate operands are, so they are tracked through
REP/SEP, XCE (when the carry is known from CLC/SEC) and PHP..PLP pairs. DB and D
only decide which symbol an operand refers to; they are tracked through the
idioms that set them (``PHK : PLB``, ``LDA #$7E : PHA : PLB``, ``PEA : PLD``,
``LDA #imm : TCD``, MVN/MVP). Anything not understood makes a value unknown
(None), never a guess. A call (JSR/JSL) is assumed to return with the stack,
M/X, DB and D as they were, as disassemblers conventionally do; A is forgotten.

Which registers, flags and stack bytes an instruction touches, and where
control goes, come from ``triforce.isa``'s effects table; this module only
models the values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.isa import Mode, Opcode, effects, stack_bytes
from triforce.isa.queries import register_writes

_STACK_LIMIT = 64  # bytes of known stack kept; deeper knowledge is dropped

#: What ``CpuKnowledge.step`` returns when M/X were pulled from an unknown byte.
UNKNOWN_FLAGS = "unknown-flags"


@dataclass(frozen=True)
class SavedFlags:
    """A byte pushed by PHP whose M/X bits are the ones assumed when it was pushed."""

    m: int
    x: int


StackByte = int | SavedFlags | None


@dataclass
class CpuKnowledge:
    m: int = 1
    x: int = 1
    emulation: bool | None = None
    carry: int | None = None
    db: int | None = None
    d: int | None = None
    a_lo: int | None = None
    a_hi: int | None = None
    stack: list[StackByte] = field(default_factory=list)  # top is the last item

    # -- stack helpers -------------------------------------------------
    def _push(self, *items: StackByte) -> None:
        self.stack.extend(items)
        del self.stack[:-_STACK_LIMIT]

    def _pull(self) -> StackByte:
        return self.stack.pop() if self.stack else None

    @staticmethod
    def _byte(item: StackByte) -> int | None:
        return item if isinstance(item, int) else None

    def _word(self, lo: int | None, hi: int | None) -> int | None:
        return None if lo is None or hi is None else (hi << 8) | lo

    def _set_flags(self, m: int, x: int) -> None:
        if self.emulation:
            m = x = 1
        self.m, self.x = m, x

    # -- the transfer function ------------------------------------------
    def step(self, op: Opcode, operand: int | None, addr: int) -> str | None:
        """Update the knowledge after ``op`` at ``addr``; returns a diagnostic
        code when something could not be known (e.g. PLP of an unknown byte)."""
        name = op.mnemonic
        fx = effects(op)
        note = None
        old_carry = self.carry
        # Calls and interrupt handlers may change anything; jumps lead elsewhere.
        leaves = fx.flow not in ("next", "branch")
        if "A" in register_writes(name, accumulator=op.mode is Mode.ACC) or \
                fx.flow in ("call", "interrupt", "wait"):
            a_lo, a_hi = self.a_lo, self.a_hi
            self.a_lo = self.a_hi = None
            if name == "LDA" and op.mode is Mode.IMM_M and operand is not None:
                self.a_lo = operand & 0xFF
                self.a_hi = (operand >> 8) & 0xFF if not self.m else a_hi
            elif name == "TDC" and self.d is not None:
                self.a_lo, self.a_hi = self.d & 0xFF, self.d >> 8
            elif name == "XBA":
                self.a_lo, self.a_hi = a_hi, a_lo
        if fx.writes_flag("C") or leaves:
            self.carry = None

        if name == "REP" and operand is not None:
            if operand & 0x01:
                self.carry = 0
            elif old_carry is not None:
                self.carry = old_carry
            self._set_flags(0 if operand & 0x20 else self.m, 0 if operand & 0x10 else self.x)
        elif name == "SEP" and operand is not None:
            if operand & 0x01:
                self.carry = 1
            elif old_carry is not None:
                self.carry = old_carry
            self._set_flags(1 if operand & 0x20 else self.m, 1 if operand & 0x10 else self.x)
        elif name == "CLC":
            self.carry = 0
        elif name == "SEC":
            self.carry = 1
        elif name == "XCE":
            new_e = None if old_carry is None else bool(old_carry)
            self.carry = None if self.emulation is None else int(self.emulation)
            self.emulation = new_e
            if new_e:
                self._set_flags(1, 1)
        elif fx.push and fx.flow == "next":
            self._apply_push(name, operand, addr)
        elif fx.pull and fx.flow == "next":
            note = self._apply_pull(name)
        elif name == "TCD":
            self.d = self._word(self.a_lo, self.a_hi)
        elif name in ("TCS", "TXS"):
            self.stack.clear()
        elif name == "RTI":
            self.stack.clear()
            note = UNKNOWN_FLAGS
        elif name in ("MVN", "MVP") and operand is not None:
            self.db = operand & 0xFF  # a block move leaves DB at the destination bank
        if not fx.falls_through:
            self.stack.clear()
            self.a_lo = self.a_hi = None
        return note

    def _apply_push(self, name: str, operand: int | None, addr: int) -> None:
        if name == "PHK":
            self._push((addr >> 16) & 0xFF)
        elif name == "PHB":
            self._push(self.db)
        elif name == "PHD":
            d = self.d
            self._push(None if d is None else d >> 8, None if d is None else d & 0xFF)
        elif name == "PHP":
            self._push(SavedFlags(self.m, self.x))
        elif name == "PEA" and operand is not None:
            self._push(operand >> 8, operand & 0xFF)
        elif name == "PHA":
            if self.m:
                self._push(self.a_lo)
            else:
                self._push(self.a_hi, self.a_lo)
        else:  # PHX, PHY, PEI, PER: bytes of unknown value
            self._push(*([None] * stack_bytes(name, self.m, self.x)[0]))

    def _apply_pull(self, name: str) -> str | None:
        if name == "PLB":
            self.db = self._byte(self._pull())
        elif name == "PLD":
            lo = self._byte(self._pull())
            hi = self._byte(self._pull())
            self.d = self._word(lo, hi)
        elif name == "PLP":
            item = self._pull()
            if isinstance(item, SavedFlags):
                self._set_flags(item.m, item.x)
            elif isinstance(item, int):
                self._set_flags((item >> 5) & 1, (item >> 4) & 1)
                self.carry = item & 1
            else:
                return UNKNOWN_FLAGS
        elif name == "PLA":
            if self.m:
                self.a_lo = self._byte(self._pull())
            else:
                self.a_lo = self._byte(self._pull())
                self.a_hi = self._byte(self._pull())
        else:  # PLX, PLY
            for _ in range(stack_bytes(name, self.m, self.x)[1]):
                self._pull()
        return None
