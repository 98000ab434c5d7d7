"""`triforce asm conformance`, `asm run` and `asm cycles` from the command line,
bad input included (clear errors, never a traceback)."""

from __future__ import annotations

import gzip
import json

import pytest

from triforce.cli.main import main
from triforce.sim.conformance import (
    BAD_ARCHIVE, BAD_JSON, BAD_LAYOUT, BAD_VECTOR, UNREADABLE, run_vector_file,
)


def _vectors(shared, name="oracle/v1/a9.n.json.gz"):
    return json.loads(gzip.decompress((shared / "cpu65816" / name).read_bytes()))


def test_conformance_cli_prints_per_file_and_totals(shared, capsys):
    files = [str(shared / "cpu65816/sst/v1/08.e.json.gz"), str(shared / "cpu65816/oracle/v1/61.e.json.gz")]
    assert main(["asm", "conformance", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["08.e.json.gz: 100/100", "61.e.json.gz: 40/40", "140 passed, 0 failed"]


def test_conformance_counts_failures_and_exits_1(shared, tmp_path, capsys):
    vectors = _vectors(shared)[:5]
    vectors[1]["final"]["a"] ^= 1
    vectors[2]["cycles"].append([0, 0, "r"])
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(vectors))
    assert main(["asm", "conformance", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "broken.json: 3/5" and out[-1] == "3 passed, 2 failed"
    assert any("cycles" in line for line in out[1:-1])


@pytest.mark.parametrize("content,code", [
    (None, UNREADABLE),
    (b"\x1f\x8b\x08\x00truncated", BAD_ARCHIVE),
    (b"[{\"name\": ", BAD_JSON),
    (b"\xff\xfe", BAD_JSON),
    (b"{\"a\": 1}", BAD_LAYOUT),
])
def test_unreadable_files_are_diagnosed(tmp_path, content, code):
    path = tmp_path / "v.json"
    if content is not None:
        path.write_bytes(content)
    result = run_vector_file(path)
    assert (result.passed, result.failed) == (0, 1)
    assert [d.code for d in result.diagnostics] == [code]


def test_truncated_gzip_of_real_file(shared, tmp_path, capsys):
    raw = (shared / "cpu65816/oracle/v1/a9.n.json.gz").read_bytes()
    path = tmp_path / "cut.json.gz"
    path.write_bytes(raw[: len(raw) // 2])
    assert main(["asm", "conformance", str(path)]) == 1
    captured = capsys.readouterr()
    assert f"error[{BAD_ARCHIVE}]" in captured.err and "Traceback" not in captured.err
    assert captured.out.splitlines()[-1] == "0 passed, 1 failed"


def test_malformed_vector_is_counted_not_raised(shared, tmp_path):
    vectors = _vectors(shared)[:3]
    del vectors[0]["final"]["pc"]
    vectors[1]["initial"]["ram"] = "nonsense"
    path = tmp_path / "v.json"
    path.write_text(json.dumps(vectors + [42]))
    result = run_vector_file(path)
    assert (result.passed, result.failed) == (1, 3)
    assert {d.code for d in result.diagnostics} == {BAD_VECTOR}


# -- asm run ----------------------------------------------------------------------------
def test_run_binary_with_stats(tmp_path, capsys):
    # CLC ; XCE ; REP #$30 ; LDA #$1234 ; ADC #$1111 ; STA $1000 ; STP
    program = tmp_path / "p.bin"
    program.write_bytes(bytes([0x18, 0xFB, 0xC2, 0x30, 0xA9, 0x34, 0x12, 0x69, 0x11, 0x11,
                               0x8D, 0x00, 0x10, 0xDB]))
    assert main(["asm", "run", str(program), "--bin", "--stats"]) == 0
    out = capsys.readouterr().out.splitlines()
    # XCE moved the old E (1) into C, so the ADC adds one more
    assert out[0].startswith("A=$2346 ") and "PC=$00:800E" in out[0] and "E=0" in out[0]
    assert out[1] == "stop: stp after 7 instructions, 21 cycles"
    assert out[2] == "instructions: 7" and out[3].startswith("instructions/s: ")


def test_run_binary_at_a_load_address_with_separate_start(tmp_path, capsys):
    program = tmp_path / "p.bin"
    program.write_bytes(bytes([0xEA, 0xA9, 0x07, 0xDB]))  # NOP ; LDA #7 ; STP
    assert main(["asm", "run", str(program), "--bin", "--load", "0x7E2000", "--start", "$7E:2001"]) == 0
    out = capsys.readouterr().out
    assert "A=$0007" in out and "stop: stp after 2 instructions" in out


def test_run_stops_at_the_budget(tmp_path, capsys):
    program = tmp_path / "loop.bin"
    program.write_bytes(bytes([0x80, 0xFE]))
    assert main(["asm", "run", str(program), "--bin", "--max-instructions", "500"]) == 0
    assert "stop: budget after 500 instructions" in capsys.readouterr().out


def test_run_garbage_never_tracebacks(tmp_path, capsys):
    program = tmp_path / "garbage.bin"
    program.write_bytes(bytes((i * 37 + 11) & 0xFF for i in range(4096)))
    assert main(["asm", "run", str(program), "--bin", "--max-instructions", "20000"]) == 0
    assert "stop: " in capsys.readouterr().out


def test_run_source(tmp_path, capsys):
    pytest.importorskip("triforce.asm")
    src = tmp_path / "p.asm"
    src.write_text("lorom\norg $008000\n  lda #$42\n  sta $7E0010\n  inc $10\n  lda $10\n  stp\n")
    assert main(["asm", "run", str(src)]) == 0
    assert capsys.readouterr().out.startswith("A=$0043 ")


@pytest.mark.parametrize("argv,needle", [
    (["--bin", "--load", "zz"], "not an address"),
    (["--bin", "--start", "$1000000"], "not an address"),
    (["--bin", "--max-instructions", "-1"], "--max-instructions"),
])
def test_run_bad_arguments(tmp_path, capsys, argv, needle):
    program = tmp_path / "p.bin"
    program.write_bytes(b"\xdb")
    assert main(["asm", "run", str(program), *argv]) == 1
    assert needle in capsys.readouterr().err


def test_run_bad_files(tmp_path, capsys):
    assert main(["asm", "run", str(tmp_path / "missing.bin"), "--bin"]) == 1
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    assert main(["asm", "run", str(empty), "--bin"]) == 1
    binary = tmp_path / "x.asm"
    binary.write_bytes(b"\xff\xfe\x00")
    assert main(["asm", "run", str(binary)]) == 1
    err = capsys.readouterr().err
    assert "cannot read" in err and "S303" in err and "not UTF-8" in err


# -- asm cycles ------------------------------------------------------------------------
def test_cycles_listing_table(tmp_path, capsys):
    src = tmp_path / "l.asm"
    src.write_text("  LDA $10,x\n  BNE missing_label\n  REP #$20\n  LDA $1234,y\n")
    assert main(["asm", "cycles", str(src)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:3] == ["1", "2", "4-5"]
    assert out[2].split()[:3] == ["2", "2", "2-3"]
    assert out[4].split()[:3] == ["4", "3", "5-6"]
    assert out[5] == "total: 9 bytes, 14-17 cycles"


def test_cycles_options(tmp_path, capsys):
    src = tmp_path / "l.asm"
    src.write_text("LDA #$12\nLDA $10\n")
    assert main(["asm", "cycles", str(src), "--m", "16", "--d", "$0000"]) == 0
    # asar sizes `#$12` by the literal (2 bytes); M=0 still prices the 16-bit read
    assert "total: 4 bytes, 7 cycles" in capsys.readouterr().out
    assert main(["asm", "cycles", str(src), "--m", "16", "--emulation", "--d", "0"]) == 0
    assert "total: 4 bytes, 5 cycles" in capsys.readouterr().out


def test_cycles_bad_input(tmp_path, capsys):
    assert main(["asm", "cycles", str(tmp_path / "missing.asm")]) == 1
    empty = tmp_path / "e.asm"
    empty.write_text("; nothing\n")
    assert main(["asm", "cycles", str(empty)]) == 1
    junk = tmp_path / "j.asm"
    junk.write_text("FOO $12\nLDA\n")
    assert main(["asm", "cycles", str(junk)]) == 1
    err = capsys.readouterr().err
    assert "cannot read" in err and "S201" in err and "S202" in err
    assert main(["asm", "cycles", str(junk), "--d", "nope"]) == 1
