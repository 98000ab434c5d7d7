"""asar 2.0 freespace additions (segment, freespace_settings, bank=/start=/norats),
the freespace leak warning and the freespacebyte ROM growth; the byte-level cases
are in cases/segment_*.asm and cases/freespacebyte_grows_rom.asm."""

from __future__ import annotations

import pytest

from triforce.asm import assemble


def _codes(result):
    return [d.code for d in result.diagnostics]


def test_segment_rom_is_exactly_as_long_as_the_org_code_made_it():
    src = "org $80807F : db 0\nsegment bank=0\nnop\n"
    result = assemble(src)
    assert result.ok, _codes(result)
    assert len(result.rom) == 0x80
    assert result.rom[0] == 0xEA


def test_segment_never_overlaps_org_code_even_when_written_later():
    # the org write comes after the segment in the source; 2.0 still avoids it
    src = "segment bank=0\nHere:\ndb $11,$22\norg $808000\ndb $33\norg $808010 : db 0\n"
    result = assemble(src)
    assert result.ok, _codes(result)
    assert result.labels["Here"] == 0x808001
    assert result.rom[:3] == bytes((0x33, 0x11, 0x22))


def test_freespace_settings_apply_to_later_blocks_only_and_reset_each_pass():
    src = ("org $80803F : db 0\n"
           "segment start=$808000\nA:\ndb 1\n"
           "freespace_settings noram,start=$808010\n"
           "segment\nB:\ndb 2\n")
    result = assemble(src)
    assert result.ok, _codes(result)
    assert result.labels["A"] == 0x808000
    assert result.labels["B"] == 0x808010


def test_leak_warning_only_without_autoclean_prot_or_cleaned():
    rom = bytes(0x80000)
    quiet = ("org $008000\nautoclean jsl A\nfreecode\nA:\nrtl\n"
             "freedata cleaned\ndb 1\n"
             "freecode\nprot A\nB:\nrtl\n"
             "org $008004\nautoclean dl B\n")
    result = assemble(quiet, rom=rom)
    assert result.ok, _codes(result)
    assert "W801" not in _codes(result)
    loud = assemble("org $008000\nfreecode\nrtl\n", rom=rom)
    assert _codes(loud) == ["W801"]
    off = assemble("warnings disable Wfreespace_leaked\norg $008000\nfreecode\nrtl\n", rom=rom)
    assert _codes(off) == []


def test_plain_segment_searches_from_the_usual_place():
    # like freedata: LoROM looks from file offset 0x80000 up, so a short ROM has no room
    result = assemble("org $80803F : db 0\nsegment\ndb 1\n")
    assert "A801" in _codes(result)


def test_1_91_freespace_ignores_org_growth_without_2_0_syntax():
    # asar 1.91 searches LoROM freespace from $100000 (file 0x80000) only: a short ROM has none
    result = assemble("org $008000 : db 0\nfreecode\nrtl\n")
    assert "A801" in _codes(result)


def test_pinned_blocks_follow_their_target_in_one_tagged_run():
    rom = bytes(0x80000)
    src = ("org $008000\nautoclean jsl A\n"
           "freecode\nA:\nrtl\n"
           "freedata\nElsewhere:\ndb $EE\n"
           "freecode pin=A\nB:\nrtl\n"
           "segment pin=B\nC:\ndb $11,$22\n")
    result = assemble(src, rom=rom)
    assert result.ok, _codes(result)
    a, b, c = (result.labels[n] for n in "ABC")
    assert (b, c) == (a + 1, a + 2)
    tag = result.rom[0x80000:0x80008]      # one RATS tag covers A, B and C (4 bytes)
    assert tag == b"STAR\x03\x00\xfc\xff"
    assert result.rom[0x80008:0x8000C] == bytes((0x6B, 0x6B, 0x11, 0x22))
    assert result.labels["Elsewhere"] == 0x908014


@pytest.mark.parametrize("line, code", [
    ("segment bank=$1FF", "A805"),
    ("segment start=$1000000", "A805"),
    ("freespace_settings frobnicate", "A301"),
    ("segment cleaned", "A805"),
    ("freedata pin=Target", "A301"),
    ("segment pin=", "A805"),
    ("segment bank=Moving", "A309"),
    ("freespacebyte Moving", "A309"),
    ("freespace", "A805"),
])
def test_bad_freespace_requests_are_diagnostics(line, code):
    result = assemble(f"org $008000\nMoving:\n{line}\ndb 1\n")
    assert not result.ok
    assert code in _codes(result)
    assert all(d.span.line > 0 for d in result.diagnostics)
