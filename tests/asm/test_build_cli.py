"""`triforce asm build`: asar's CLI behaviour, ROM untouched on error, atomic writes."""

from __future__ import annotations

import os

import pytest

from triforce.asm.build import atomic_write, build
from triforce.cli.asm_build import parse_define
from triforce.cli.main import main


def _write(path, text):
    path.write_text(text)
    return path


def test_creates_sfc_without_header(tmp_path, capsys):
    src = _write(tmp_path / "hack.asm", "org $008000\nlda #$12\nprint \"done\"\n")
    rom = tmp_path / "out.sfc"
    assert main(["asm", "build", str(src), str(rom)]) == 0
    assert rom.read_bytes() == bytes.fromhex("A912")
    captured = capsys.readouterr()
    assert captured.out == "done\n"
    assert captured.err == ""


def test_new_smc_gets_copier_header(tmp_path):
    src = _write(tmp_path / "hack.asm", "org $008000\ndb 1, 2\n")
    rom = tmp_path / "out.smc"
    result = build(src, rom)
    assert result.ok and result.created and result.copier_header
    data = rom.read_bytes()
    assert len(data) == 512 + 2 and data[:512] == bytes(512) and data[512:] == b"\x01\x02"


def test_existing_header_is_kept_and_rom_patched_in_place(tmp_path):
    header = bytes(range(256)) * 2
    body = bytearray(0x8000)
    body[0x7FC0:0x7FC0 + 5] = b"HELLO"
    rom = tmp_path / "game.smc"
    rom.write_bytes(header + bytes(body))
    src = _write(tmp_path / "p.asm", "org $008010\ndb $AA\n")
    assert build(src, rom).ok
    data = rom.read_bytes()
    assert data[:512] == header
    assert data[512 + 0x10] == 0xAA
    assert len(data) == 512 + 0x8000


def test_existing_empty_rom_is_fine(tmp_path):
    rom = tmp_path / "empty.sfc"
    rom.write_bytes(b"")
    src = _write(tmp_path / "p.asm", "org $008000\nnop\n")
    assert build(src, rom).ok
    assert rom.read_bytes() == b"\xea"


def test_rom_untouched_on_error(tmp_path, capsys):
    original = bytes(range(256)) * 128
    rom = tmp_path / "game.sfc"
    rom.write_bytes(original)
    before = os.stat(rom).st_mtime_ns
    src = _write(tmp_path / "bad.asm", "org $008000\ndb $11\nnotaninstruction\n")
    assert main(["asm", "build", str(src), str(rom)]) == 1
    assert rom.read_bytes() == original
    assert os.stat(rom).st_mtime_ns == before
    err = capsys.readouterr().err
    assert f"{src}:3:1: error[A201]:" in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".game.sfc")]


def test_no_rom_created_on_error(tmp_path):
    src = _write(tmp_path / "bad.asm", "lda ($123456),y\n")
    rom = tmp_path / "new.sfc"
    assert not build(src, rom).ok
    assert not rom.exists()


def test_default_rom_name(tmp_path):
    src = _write(tmp_path / "patch.asm", "org $008000\ndb 7\n")
    result = build(src)
    assert result.ok and result.rom_path == tmp_path / "patch.sfc"
    assert (tmp_path / "patch.sfc").read_bytes() == b"\x07"


def test_missing_source_is_a_diagnostic(tmp_path, capsys):
    assert main(["asm", "build", str(tmp_path / "nope.asm"), str(tmp_path / "x.sfc")]) == 1
    assert "error[A001]" in capsys.readouterr().err


@pytest.mark.parametrize("raw, expected", [
    ("name", ("name", "")),
    ("name=value", ("name", "value")),
    ("!name=1", ("name", "1")),
    ("name = $10", ("name", "$10")),
    (" !name =  x y ", ("name", "x y")),
])
def test_define_forms(raw, expected):
    assert parse_define(raw) == expected


def test_cli_define_forms_reach_the_source(tmp_path):
    src = _write(tmp_path / "d.asm", "org $008000\ndb !a, !b, !c\nif defined(\"flag\")\ndb $FF\nendif\n")
    rom = tmp_path / "d.sfc"
    code = main(["asm", "build", str(src), str(rom), "-D", "!a=1", "-Db=2", "-D", "c = 3", "-D", "flag"])
    assert code == 0
    assert rom.read_bytes() == b"\x01\x02\x03\xff"


def test_include_dir_option(tmp_path):
    inc = tmp_path / "lib"
    inc.mkdir()
    (inc / "defs.asm").write_text("!value = $42\n")
    (tmp_path / "main").mkdir()
    src = _write(tmp_path / "main" / "m.asm", "incsrc defs.asm\norg $008000\ndb !value\n")
    rom = tmp_path / "m.sfc"
    assert main(["asm", "build", str(src), str(rom), "-I", str(inc)]) == 0
    assert rom.read_bytes() == b"\x42"


def test_symbols_wla(tmp_path):
    src = _write(tmp_path / "s.asm", "org $008000\nMain:\nnop\n.loop\nbra .loop\norg $7E0010\nVar:\n")
    sym = tmp_path / "s.sym"
    rom = tmp_path / "s.sfc"
    assert main(["asm", "build", str(src), str(rom), "--symbols", "wla", str(sym)]) == 0
    text = sym.read_text()
    assert "[labels]" in text
    assert "00:8000 Main" in text
    assert "00:8001 Main_loop" in text
    assert "[addr-to-line mapping]" in text and "[source files]" in text
    import zlib
    assert f"[rom checksum]\n{zlib.crc32(rom.read_bytes()):08x}" in text
    assert f"0000 {zlib.crc32(src.read_bytes()):08x} {src}" in text


def test_no_title_check_flag(tmp_path):
    body = bytearray(0x8000)
    body[0x7FC0:0x7FC0 + 21] = b"SUPER MARIOWORLD     "
    rom = tmp_path / "smw.sfc"
    rom.write_bytes(bytes(body))
    src = _write(tmp_path / "t.asm", "check title \"SOMETHING ELSE        \"\norg $008000\ndb 1\n")
    assert not build(src, rom).ok
    assert rom.read_bytes() == bytes(body)
    assert main(["asm", "build", str(src), str(rom), "--no-title-check"]) == 0
    src2 = _write(tmp_path / "t2.asm", "check title \"SUPER MARIOWORLD     \"\norg $008000\ndb 1\n")
    assert build(src2, rom).ok


def test_checksum_fixed_on_full_rom(tmp_path):
    rom = tmp_path / "c.sfc"
    rom.write_bytes(bytes(0x8000))
    src = _write(tmp_path / "c.asm", "org $008000\ndb 1\n")
    assert build(src, rom).ok
    data = rom.read_bytes()
    total = (sum(data[:0x7FDC]) + sum(data[0x7FE0:]) + 0xFF + 0xFF) & 0xFFFF
    assert data[0x7FDE] | data[0x7FDF] << 8 == total
    assert (data[0x7FDC] | data[0x7FDD] << 8) ^ total == 0xFFFF


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old contents")
    os.chmod(target, 0o640)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o640)
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]
