"""The SNES memory map (LoROM/HiROM, WRAM mirrors, system area, ROM writes, hooks)
and the recording bus."""

from __future__ import annotations

import pytest

from triforce.sim import CPU, CPUState, FlatBus, RecordingBus, SnesBus


def _rom(size=0x80000):
    return bytes((i * 7 + (i >> 15)) & 0xFF for i in range(size))


def _marked_rom():
    rom = bytearray(0x400000)
    for offset, value in ((0, 1), (0x7FFF, 2), (0x8000, 3), (0x200000, 4), (0x3F7FFF, 5)):
        rom[offset] = value
    return bytes(rom)


@pytest.mark.parametrize("addr,value", [
    (0x008000, 1), (0x808000, 1), (0x00FFFF, 2), (0x018000, 3), (0x818000, 3),
    (0x408000, 4), (0xC08000, 4), (0xFEFFFF, 5), (0x7DFFFF, 0), (0x400000, 0),
])
def test_lorom_rom_and_bank_mirrors(addr, value):
    assert SnesBus(_marked_rom(), "lorom").read(addr) == value


def test_rom_past_the_image_reads_zero():
    bus = SnesBus(b"\x01", "lorom")
    assert bus.read(0x008000) == 1 and bus.read(0x108000) == 0


def test_hirom_rom():
    rom = _rom()
    bus = SnesBus(rom, "hirom")
    assert bus.read(0xC00000) == rom[0] and bus.read(0x400000) == rom[0]
    assert bus.read(0x008000) == rom[0x8000] and bus.read(0x818000) == rom[0x18000]
    assert bus.read(0x000000) == 0  # WRAM mirror, not ROM


def test_wram_mirrors_and_system_area_sharing():
    bus = SnesBus(b"", "lorom")
    bus.write(0x000010, 0x11)
    assert bus.read(0x7E0010) == 0x11 and bus.read(0x3F0010) == 0x11 and bus.read(0x800010) == 0x11
    bus.write(0x7E1FFF, 0x22)
    assert bus.read(0x001FFF) == 0x22
    bus.write(0x7E2000, 0x33)
    assert bus.read(0x002000) != 0x33  # only the first 8 KiB is mirrored
    bus.write(0x002100, 0x44)
    assert bus.read(0x802100) == 0x44 and bus.read(0x3F2100) == 0x44
    bus.write(0x7F0000, 0x55)
    assert bus.read(0x7F0000) == 0x55 and bus.read(0x7E0000) == 0


def test_rom_writes_are_ignored_and_recorded():
    rom = _rom()
    bus = SnesBus(rom, "lorom")
    bus.write(0x808000, 0x99)
    assert bus.read(0x008000) == rom[0]
    assert bus.rom_writes == [(0x808000, 0x99)]


def test_plain_memory_outside_the_map():
    bus = SnesBus(b"", "lorom")
    bus.write(0x400000, 0x12)
    bus.write(0x700000, 0x34)
    assert bus.read(0x400000) == 0x12 and bus.read(0x700000) == 0x34


def test_device_hooks_take_over_registers():
    bus = SnesBus(b"", "lorom")
    seen = []
    bus.add_hook(0x4216, read=lambda addr: 0xAB)
    bus.add_hook(0x2118, write=lambda addr, value: seen.append((addr, value)))
    assert bus.read(0x004216) == 0xAB and bus.read(0x804216) == 0xAB
    bus.write(0x802118, 0x5C)
    assert seen == [(0x2118, 0x5C)] and bus.read(0x002118) == 0x5C


def test_cpu_runs_from_lorom_rom_through_pages():
    # LDA #$42 ; STA $7E0010 ; LDA $0010 ; INC A ; STA $8000 (ROM: ignored) ; STP
    code = bytes([0xA9, 0x42, 0x8F, 0x10, 0x00, 0x7E, 0xAD, 0x10, 0x00, 0x1A,
                  0x8D, 0x00, 0x80, 0xDB])
    bus = SnesBus(code, "lorom")
    cpu = CPU(bus, CPUState(pc=0x8000))
    assert cpu.access == "paged"
    result = cpu.run(100)
    assert result.reason == "stp" and cpu.state.a & 0xFF == 0x43
    assert bus.read(0x7E0010) == 0x42 and bus.rom_writes == [(0x008000, 0x43)]


def test_recording_bus_records_reads_and_writes():
    inner = FlatBus()
    inner.load(0x8000, bytes([0xA5, 0x10, 0x85, 0x20, 0xDB]))  # LDA $10 ; STA $20 ; STP
    inner.write(0x10, 0x77)
    bus = RecordingBus(inner)
    cpu = CPU(bus, CPUState(pc=0x8000))
    assert cpu.access == "bus"
    assert cpu.run(10).reason == "stp"
    assert bus.writes == {0x20: 0x77}
    assert bus.reads[0x10] == 0x77 and 0x8000 in bus.reads


def test_flat_bus_load_wraps_at_the_top():
    bus = FlatBus()
    bus.load(0xFFFFFE, b"\x01\x02\x03")
    assert bus.read(0xFFFFFF) == 2 and bus.read(0) == 3


def test_unknown_mapper_and_access_are_errors():
    with pytest.raises(ValueError):
        SnesBus(b"", "sa1")
    with pytest.raises(ValueError):
        CPU(FlatBus(), access="magic")
