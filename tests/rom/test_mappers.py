"""PC <-> SNES conversions per mapper (asar's snestopc/pctosnes), checksums, headers."""

from __future__ import annotations

import pytest

from triforce.rom.checksum import checksum_ok, compute_checksum, fix_checksum
from triforce.rom.header import has_copier_header, rom_title, split_copier_header
from triforce.rom.mappers import MAPPERS, get_mapper, pc_to_snes, snes_to_pc


@pytest.mark.parametrize("mapper, snes, pc", [
    ("lorom", 0x008000, 0x000000), ("lorom", 0x808000, 0x000000), ("lorom", 0x01FFFF, 0x00FFFF),
    ("lorom", 0xFF8000, 0x3F8000), ("lorom", 0x708000, 0x380000),
    ("hirom", 0xC00000, 0x000000), ("hirom", 0x008000, 0x008000), ("hirom", 0x3FFFFF, 0x3FFFFF),
    ("hirom", 0x400000, 0x000000),
    ("exlorom", 0x808000, 0x000000), ("exlorom", 0x008000, 0x400000),
    ("exhirom", 0xC00000, 0x000000), ("exhirom", 0x400000, 0x400000), ("exhirom", 0x3E8000, 0x7E8000),
    ("sfxrom", 0x008000, 0x000000), ("sfxrom", 0x400000, 0x000000),
    ("sa1", 0x008000, 0x000000), ("sa1", 0x208000, 0x100000), ("sa1", 0x808000, 0x200000),
    ("sa1", 0xC00000, 0x000000), ("sa1", 0xD00000, 0x100000), ("sa1", 0xE00000, 0x200000),
    ("norom", 0x123456, 0x123456),
])
def test_known_addresses(mapper, snes, pc):
    assert snes_to_pc(snes, mapper) == pc


@pytest.mark.parametrize("mapper, snes", [
    ("lorom", 0x7E0000), ("lorom", 0x000000), ("lorom", 0x007FFF), ("lorom", 0x700000),
    ("hirom", 0x7F0000), ("hirom", 0x002000), ("sfxrom", 0x808000), ("sfxrom", 0x600000),
    ("sa1", 0x400000), ("lorom", 0x1000000), ("lorom", -1),
])
def test_not_rom(mapper, snes):
    assert snes_to_pc(snes, mapper) is None


@pytest.mark.parametrize("mapper, pc, snes", [
    ("lorom", 0x000000, 0x808000), ("lorom", 0x07FFFF, 0x8FFFFF), ("hirom", 0x000000, 0xC00000),
    ("exlorom", 0x400000, 0x008000), ("exhirom", 0x400000, 0x400000), ("sfxrom", 0x000000, 0x008000),
    ("sa1", 0x100000, 0x208000), ("norom", 5, 5),
])
def test_pc_to_snes(mapper, pc, snes):
    assert pc_to_snes(pc, mapper) == snes


@pytest.mark.parametrize("mapper", sorted(MAPPERS))
def test_round_trip_where_mapped(mapper):
    limit = get_mapper(mapper).max_size
    for off in range(0, min(limit, 0x800000), 0x1357):
        snes = pc_to_snes(off, mapper)
        if snes is None:
            continue
        back = snes_to_pc(snes, mapper)
        # asar's maps are not total: an address pctosnes gives may fall in RAM/SRAM
        # for the reverse map (ExLoROM banks 70-7D, ExHiROM 7E-7F); then it is None.
        assert back in (off, None)
        if mapper in ("lorom", "hirom", "sa1", "fullsa1rom", "sfxrom", "norom"):
            assert back == off


def test_out_of_range_offsets():
    assert pc_to_snes(0x400000, "lorom") is None
    assert pc_to_snes(0x400000, "hirom") is None
    assert pc_to_snes(-1, "lorom") is None
    with pytest.raises(ValueError):
        snes_to_pc(0x8000, "nosuchmapper")


def test_checksum_power_of_two_and_mixed_sizes():
    assert compute_checksum(bytes([1, 2, 3, 4])) == 10
    # 3 KiB = 2 KiB + 1 KiB: the 1 KiB part counts twice
    data = bytes([1]) * 2048 + bytes([2]) * 1024
    assert compute_checksum(data) == (2048 + 2 * 1024 * 2) & 0xFFFF


def test_fix_checksum_makes_rom_valid():
    rom = bytearray(range(256)) * 128
    assert not checksum_ok(rom)
    assert fix_checksum(rom)
    assert checksum_ok(rom)
    assert not fix_checksum(bytearray(16))


def test_copier_header_detection_and_title():
    assert has_copier_header(0x8000 + 512) and not has_copier_header(0x8000)
    header, body = split_copier_header(bytes(512) + b"x" * 1024)
    assert len(header) == 512 and body == b"x" * 1024
    rom = bytearray(0x8000)
    rom[0x7FC0:0x7FC0 + 21] = b"THE LEGEND OF ZELDA  "
    assert rom_title(bytes(rom)) == "THE LEGEND OF ZELDA  "
    assert rom_title(bytes(100)) is None
