"""Decoding checked against an independent emulator core's vectors (../shared).

For every opcode in both native and emulation mode, the oracle vectors give the
CPU state before and after one instruction. With M/X/E taken from the initial
P and E, the decoded length must be how far the PC moved (for instructions that
do not jump), and a branch must land on the decoded target or fall through.
"""

from __future__ import annotations

import gzip
import json

import pytest

from triforce.disasm import disassemble
from triforce.isa import OPCODES, Mode

VECTORS_PER_FILE = 8
# Instructions that move the PC somewhere other than the next instruction.
_CONTROL_FLOW = frozenset({"JMP", "JML", "JSR", "JSL", "RTS", "RTL", "RTI", "BRK", "COP",
                           "MVN", "MVP", "STP", "WAI"})


def _instruction_bytes(initial: dict) -> tuple[int, bytes]:
    pbr, pc = initial["pbr"], initial["pc"]
    ram = {addr: value for addr, value in initial["ram"]}
    start = (pbr << 16) | pc
    # The PC wraps inside the program bank.
    data = bytes(ram.get((pbr << 16) | ((pc + i) & 0xFFFF), 0) for i in range(4))
    return start, data


def test_lengths_and_branch_targets_match_the_oracle(shared):
    files = sorted((shared / "cpu65816" / "oracle" / "v1").glob("*.json.gz"))
    if not files:
        pytest.skip("oracle vectors not present in the shared folder")
    checked, problems = 0, []
    for path in files:
        with gzip.open(path, "rt") as fh:
            vectors = json.load(fh)[:VECTORS_PER_FILE]
        for vec in vectors:
            initial, final = vec["initial"], vec["final"]
            start, data = _instruction_bytes(initial)
            p, e = initial["p"], bool(initial["e"])
            result = disassemble(data, start_addr=start, m=(p >> 5) & 1, x=(p >> 4) & 1,
                                 emulation=e, count=1)
            ins = result.instructions[0]
            op = OPCODES[ins.opcode]
            next_pc = (initial["pc"] + ins.length) & 0xFFFF
            if op.mode in (Mode.REL8, Mode.REL16) and op.mnemonic != "PER":
                landed = {ins.target & 0xFFFF, next_pc}
                if final["pc"] not in landed:
                    problems.append(f"{vec['name']}: {ins.text} -> ${ins.target:06X}, "
                                    f"CPU went to ${final['pc']:04X}")
            elif op.mnemonic not in _CONTROL_FLOW and final["pc"] != next_pc:
                problems.append(f"{vec['name']}: {ins.text} decoded as {ins.length} bytes, "
                                f"CPU moved {(final['pc'] - initial['pc']) & 0xFFFF}")
            checked += 1
    assert problems == []
    assert checked >= 512 * VECTORS_PER_FILE // 2
