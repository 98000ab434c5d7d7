"""``triforce asm disasm``: output, options and clear errors (never a traceback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from triforce.cli.main import main

CODE = bytes.fromhex("78 18 FB C2 30 A9 34 12 A2 00 10 E2 20 AD 10 00 80 F0 60".replace(" ", ""))


@pytest.fixture
def rom(tmp_path):
    image = bytearray(0x10000)
    image[:len(CODE)] = CODE
    path = tmp_path / "game.sfc"
    path.write_bytes(bytes(image))
    return path


def _run(capsys, *argv):
    code = main(["asm", "disasm", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_source_with_org(rom, capsys):
    code, out, err = _run(capsys, rom, "--at", "$008000", "--count", "10")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert "lorom" in lines and "org $008000" in lines
    assert any(line.startswith("    LDA #$1234") for line in lines)
    assert any(line.startswith("    BRA L_008002") for line in lines)
    assert "; $008005: A9 34 12" in out


@pytest.mark.parametrize("at", ["008000", "0x008000", "00:8000", "$00:8000", "8000"])
def test_address_forms(rom, capsys, at):
    code, out, _ = _run(capsys, rom, "--at", at, "--count", "1", "--no-comments")
    assert code == 0 and out.splitlines()[-1] == "    SEI"


def test_widths_and_symbols(rom, tmp_path, capsys):
    sym = tmp_path / "game.sym"
    sym.write_text("[labels]\n00:8000 Reset\n7e:0010 player_x\n")
    code, out, _ = _run(capsys, rom, "--at", "$008005", "--count", "1", "--m", "16",
                        "--no-comments")
    assert code == 0 and out.splitlines()[-1] == "    LDA #$1234"
    code, out, _ = _run(capsys, rom, "--at", "$008000", "--count", "10", "--symbols", sym,
                        "--db", "7E", "--no-comments")
    assert code == 0
    assert "Reset:" in out and "    LDA.w player_x" in out and "player_x = $7E0010" in out


@pytest.mark.parametrize("syntax,first,line", [
    ("ca65", ".p816", "    LDA a:$0010"),
    ("64tass", '.cpu "65816"', "    LDA @w $0010"),
])
def test_other_syntaxes(rom, capsys, syntax, first, line):
    code, out, _ = _run(capsys, rom, "--at", "8000", "--count", "8", "--syntax", syntax,
                        "--no-comments")
    assert code == 0 and out.splitlines()[0] == first and line in out.splitlines()


def test_copier_header_note_goes_to_stderr(rom, tmp_path, capsys):
    smc = tmp_path / "game.smc"
    smc.write_bytes(bytes(512) + rom.read_bytes())
    code, out, err = _run(capsys, smc, "--at", "8000", "--count", "1", "--no-comments")
    assert code == 0 and out.splitlines()[-1] == "    SEI"
    assert "note[D204]" in err


@pytest.mark.parametrize("argv,needle", [
    (["--at", "zz"], "bad address"),
    (["--at", "1000000"], "bad address"),
    (["--at", "7E0000"], "error[D201]"),
    (["--at", "208000"], "error[D202]"),
    (["--at", "8000", "--mapper", "nes"], "error[D203]"),
    (["--at", "8000", "--db", "100"], "bad data bank"),
    (["--at", "8000", "--symbols", "/nonexistent/x.sym"], "error[D301]"),
])
def test_errors_are_one_clear_line(rom, capsys, argv, needle):
    code, out, err = _run(capsys, rom, *argv)
    assert code == 1 and out == ""
    assert needle in err and "Traceback" not in err


def test_missing_and_unreadable_rom(tmp_path, capsys):
    code, _, err = _run(capsys, tmp_path / "nope.sfc", "--at", "8000")
    assert code == 1 and "ROM not found" in err
    code, _, err = _run(capsys, tmp_path, "--at", "8000")
    assert code == 1 and "not a file" in err


@pytest.mark.parametrize("argv", [["--at", "8000", "--m", "12"], ["--at", "8000", "--count", "0"], []])
def test_usage_errors_exit_2(rom, capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(["asm", "disasm", str(rom), *argv])
    assert exc.value.code == 2


def test_runs_as_a_program(rom):
    proc = subprocess.run([sys.executable, "-m", "triforce", "asm", "disasm", str(rom), "--at",
                           "$7E0000"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "error[D201]" in proc.stderr and "Traceback" not in proc.stderr
