"""The cycle counter: per-line bytes and cycle ranges, from assembled records or a
plain listing, and agreement with what the simulator actually spends."""

from __future__ import annotations

import pytest

from triforce.analysis.cycles import _from_listing, count_cycles, parse_operand_mode
from triforce.isa import Mode
from triforce.sim import CPU, CPUState, FlatBus

# (source line, m, x, emulation, dl_nonzero, bytes, cycles) - one instruction each.
CASES = [
    ("LDA #$12", 1, 1, False, False, 2, "2"),
    ("LDA #$1234", 0, 1, False, False, 3, "3"),
    ("LDX #$1234", 1, 0, False, False, 3, "3"),
    ("LDA $10", 1, 1, False, None, 2, "3-4"),
    ("LDA $10", 0, 1, False, True, 2, "5"),
    ("LDA $10,x", 1, 1, False, False, 2, "4"),
    ("LDA $1234", 1, 1, False, False, 3, "4"),
    ("LDA $1234,x", 1, 1, False, False, 3, "4-5"),
    ("LDA $1234,y", 1, 0, False, False, 3, "5"),
    ("LDA $123456", 0, 0, False, False, 4, "6"),
    ("LDA $123456,x", 1, 1, False, False, 4, "5"),
    ("LDA ($10),y", 1, 1, False, False, 2, "5-6"),
    ("LDA ($10,x)", 1, 1, False, False, 2, "6"),
    ("LDA [$10],y", 0, 1, False, False, 2, "7"),
    ("LDA $03,s", 1, 1, False, False, 2, "4"),
    ("LDA ($03,s),y", 0, 1, False, False, 2, "8"),
    ("STA $1234,x", 1, 1, False, False, 3, "5"),
    ("ASL $10", 0, 1, False, False, 2, "7"),
    ("INC $1234,x", 1, 1, False, False, 3, "7"),
    ("ASL", 1, 1, False, False, 1, "2"),
    ("ASL A", 0, 0, False, False, 1, "2"),
    ("BNE $10", 1, 1, False, False, 2, "2-3"),
    ("BNE $10", 1, 1, True, False, 2, "2-4"),
    ("BRA $10", 1, 1, False, False, 2, "3"),
    ("BRL $1000", 1, 1, False, False, 3, "4"),
    ("JMP ($1234)", 1, 1, False, False, 3, "5"),
    ("JMP ($1234,x)", 1, 1, False, False, 3, "6"),
    ("JML [$1234]", 1, 1, False, False, 3, "6"),
    ("JMP [$1234]", 1, 1, False, False, 3, "6"),
    ("JMP.l $128000", 1, 1, False, False, 4, "4"),
    ("JSL $128000", 1, 1, False, False, 4, "8"),
    ("JSR $8000", 1, 1, False, False, 3, "6"),
    ("PHA", 0, 1, False, False, 1, "4"),
    ("PLX", 1, 0, False, False, 1, "5"),
    ("PEI ($10)", 1, 1, False, True, 2, "7"),
    ("MVN $7E,$7F", 1, 1, False, False, 3, "7"),
    ("BRK #$00", 1, 1, False, False, 2, "8"),
    ("BRK #$00", 1, 1, True, False, 2, "7"),
    ("RTI", 1, 1, False, False, 1, "7"),
    ("LDA.w $0010", 1, 1, False, False, 3, "4"),
    ("LDA.l $0010", 1, 1, False, False, 4, "5"),
    ("LDA #$1234", 0, 1, True, False, 3, "2"),
]


@pytest.mark.parametrize("text,m,x,emulation,dl,size,cycles", CASES)
def test_instruction_counts(text, m, x, emulation, dl, size, cycles):
    for report in (count_cycles(text, m=m, x=x, emulation=emulation, dl_nonzero=dl),
                   _from_listing(text, m, x, emulation, dl, "<t>")):
        assert report.diagnostics == [], report.method
        [line] = report.lines
        assert (line.size, line.cycles) == (size, cycles), report.method


def test_assembled_source_tracks_rep_sep_and_skips_data():
    src = """
        lorom
        org $008000
    Start:
        REP #$30        ; 16-bit A and X
        LDA #$1234
        LDX #$0010
    .loop:
        DEX : STA $7E2000,x
        BNE .loop
        SEP #$20
        LDA #$12
        db $01, $02, $03
        RTS
    """
    report = count_cycles(src)
    assert report.method == "assembler" and report.diagnostics == []
    got = [(ln.text.split(";")[0].strip(), ln.size, ln.cycles, ln.m, ln.x) for ln in report.lines]
    assert got == [
        ("REP #$30", 2, "3", 1, 1),
        ("LDA #$1234", 3, "3", 0, 0),
        ("LDX #$0010", 3, "3", 0, 0),
        ("DEX : STA $7E2000,x", 5, "8", 0, 0),
        ("BNE .loop", 2, "2-3", 0, 0),
        ("SEP #$20", 2, "3", 0, 0),
        ("LDA #$12", 2, "2", 1, 0),
        ("RTS", 1, "6", 1, 0),
    ]
    assert (report.total_bytes, report.total_min, report.total_max) == (20, 30, 31)
    assert report.lines[0].addr == 0x008000


def test_assembly_result_input():
    asm = pytest.importorskip("triforce.asm")
    result = asm.assemble("REP #$20\nLDA $10\nSEP #$20\nLDA $10\n")
    report = count_cycles(result, dl_nonzero=False)
    assert [ln.cycles for ln in report.lines] == ["3", "4", "3", "3"]


def test_listing_fallback_handles_unknown_labels_and_separators():
    report = count_cycles("loop: LDA $10 : STA $12\n  BEQ loop\n  JMP somewhere\n", dl_nonzero=False)
    assert report.method in ("assembler", "listing")
    assert [(ln.size, ln.cycles) for ln in report.lines] == [(4, "6"), (2, "2-3"), (3, "3")]
    listing = count_cycles("  BNE undefined_label\n  LDA $10\n", dl_nonzero=False)
    assert listing.method == "listing" and [ln.cycles for ln in listing.lines] == ["2-3", "3"]


def test_listing_diagnostics():
    report = _from_listing("org $8000\nLDA ($10,s)\nNOP\n", 1, 1, False, False, "f.asm")
    assert [d.code for d in report.diagnostics] == ["S201", "S202"]
    assert report.diagnostics[0].span.line == 1 and report.diagnostics[1].span.line == 2
    assert [ln.text for ln in report.lines] == ["NOP"]


@pytest.mark.parametrize("mnemonic,operand,mode", [
    ("LDA", "($12),y", Mode.DP_IND_Y), ("LDA", "[$12]", Mode.DP_IND_L),
    ("JML", "[$1234]", Mode.ABS_IND_L), ("LDX", "$12,y", Mode.DP_Y), ("STA", "$12,y", Mode.ABS_Y),
    ("LDA", "$12,s", Mode.SR), ("JML", "$8000", Mode.LONG), ("INC", "", Mode.ACC),
    ("PEA", "$1234", Mode.ABS), ("MVP", "$7E,$7F", Mode.BLOCK), ("PER", "label", Mode.REL16),
])
def test_operand_modes(mnemonic, operand, mode):
    assert parse_operand_mode(mnemonic, operand, None)[0] is mode


def test_counts_bracket_the_simulated_cycles():
    """The counter's range contains what the simulator spends on the same bytes."""
    asm = pytest.importorskip("triforce.asm")
    src = ("CLC\nXCE\nREP #$30\nLDX #$0004\nloop:\nLDA $1000,x\nADC $10\nSTA $2001,y\n"
           "DEX\nBPL loop\nSEP #$30\nLDA ($20),y\nSTP\n")
    result = asm.assemble(src)
    assert result.ok
    report = count_cycles(result, dl_nonzero=False)
    bus = FlatBus()
    for write in result.writes:
        bus.load(write.snes_addr, write.data)
    cpu = CPU(bus, CPUState(pc=0x8000, y=0xFF))
    per_line = {}
    by_addr = {ln.addr: ln for ln in report.lines}
    while not cpu.halted:
        addr = cpu.state.pc24
        spent = cpu.step()
        if addr in by_addr:
            per_line.setdefault(addr, []).append(spent)
    for addr, spent in per_line.items():
        line = by_addr[addr]
        assert all(line.cycles_min <= s <= line.cycles_max for s in spent), (line.text, spent)
    assert len(per_line) == len(report.lines)


def test_assembly_result_skips_data_lines_using_the_source_file(tmp_path):
    asm = pytest.importorskip("triforce.asm")
    path = tmp_path / "code.asm"
    path.write_text("LDA #$01\ndb $A9, $02\nRTS\n")
    result = asm.assemble(path.read_text(), filename=str(path))
    report = count_cycles(result)
    assert [ln.text for ln in report.lines] == ["LDA #$01", "RTS"]
    assert report.total_bytes == 3


def test_assembly_result_with_its_source_text():
    asm = pytest.importorskip("triforce.asm")
    code = "LDA #$01\ndw $1234\nRTS\n"
    result = asm.assemble(code, filename="answer.asm")
    report = count_cycles(result, source=code, filename="answer.asm")
    assert [ln.text for ln in report.lines] == ["LDA #$01", "RTS"]


def test_markdown_table_lists_every_line_and_the_total():
    from triforce.analysis.cycles import count_cycles

    table = count_cycles("LDA $10,x\nSTA $2118\n", m=0, x=1).to_markdown()
    rows = table.splitlines()
    assert len(rows) == 2 + 2 + 1
    assert "`LDA $10,x`" in rows[2] and "| 5-6 |" in rows[2]
    assert "**10-11**" in rows[-1]
