"""Instruction traces: what ran, in order, with the registers before each step.

``trace(cpu, max_instructions)`` steps the CPU one instruction at a time (slower
than :meth:`CPU.run`, which is why it is separate) and records a
:class:`TraceEntry` per step, keeping the first ``keep`` entries and the last
``keep`` before the stop so a runaway program still gives a readable trace.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from triforce.isa import OPCODES, Mode
from triforce.sim.cpu import CPU, RunResult
from triforce.sim.state import CPUState


@dataclass(frozen=True)
class TraceEntry:
    index: int            # 0-based step number
    pc24: int
    data: bytes           # the instruction's bytes
    text: str             # e.g. ``LDA $10,x``
    before: CPUState      # registers before the step
    cycles: int

    def format(self) -> str:
        raw = " ".join(f"{b:02X}" for b in self.data)
        return (f"{self.index:>7} {self.pc24 >> 16:02X}:{self.pc24 & 0xFFFF:04X}  {raw:<11} "
                f"{self.text:<16} {self.before.format()}  +{self.cycles}")


@dataclass
class TraceResult:
    result: RunResult
    head: list[TraceEntry] = field(default_factory=list)
    tail: list[TraceEntry] = field(default_factory=list)   # entries after ``head``, up to ``keep``

    @property
    def entries(self) -> list[TraceEntry]:
        return self.head + self.tail

    @property
    def skipped(self) -> int:
        """Steps between ``head`` and ``tail`` that were not kept."""
        return self.result.instructions - len(self.head) - len(self.tail)


def instruction_text(data: bytes, pc24: int, m: int, x: int) -> str:
    """asar-style text of the instruction in ``data`` (fetched at ``pc24``)."""
    op = OPCODES[data[0]]
    operand = int.from_bytes(data[1:], "little")
    if op.mode in (Mode.IMP,):
        return op.mnemonic
    if op.mode is Mode.ACC:
        return f"{op.mnemonic} A"
    if op.mode is Mode.REL8:
        target = (pc24 + 2 + ((operand ^ 0x80) - 0x80)) & 0xFFFF
        return f"{op.mnemonic} ${target:04X}"
    if op.mode is Mode.REL16:
        target = (pc24 + 3 + ((operand ^ 0x8000) - 0x8000)) & 0xFFFF
        return f"{op.mnemonic} ${target:04X}"
    if op.mode is Mode.BLOCK:
        return f"{op.mnemonic} ${data[2]:02X},${data[1]:02X}"
    value = f"${operand:0{2 * (len(data) - 1)}X}"
    return f"{op.mnemonic} {op.mode.syntax.format(value)}"


def trace(cpu: CPU, max_instructions: int = 1000, keep: int = 200) -> TraceResult:
    """Step ``cpu`` until STP, WAI or the budget, recording each instruction."""
    head: list[TraceEntry] = []
    tail: deque[TraceEntry] = deque(maxlen=max(0, keep))
    bus = cpu.bus
    total_cycles = 0
    reason = "budget"
    count = 0
    if cpu.halted:
        return TraceResult(RunResult(cpu.halted, 0, 0))
    for count in range(1, max(0, max_instructions) + 1):
        before = cpu.state
        pc24 = before.pc24
        op = OPCODES[bus.read(pc24)]
        m, x = (1, 1) if before.e else (before.m, before.xf)
        size = op.length(m, x)
        data = bytes(bus.read((pc24 & 0xFF0000) | ((pc24 + i) & 0xFFFF)) for i in range(size))
        spent = cpu.step()
        total_cycles += spent
        entry = TraceEntry(count - 1, pc24, data, instruction_text(data, pc24, m, x), before, spent)
        (head if len(head) < keep else tail).append(entry)
        if cpu.halted:
            reason = cpu.halted
            break
    return TraceResult(RunResult(reason, count, total_cycles), head, list(tail))
