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
