"""Seeded random instruction streams, for round trips and cross-checks.

Every opcode of ``triforce.isa`` can appear; immediates get the length the
M/X in force gives them (tracked with the disassembler's own bookkeeping, so
REP/SEP/XCE/PLP in the stream change later widths exactly as decoding will).
"""

from __future__ import annotations

import random

from triforce.disasm.state import CpuKnowledge
from triforce.isa import OPCODES, Mode


def random_stream(seed: int, count: int, *, start_addr: int = 0x008000, m: int = 1, x: int = 1,
                  cover_all: bool = True, exclude: frozenset[int] = frozenset(),
                  wrap_branches: bool = True) -> bytes:
    """``count`` random instructions (at least one of every allowed opcode first
    when ``cover_all``). With ``wrap_branches=False``, 16-bit branch targets
    stay inside the bank without wrapping round its end (some assemblers
    reject the wrapped form even though the CPU allows it)."""
    rng = random.Random(seed)
    allowed = [op for op in range(256) if op not in exclude]
    order: list[int] = []
    if cover_all:
        order = allowed[:]
        rng.shuffle(order)
    cpu = CpuKnowledge(m=m & 1, x=x & 1)
    out = bytearray()
    for i in range(max(count, len(order) if cover_all else 0)):
        opcode = order[i] if i < len(order) else rng.choice(allowed)
        op = OPCODES[opcode]
        length = op.length(cpu.m, cpu.x)
        addr = (start_addr + len(out)) & 0xFFFFFF
        operand_bytes = bytes(rng.randrange(256) for _ in range(length - 1))
        if op.mode is Mode.REL16 and not wrap_branches:
            after = (addr + length) & 0xFFFF
            disp = rng.randint(max(-0x8000, -after), min(0x7FFF, 0xFFFF - after))
            operand_bytes = (disp & 0xFFFF).to_bytes(2, "little")
        operand = int.from_bytes(operand_bytes, "little") if operand_bytes else None
        out.append(opcode)
        out += operand_bytes
        cpu.step(op, operand, addr)
    return bytes(out)
