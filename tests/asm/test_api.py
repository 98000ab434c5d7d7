"""The library contract other layers rely on (docs/CONTRACTS.md "asm")."""

from __future__ import annotations

import inspect

from triforce.asm import AssemblyResult, LineRecord, Write, assemble, build


def test_signatures_match_the_contract():
    params = inspect.signature(assemble).parameters
    for name in ("filename", "rom", "include_dirs", "defines", "allow_any_path", "base_dir"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
    bparams = inspect.signature(build).parameters
    assert list(bparams)[:2] == ["src_path", "rom_path"]
    for name in ("include_dirs", "defines", "allow_any_path", "symbols"):
        assert name in bparams


def test_snippet_without_org_assembles_at_008000_silently_like_asar():
    r = assemble("lda #$01\nsta $2100\n")
    assert isinstance(r, AssemblyResult) and r.ok
    assert r.diagnostics == []
    assert r.writes == [Write(0x008000, 0, bytes.fromhex("A9 01 8D 00 21"))]
    assert r.lines[0] == LineRecord("<input>", 1, 0x008000, bytes.fromhex("A9 01"), 1, 1, 1, 1, 1)
    assert r.rom == bytes.fromhex("A9 01 8D 00 21")


def test_patching_a_rom_keeps_the_rest_and_reads_the_original():
    rom = bytearray(0x10000)
    rom[0x100] = 0x5A
    r = assemble("org $008000\ndb read1($008100)+1\norg $818000\ndw $BEEF\n", rom=bytes(rom))
    assert r.ok
    assert r.rom[0] == 0x5B and r.rom[0x100] == 0x5A and r.rom[0x8000:0x8002] == b"\xef\xbe"
    assert len(r.rom) == 0x10000
    assert [(w.snes_addr, w.pc_offset) for w in r.writes] == [(0x008000, 0), (0x818000, 0x8000)]


def test_defines_parameter_and_labels_are_snes_addresses():
    r = assemble("hirom\norg $C08000\nStart:\ndb !v\n", defines={"v": "$42", "!w": "1"})
    assert r.ok and r.data == b"\x42" and r.labels == {"Start": 0xC08000} and r.mapper == "hirom"


def test_checksum_on_in_the_source_wins_over_fix_rom_checksum_false():
    # asar: the patch's own `checksum on` forces the fix even when the caller turned it off
    src = "checksum on\nnorom\norg $0000\ndb $01\norg $FFFF\ndb $00\nlorom\n"
    r = assemble(src, fix_rom_checksum=False)
    assert r.ok and r.rom[0x7FDC:0x7FE0] == bytes.fromhex("00 FE FF 01")
    plain = assemble(src.replace("checksum on\n", ""), fix_rom_checksum=False)
    assert plain.rom[0x7FDC:0x7FE0] == bytes(4)


def test_a_label_moved_by_an_earlier_error_is_not_a_second_error():
    r = assemble("org $008000\norg Later\nnop\nLater:\n")
    assert [d.code for d in r.diagnostics] == ["A306"]
