"""SNES address <-> ROM file offset conversions, one function pair per mapper.

The conversions follow asar's ``snestopc``/``pctosnes`` exactly (including which
regions are "not ROM"), so addresses printed by the assembler, the disassembler
and the simulator agree with asar's. Offsets never include a copier header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

#: Default SA-1 bank registers (CXB, DXB, EXB, FXB), as asar assumes them.
#: Index = (address & 0xE00000) >> 21; only 0, 1, 4 and 5 are used.
SA1_DEFAULT_BANKS = (0 << 20, 1 << 20, -1, -1, 2 << 20, 3 << 20, -1, -1)


def _lorom_to_pc(addr: int, _banks) -> int:
    if ((addr & 0xFE0000) == 0x7E0000 or (addr & 0x408000) == 0x000000
            or (addr & 0x708000) == 0x700000):
        return -1
    return ((addr & 0x7F0000) >> 1) | (addr & 0x7FFF)


def _lorom_to_snes(off: int, _banks) -> int:
    if off >= 0x400000:
        return -1
    return ((off << 1) & 0x7F0000) | (off & 0x7FFF) | 0x8000 | 0x800000


def _hirom_to_pc(addr: int, _banks) -> int:
    if (addr & 0xFE0000) == 0x7E0000 or (addr & 0x408000) == 0x000000:
        return -1
    return addr & 0x3FFFFF


def _hirom_to_snes(off: int, _banks) -> int:
    if off >= 0x400000:
        return -1
    return off | 0xC00000


def _exlorom_to_pc(addr: int, _banks) -> int:
    if (addr & 0xF00000) == 0x700000 or (addr & 0x408000) == 0x000000:
        return -1
    base = ((addr & 0x7F0000) >> 1) | (addr & 0x7FFF)
    return base if addr & 0x800000 else base + 0x400000


def _exlorom_to_snes(off: int, _banks) -> int:
    if off >= 0x800000:
        return -1
    if off & 0x400000:
        off -= 0x400000
        return ((off << 1) & 0x7F0000) | (off & 0x7FFF) | 0x8000
    return ((off << 1) & 0x7F0000) | (off & 0x7FFF) | 0x8000 | 0x800000


def _exhirom_to_pc(addr: int, _banks) -> int:
    if (addr & 0xFE0000) == 0x7E0000 or (addr & 0x408000) == 0x000000:
        return -1
    if (addr & 0x800000) == 0:
        return (addr & 0x3FFFFF) | 0x400000
    return addr & 0x3FFFFF


def _exhirom_to_snes(off: int, _banks) -> int:
    if off >= 0x800000:
        return -1
    if off & 0x400000:
        return off
    return off | 0xC00000


def _sfxrom_to_pc(addr: int, _banks) -> int:
    if ((addr & 0x600000) == 0x600000 or (addr & 0x408000) == 0x000000
            or (addr & 0x800000) == 0x800000):
        return -1
    if addr & 0x400000:
        return addr & 0x3FFFFF
    return ((addr & 0x7F0000) >> 1) | (addr & 0x7FFF)


def _sfxrom_to_snes(off: int, _banks) -> int:
    # asar emulates GSU1: the LoROM-style view of banks 00-3F.
    if off >= 0x200000:
        return -1
    return ((off << 1) & 0x7F0000) | (off & 0x7FFF) | 0x8000


def _sa1_to_pc(addr: int, banks) -> int:
    if (addr & 0x408000) == 0x008000:
        bank = banks[(addr & 0xE00000) >> 21]
        if bank < 0:
            return -1
        return bank | ((addr & 0x1F0000) >> 1) | (addr & 0x007FFF)
    if (addr & 0xC00000) == 0xC00000:
        bank = banks[((addr & 0x100000) >> 20) | ((addr & 0x200000) >> 19)]
        if bank < 0:
            return -1
        return bank | (addr & 0x0FFFFF)
    return -1


def _sa1_to_snes(off: int, banks) -> int:
    for i in range(8):
        if banks[i] == (off & 0x700000):
            return 0x008000 | (i << 21) | ((off & 0x0F8000) << 1) | (off & 0x7FFF)
    return -1


def _bigsa1_to_pc(addr: int, _banks) -> int:
    if (addr & 0xC00000) == 0xC00000:
        return (addr & 0x3FFFFF) | 0x400000
    if (addr & 0xC00000) in (0x000000, 0x800000):
        if (addr & 0x008000) == 0:
            return -1
        return ((addr & 0x800000) >> 2) | ((addr & 0x3F0000) >> 1) | (addr & 0x7FFF)
    return -1


def _bigsa1_to_snes(off: int, _banks) -> int:
    if off >= 0x800000:
        return -1
    if (off & 0x400000) == 0x400000:
        return off | 0xC00000
    if (off & 0x600000) == 0x000000:
        return ((off << 1) & 0x3F0000) | 0x8000 | (off & 0x7FFF)
    if (off & 0x600000) == 0x200000:
        return 0x800000 | ((off << 1) & 0x3F0000) | 0x8000 | (off & 0x7FFF)
    return -1


def _norom_to_pc(addr: int, _banks) -> int:
    return addr


def _norom_to_snes(off: int, _banks) -> int:
    return off


@dataclass(frozen=True)
class Mapper:
    """One memory map: ``to_pc``/``to_snes`` return -1 for "not ROM" (asar's convention)."""

    name: str
    to_pc: Callable[[int, tuple], int]
    to_snes: Callable[[int, tuple], int]
    bank_size: int          # bytes per bank in the file (freespace stays inside one)
    max_size: int           # the largest ROM the map addresses


MAPPERS = MappingProxyType({
    "lorom": Mapper("lorom", _lorom_to_pc, _lorom_to_snes, 0x8000, 0x400000),
    "hirom": Mapper("hirom", _hirom_to_pc, _hirom_to_snes, 0x10000, 0x400000),
    "exlorom": Mapper("exlorom", _exlorom_to_pc, _exlorom_to_snes, 0x8000, 0x800000),
    "exhirom": Mapper("exhirom", _exhirom_to_pc, _exhirom_to_snes, 0x10000, 0x800000),
    "sa1": Mapper("sa1", _sa1_to_pc, _sa1_to_snes, 0x8000, 0x800000),
    "fullsa1rom": Mapper("fullsa1rom", _bigsa1_to_pc, _bigsa1_to_snes, 0x8000, 0x800000),
    "sfxrom": Mapper("sfxrom", _sfxrom_to_pc, _sfxrom_to_snes, 0x8000, 0x200000),
    "norom": Mapper("norom", _norom_to_pc, _norom_to_snes, 0x10000, 0x1000000),
})

#: asar's spellings that name the same maps.
ALIASES = MappingProxyType({"sa1rom": "sa1", "bigsa1rom": "fullsa1rom"})


def get_mapper(name: str) -> Mapper:
    key = name.lower()
    key = ALIASES.get(key, key)
    try:
        return MAPPERS[key]
    except KeyError:
        raise ValueError(f"unknown mapper {name!r}; known: {', '.join(MAPPERS)}") from None


def snes_to_pc(addr24: int, mapper: str = "lorom", sa1_banks=SA1_DEFAULT_BANKS) -> int | None:
    """ROM file offset of a 24-bit SNES address, or None when the address is not ROM."""
    if addr24 < 0 or addr24 > 0xFFFFFF:
        return None
    off = get_mapper(mapper).to_pc(addr24, sa1_banks)
    return None if off < 0 else off


def pc_to_snes(offset: int, mapper: str = "lorom", sa1_banks=SA1_DEFAULT_BANKS) -> int | None:
    """SNES address that maps to a ROM file offset, or None when the map cannot reach it."""
    if offset < 0:
        return None
    addr = get_mapper(mapper).to_snes(offset, sa1_banks)
    return None if addr < 0 else addr


__all__ = [
    "ALIASES",
    "MAPPERS",
    "SA1_DEFAULT_BANKS",
    "Mapper",
    "get_mapper",
    "pc_to_snes",
    "snes_to_pc",
]
