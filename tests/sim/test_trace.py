"""Instruction traces: entries, head/tail trimming, and the text of each instruction."""

from __future__ import annotations

import pytest

from triforce.cli.main import main
from triforce.sim import CPU, CPUState, FlatBus
from triforce.sim.trace import instruction_text, trace


def _cpu(code: bytes) -> CPU:
    bus = FlatBus()
    bus.load(0x8000, code)
    return CPU(bus, CPUState(pc=0x8000))


def test_trace_records_each_step_with_registers_before():
    cpu = _cpu(bytes([0xA9, 0x05, 0x1A, 0xDB]))  # LDA #5 ; INC A ; STP
    traced = trace(cpu, 100)
    assert traced.result.reason == "stp" and traced.result.instructions == 3
    assert [e.text for e in traced.entries] == ["LDA #$05", "INC A", "STP"]
    assert [e.before.a for e in traced.entries] == [0, 5, 6]
    assert sum(e.cycles for e in traced.entries) == traced.result.cycles == 2 + 2 + 3


def test_trace_keeps_head_and_tail_of_a_long_run():
    cpu = _cpu(bytes([0xEA, 0x80, 0xFD]))  # NOP ; BRA back
    traced = trace(cpu, 1000, keep=5)
    assert traced.result.reason == "budget" and traced.result.instructions == 1000
    assert len(traced.head) == 5 and len(traced.tail) == 5 and traced.skipped == 990
    assert traced.tail[-1].index == 999


@pytest.mark.parametrize("data,pc24,m,x,text", [
    (bytes([0xB1, 0x10]), 0x8000, 1, 1, "LDA ($10),y"),
    (bytes([0xBF, 0x56, 0x34, 0x12]), 0x8000, 1, 1, "LDA $123456,x"),
    (bytes([0xA9, 0x34, 0x12]), 0x8000, 0, 1, "LDA #$1234"),
    (bytes([0xD0, 0xFE]), 0x8000, 1, 1, "BNE $8000"),
    (bytes([0x82, 0x00, 0x80]), 0x8000, 1, 1, "BRL $0003"),
    (bytes([0x54, 0x7F, 0x7E]), 0x8000, 1, 1, "MVN $7E,$7F"),
    (bytes([0x0A]), 0x8000, 1, 1, "ASL A"),
])
def test_instruction_text(data, pc24, m, x, text):
    assert instruction_text(data, pc24, m, x) == text


def test_run_trace_option(tmp_path, capsys):
    program = tmp_path / "p.bin"
    program.write_bytes(bytes([0xA9, 0x05, 0xDB]))
    assert main(["asm", "run", str(program), "--bin", "--trace", "10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "LDA #$05" in out[0] and "STP" in out[1]
    assert out[-1] == "stop: stp after 2 instructions, 5 cycles"
    assert main(["asm", "run", str(program), "--bin", "--trace", "-1"]) == 1
