"""The instruction table: complete, consistent, and in agreement with the vectors' cycle counts."""

from __future__ import annotations

import gzip
import json

import pytest

from triforce.isa import OPCODES, Mode, by_mnemonic, cycles, find


def test_every_opcode_declared_once():
    assert len(OPCODES) == 256
    assert [op.opcode for op in OPCODES] == list(range(256))


@pytest.mark.parametrize("mnemonic,mode,expected", [
    ("LDA", Mode.IMM_M, 0xA9), ("JML", Mode.ABS_IND_L, 0xDC), ("MVN", Mode.BLOCK, 0x54),
    ("PEI", Mode.DP_IND, 0xD4), ("STA", Mode.SR_IND_Y, 0x93), ("JSR", Mode.ABS_X_IND, 0xFC),
])
def test_find(mnemonic, mode, expected):
    assert find(mnemonic, mode) == expected
    assert by_mnemonic(mnemonic.lower())[mode] == expected


def test_lengths_follow_m_and_x():
    lda_imm, ldx_imm = OPCODES[0xA9], OPCODES[0xA2]
    assert (lda_imm.length(m=1), lda_imm.length(m=0)) == (2, 3)
    assert (ldx_imm.length(x=1), ldx_imm.length(x=0)) == (2, 3)
    assert ldx_imm.length(m=0, x=1) == 2
    assert OPCODES[0x22].length() == 4 and OPCODES[0x54].length() == 3


def test_penalty_rules():
    lda_dp_ind_y = OPCODES[0xB1]
    assert cycles(lda_dp_ind_y) == 5
    assert cycles(lda_dp_ind_y, m=0, dl_nonzero=True, page_crossed=True) == 8
    assert cycles(lda_dp_ind_y, x=0) == 6                  # X=0 always pays the index cycle
    assert cycles(OPCODES[0x0E], m=0) == 8                  # RMW 16-bit: +2
    assert cycles(OPCODES[0xD0], branch_taken=True) == 3
    assert cycles(OPCODES[0xD0], branch_taken=True, page_crossed=True, emulation=True) == 4
    assert cycles(OPCODES[0xD0], branch_taken=True, page_crossed=True, emulation=False) == 3
    assert cycles(OPCODES[0x00], emulation=True) == 7 and cycles(OPCODES[0x00]) == 8
    assert cycles(OPCODES[0x54], bytes_moved=5) == 35
    assert cycles(OPCODES[0xA9], m=0, emulation=True) == 2  # emulation forces 8-bit


def test_cycle_ranges_cover_every_oracle_vector(shared):
    """Each of the 512 opcode/mode files: the count lies within the table's range."""
    files = sorted((shared / "cpu65816" / "oracle" / "v1").glob("*.json.gz"))
    assert len(files) == 512
    for path in files:
        for test in json.loads(gzip.decompress(path.read_bytes())):
            init = test["initial"]
            ram = dict(init["ram"])
            op = OPCODES[ram[(init["pbr"] << 16) | init["pc"]]]
            if op.mnemonic in ("MVN", "MVP"):
                assert len(test["cycles"]) == 7
                continue
            e = init["e"]
            m = 1 if e else (init["p"] >> 5) & 1
            x = 1 if e else (init["p"] >> 4) & 1
            lo, hi = op.cycle_range(m, x, bool(e), (init["d"] & 0xFF) != 0)
            assert lo <= len(test["cycles"]) <= hi, (path.name, test["name"])
