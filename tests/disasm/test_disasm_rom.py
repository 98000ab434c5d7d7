"""disassemble_rom: mappers, copier headers, addresses outside the ROM; source placement."""

from __future__ import annotations

import pytest

from triforce.disasm import disassemble, disassemble_rom, strip_copier_header
from triforce.disasm.rom import mapped_run
from triforce.disasm.source import placement_lines

CODE = bytes.fromhex("78 18 FB C2 30 A9 34 12 60".replace(" ", ""))


def _rom(size: int, placements: dict[int, bytes]) -> bytes:
    image = bytearray(size)
    for offset, data in placements.items():
        image[offset:offset + len(data)] = data
    return bytes(image)


def test_lorom_addresses_and_mirrors():
    rom = _rom(0x20000, {0x0000: CODE, 0x8000: b"\xEA\x6B"})
    result = disassemble_rom(rom, 0x008000, count=6)
    assert result.ok and result.mapper == "lorom"
    assert [i.text for i in result.instructions][-2:] == ["LDA #$1234", "RTS"]
    # Bank $01's ROM half is file offset $8000; the FastROM mirror $81 reads the same bytes.
    for at in (0x018000, 0x818000):
        second = disassemble_rom(rom, at, count=2)
        assert [i.text for i in second.instructions] == ["NOP", "RTL"]
        assert second.instructions[0].addr == at


def test_hirom_mapper():
    rom = _rom(0x20000, {0x10000: CODE})
    result = disassemble_rom(rom, 0xC10000, mapper="hirom", count=3)
    assert result.ok and [i.text for i in result.instructions] == ["SEI", "CLC", "XCE"]
    assert disassemble_rom(rom, 0x418000, mapper="hirom", count=1).ok  # $40-$7D: also ROM
    src = result.to_source(comments=False)
    assert src.splitlines()[:2] == ["hirom", "org $C10000"]


def test_copier_header_is_detected_like_asar():
    rom = _rom(0x8000, {0: CODE})
    headered = bytes(512) + rom
    assert strip_copier_header(headered) == (rom, True)
    assert strip_copier_header(rom) == (rom, False)
    result = disassemble_rom(headered, 0x008000, count=3)
    assert result.ok and [d.code for d in result.diagnostics] == ["D204"]
    assert [i.text for i in result.instructions] == ["SEI", "CLC", "XCE"]


def test_addresses_that_are_not_rom_or_past_the_end():
    rom = _rom(0x8000, {0: CODE})
    for addr in (0x7E0000, 0x002000, 0x000000):
        result = disassemble_rom(rom, addr)
        assert not result.ok and [d.code for d in result.diagnostics] == ["D201"], hex(addr)
    past = disassemble_rom(rom, 0x018000)
    assert not past.ok and [d.code for d in past.diagnostics] == ["D202"]
    assert past.instructions == []


def test_unknown_mapper_and_empty_rom():
    assert [d.code for d in disassemble_rom(b"\0" * 1024, 0x8000, mapper="nes").diagnostics] == ["D203"]
    assert [d.code for d in disassemble_rom(b"", 0x8000).diagnostics] == ["D205"]


def test_stops_at_the_end_of_the_bank_and_of_the_rom():
    rom = _rom(0x10000, {0x7FFE: b"\xEA\xEA", 0x8000: b"\xEA" * 16})
    result = disassemble_rom(rom, 0x00FFFE, count=10)
    assert len(result.instructions) == 2 and result.end_addr == 0x010000
    assert [d.code for d in result.diagnostics] == ["D103"]
    small = _rom(0x8000, {0x7FFF: b"\xA9"})
    end = disassemble_rom(small, 0x00FFFF, count=4)
    assert [d.code for d in end.diagnostics] == ["D104", "D103"]
    assert end.instructions[0].is_data and end.instructions[0].text == "db $A9"


def test_mapped_run_follows_the_linear_pieces():
    # LoROM: $008000-$00FFFF is one 32 KiB run; hirom bank $C0 is 64 KiB.
    assert mapped_run(0x008000, 0x400000, "lorom", 0x10000) == (0, 0x8000)
    assert mapped_run(0xC00000, 0x400000, "hirom", 0x20000) == (0, 0x10000)
    assert mapped_run(0xC08000, 0x9000, "hirom", 0x20000) == (0x8000, 0x1000)
    assert mapped_run(0x7E0000, 0x400000, "lorom", 16) == (None, 0)


@pytest.mark.parametrize("start,mapper,expected", [
    (0x008000, None, ["lorom", "org $008000"]),
    (0x7E2000, None, ["lorom", "org $808000", "base $7E2000"]),   # WRAM routine
    (0x001000, "lorom", ["lorom", "org $808000", "base $001000"]),
    (0xC00000, "hirom", ["hirom", "org $C00000"]),
    (0x008000, "sa1", ["sa1rom", "org $008000"]),
])
def test_placement_lines(start, mapper, expected):
    assert placement_lines(start, start + 4, mapper) == expected


def test_listing_across_a_lorom_bank_uses_base():
    # $00FFF0.. runs on to $010000, which LoROM does not map after $00FFFF.
    assert placement_lines(0x00FFF0, 0x010010, "lorom") == ["lorom", "org $808000", "base $00FFF0"]
    assert placement_lines(0xC0FFF0, 0xC10010, "hirom") == ["hirom", "org $C0FFF0"]


def test_ram_code_listing_uses_base():
    result = disassemble(b"\x80\xFE", start_addr=0x7E2000)
    src = result.to_source(comments=False)
    assert "base $7E2000" in src and "L_7E2000:" in src and "BRA L_7E2000" in src
