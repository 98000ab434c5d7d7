"""Loading programs for `asm run`: address syntax, binaries on each map, sources."""

from __future__ import annotations

import pytest

from triforce.sim import FlatBus, SnesBus
from triforce.sim.program import (
    ASSEMBLY_FAILED, EMPTY_PROGRAM, load_binary, load_source, parse_address, run_program,
)


@pytest.mark.parametrize("text,value", [
    ("$008000", 0x008000), ("$00:8000", 0x008000), ("$7E:10", 0x7E0010), ("0x8000", 0x8000),
    ("0X7e2000", 0x7E2000), ("8000h", 0x8000), ("32768", 0x8000), (" $FFFFFF ", 0xFFFFFF),
])
def test_parse_address(text, value):
    assert parse_address(text) == value


@pytest.mark.parametrize("text", ["", "zz", "$", "0x", "$1000000", "16777216", "-5", "$12:34567"])
def test_parse_address_rejects(text):
    with pytest.raises(ValueError):
        parse_address(text)


@pytest.mark.parametrize("mapper,bus_type", [("flat", FlatBus), ("lorom", SnesBus), ("hirom", SnesBus)])
def test_binary_on_each_map(mapper, bus_type):
    program = load_binary(bytes([0xA9, 0x2A, 0xDB]), 0x008000, mapper)
    assert program.ok and isinstance(program.bus, bus_type)
    result, state = run_program(program)
    assert result.reason == "stp" and state.a == 0x2A


def test_empty_binary():
    program = load_binary(b"")
    assert not program.ok and [d.code for d in program.diagnostics] == [EMPTY_PROGRAM]


def test_source_loading():
    pytest.importorskip("triforce.asm")
    program = load_source("org $008100\nlda #$05\nsta $7E0000\nlda $0000\nstp\n")
    assert program.ok and program.start == 0x008100 and isinstance(program.bus, SnesBus)
    result, state = run_program(program)
    assert result.reason == "stp" and state.a == 0x05
    flat = load_source("org $008000\nlda #$05\nsta $7E0000\nlda $0000\nstp\n", mapper="flat")
    _, state = run_program(flat)
    assert state.a == 0  # no WRAM mirror on the flat map
    broken = load_source("lda (\n")
    assert not broken.ok and ASSEMBLY_FAILED in [d.code for d in broken.diagnostics]
