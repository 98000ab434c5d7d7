"""The internal-header checksum, computed and fixed as asar does it."""

from __future__ import annotations

from triforce.rom.mappers import snes_to_pc


def compute_checksum(rom: bytes | bytearray) -> int:
    """asar's ``getchecksum``: a plain byte sum for power-of-two sizes; otherwise the
    size is taken as two powers of two and the smaller part is mirrored up."""
    size = len(rom)
    if size == 0:
        return 0
    if size & (size - 1) == 0:
        return sum(rom) & 0xFFFF
    first = 1 << (size.bit_length() - 1)
    second = size - first
    repeat = first // second
    return (sum(rom[:first]) + sum(rom[first:]) * repeat) & 0xFFFF


def header_offset(mapper: str, sa1_banks=None) -> int | None:
    """PC offset of the checksum complement ($00FFDC) under a mapper, or None."""
    kwargs = {} if sa1_banks is None else {"sa1_banks": sa1_banks}
    return snes_to_pc(0x00FFDC, mapper, **kwargs)


def fix_checksum(rom: bytearray, mapper: str = "lorom", sa1_banks=None) -> bool:
    """Write complement and checksum at $00FFDC-$00FFDF; False when the ROM is too
    short to hold an internal header (nothing is written then)."""
    off = header_offset(mapper, sa1_banks)
    if off is None or off + 4 > len(rom):
        return False
    rom[off:off + 4] = b"\xff\xff\x00\x00"
    total = compute_checksum(rom)
    rom[off + 2] = total & 0xFF
    rom[off + 3] = (total >> 8) & 0xFF
    rom[off] = (total & 0xFF) ^ 0xFF
    rom[off + 1] = ((total >> 8) & 0xFF) ^ 0xFF
    return True


def checksum_ok(rom: bytes | bytearray, mapper: str = "lorom") -> bool:
    off = header_offset(mapper)
    if off is None or off + 4 > len(rom):
        return False
    stored = rom[off + 2] | (rom[off + 3] << 8)
    comp = rom[off] | (rom[off + 1] << 8)
    probe = bytearray(rom)
    probe[off:off + 4] = b"\xff\xff\x00\x00"
    return stored == compute_checksum(probe) and (stored ^ comp) == 0xFFFF
