"""Copier headers and the internal ROM title."""

from __future__ import annotations

from triforce.rom.mappers import snes_to_pc

COPIER_HEADER_SIZE = 512
TITLE_LENGTH = 21


def has_copier_header(size: int) -> bool:
    """A dump whose size is 512 more than a multiple of 1 KiB carries a copier header."""
    return size % 1024 == COPIER_HEADER_SIZE


def split_copier_header(data: bytes) -> tuple[bytes, bytes]:
    """(header, body): the header is empty when the size says there is none."""
    if has_copier_header(len(data)):
        return data[:COPIER_HEADER_SIZE], data[COPIER_HEADER_SIZE:]
    return b"", data


def rom_title(rom: bytes, mapper: str = "lorom") -> str | None:
    """The 21-byte internal title at $00FFC0, or None when the ROM is too short."""
    off = snes_to_pc(0x00FFC0, mapper)
    if off is None or off + TITLE_LENGTH > len(rom):
        return None
    return rom[off:off + TITLE_LENGTH].decode("latin-1")
