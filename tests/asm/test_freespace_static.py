"""asar 1.91 freespace across repeated patching: autoclean frees the old block
once every label is known, and a ``static`` block keeps its old place."""

from __future__ import annotations

from triforce.asm import assemble

ROM = bytes(0x100000)


def _codes(result):
    return [d.code for d in result.diagnostics]


def test_repatching_frees_and_refinds_the_same_block():
    src = "org $008000\nautoclean jsl Code\nfreecode\nCode:\nlda #$01\nrtl\n"
    first = assemble(src, rom=ROM)
    second = assemble(src, rom=first.rom)
    assert first.ok and second.ok, (_codes(first), _codes(second))
    assert first.labels["Code"] == second.labels["Code"] == 0x908008
    assert second.rom == first.rom


def test_static_block_keeps_its_place_when_space_opens_up_before_it():
    first = assemble("org $008000\nautoclean jsl A\nfreecode\nA:\nrtl\n"
                     "org $008004\nautoclean jsl S\nfreecode static\nS:\nnop\nrtl\n", rom=ROM)
    assert first.ok, _codes(first)
    old = first.labels["S"]
    # the first block is gone now; a moving block would slide into its space
    second = assemble("org $008004\nautoclean jsl S\nfreecode static\nS:\nnop\nrtl\n", rom=first.rom)
    assert second.ok, _codes(second)
    assert second.labels["S"] == old


def test_static_block_may_not_grow_or_go_without_autoclean():
    first = assemble("org $008000\nautoclean jsl S\nfreecode static\nS:\nrtl\n", rom=ROM)
    grown = assemble("org $008000\nautoclean jsl S\nfreecode static\nS:\nnop\nrtl\n", rom=first.rom)
    assert "A808" in _codes(grown)
    assert grown.rom == first.rom or not grown.ok
    alone = assemble("org $008000\nfreecode static\nS:\nrtl\n", rom=ROM)
    assert _codes(alone) == ["A807"]


def test_freespace_in_norom_is_an_error():
    result = assemble("norom\norg $0000\nfreedata\ndb 1\n", rom=ROM)
    assert _codes(result) == ["A806"]


def test_incbin_to_label_gets_its_own_tagged_block_first(tmp_path):
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 160)      # 40 KiB: spans a bank
    (tmp_path / "small.bin").write_bytes(b"\x01\x02\x03")
    src = ("org $008000\nautoclean jsl Code\nautoclean dl Big\nautoclean dl Small\n"
           "freecode\nCode:\nlda Small\nrtl\n"
           'incbin "big.bin" -> Big\nincbin "small.bin" -> Small\n')
    result = assemble(src, rom=ROM, base_dir=tmp_path)
    assert result.ok, _codes(result)
    # the incbin blocks are placed before freecode (asar finds them in pass 0); a block
    # of 32 KiB or more starts at a bank start, its tag in the last 8 bytes before it
    assert result.labels["Big"] == 0x918000
    assert result.rom[0x87FF8:0x88000] == b"STAR\xff\x9f\x00\x60"
    assert result.rom[0x88000:0x88000 + 40960] == bytes(range(256)) * 160
    assert result.labels["Small"] == 0x908008
    assert result.rom[0x80008:0x8000B] == b"\x01\x02\x03"
    assert result.labels["Code"] == 0x908013
    # the numeric form still writes at that address
    numeric = assemble('incbin "small.bin" -> $009000\n', rom=ROM, base_dir=tmp_path)
    assert numeric.rom[0x1000:0x1003] == b"\x01\x02\x03"


def test_autoclean_inside_freespace_is_an_error():
    result = assemble("org $008000\nautoclean jsl A\nfreecode\nA:\nautoclean jsl A\nrtl\n", rom=ROM)
    assert "A810" in _codes(result)


def test_a_block_without_space_is_one_error_not_a_cascade():
    # sfxrom on an empty ROM: nothing to search; the block's code must not add
    # "does not map to ROM" or "changed size" errors on top
    result = assemble("sfxrom\norg $008000\nfreecode\nFoo:\nlda Foo\nrtl\n")
    assert _codes(result) == ["A801"]
    later = assemble('org $008000\njsl Foo\nfreecode\nFoo:\nrtl\nerror "later"\n')
    assert _codes(later) == ["A801", "A702"]
