"""freespace placement, RATS tags, autoclean on re-patching, prot."""

from __future__ import annotations

from triforce.asm import assemble
from triforce.asm.build import build
from triforce.rom.mappers import snes_to_pc

PATCH = """
org $008000
autoclean jsl Hook
freecode
Hook:
  lda #$01
  rtl
"""


def _tag_at(rom: bytes, pc: int) -> bytes:
    return rom[pc - 8:pc]


def test_repatching_reuses_the_same_block(tmp_path):
    rom = tmp_path / "game.sfc"
    rom.write_bytes(bytes(0x100000))
    src = tmp_path / "p.asm"
    src.write_text(PATCH)
    first = build(src, rom)
    assert first.ok
    after_first = rom.read_bytes()
    second = build(src, rom)
    assert second.ok
    assert rom.read_bytes() == after_first
    assert first.assembly.labels["Hook"] == second.assembly.labels["Hook"] == 0x908008
    pc = snes_to_pc(0x908008)
    assert _tag_at(after_first, pc) == b"STAR\x02\x00\xfd\xff"


def test_without_autoclean_a_new_block_is_taken(tmp_path):
    rom = tmp_path / "game.sfc"
    rom.write_bytes(bytes(0x100000))
    src = tmp_path / "p.asm"
    src.write_text(PATCH.replace("autoclean jsl", "jsl"))
    assert build(src, rom).ok
    second = build(src, rom)
    assert second.ok and second.assembly.labels["Hook"] == 0x908013


def test_blocks_do_not_overlap_and_stay_in_one_bank():
    rom = bytearray(0x100000)
    rom[0x80000:0x87FF0] = b"\x01" * 0x7FF0     # almost all of bank $90 is used
    src = "org $008000\nfreedata\nA: fill 100\nfreedata\nB: fill 100\n"
    r = assemble(src, rom=bytes(rom))
    assert r.ok
    a, b = r.labels["A"], r.labels["B"]
    assert a >> 16 == (a + 99) >> 16 and b >> 16 == (b + 99) >> 16
    assert abs(a - b) >= 108
    assert a >= 0x918000


def test_prot_lists_protected_blocks():
    src = ("org $008000\nautoclean jml Main\nfreedata\nData: db 1, 2, 3\n"
           "freecode\nprot Data\nMain: lda.l Data\nrtl\n")
    r = assemble(src, rom=bytes(0x100000))
    assert r.ok, r.diagnostics
    main = snes_to_pc(r.labels["Main"])
    data = r.labels["Data"]
    assert r.rom[main - 12:main] == b"PROT\x03" + data.to_bytes(3, "little") + b"STOP"
    assert r.rom[main - 20:main - 16] == b"STAR"


def test_prot_must_follow_freespace():
    r = assemble("org $008000\nprot Foo\nFoo:\n", rom=bytes(0x100000))
    assert [d.code for d in r.diagnostics if d.is_error] == ["A803"]


def test_no_freespace_is_an_error():
    r = assemble("org $008000\nfreedata\nfill $9000\n", rom=bytes(0x100000))
    assert "A801" in [d.code for d in r.diagnostics]


def test_labels_in_freespace_are_long_from_outside_and_short_inside():
    src = "org $008000\nlda Inside\nfreecode\nInside: lda Inside\n"
    r = assemble(src, rom=bytes(0x100000))
    assert r.ok
    assert r.writes[0].data[:1] == b"\xaf"            # lda long from bank $00
    inside = r.rom[snes_to_pc(r.labels["Inside"]):][:3]
    assert inside == b"\xad" + (r.labels["Inside"] & 0xFFFF).to_bytes(2, "little")
