"""Buses: what the CPU reads and writes through.

Protocol: ``read(addr24) -> int`` and ``write(addr24, value) -> None``. A bus may
also offer ``page_tables() -> (read_pages, write_pages)``: 2048 objects, one per
8 KiB page of the 24-bit space, indexable by the offset inside the page; mirrors
share one page object, so the CPU reaches memory without a call per access.

- :class:`FlatBus`: 16 MiB of plain RAM (what the test vectors assume).
- :class:`SnesBus`: the SNES map, LoROM or HiROM (see the class).
- :class:`RecordingBus`: wraps another bus and records every read and write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

ADDRESS_SPACE = 1 << 24
PAGE_BITS = 13
PAGE_SIZE = 1 << PAGE_BITS
PAGE_COUNT = ADDRESS_SPACE // PAGE_SIZE


class FlatBus:
    """16 MiB of RAM, every address distinct. Subclasses that override read/write
    are reached through those methods (``is_plain`` is False for them)."""

    def __init__(self) -> None:
        self.memory = bytearray(ADDRESS_SPACE)

    @property
    def is_plain(self) -> bool:
        cls = type(self)
        return cls.read is FlatBus.read and cls.write is FlatBus.write

    def read(self, addr: int) -> int:
        return self.memory[addr & 0xFFFFFF]

    def write(self, addr: int, value: int) -> None:
        self.memory[addr & 0xFFFFFF] = value & 0xFF

    def load(self, addr: int, data: bytes) -> None:
        """Copy ``data`` to ``addr`` onwards (wrapping at the end of the 24-bit space)."""
        addr &= 0xFFFFFF
        first = min(len(data), ADDRESS_SPACE - addr)
        self.memory[addr:addr + first] = data[:first]
        if first < len(data):
            self.load(0, data[first:])

    def page_tables(self):
        view = memoryview(self.memory)
        pages = [view[i * PAGE_SIZE:(i + 1) * PAGE_SIZE] for i in range(PAGE_COUNT)]
        return pages, pages


@dataclass
class DeviceHook:
    """A memory-mapped register's behaviour: ``read(addr16) -> byte`` replaces the
    stored value; ``write(addr16, byte)`` is called after the value is stored."""

    read: Callable[[int], int] | None = None
    write: Callable[[int, int], None] | None = None


class _RegisterPage:
    """A page of the $2000-$7FFF system area: plain storage unless a hook claims
    the address."""

    __slots__ = ("storage", "offset", "base", "hooks")

    def __init__(self, storage: bytearray, offset: int, base: int, hooks: dict):
        self.storage, self.offset, self.base, self.hooks = storage, offset, base, hooks

    def __getitem__(self, i: int) -> int:
        hook = self.hooks.get(self.base + i)
        if hook is not None and hook.read is not None:
            return hook.read(self.base + i) & 0xFF
        return self.storage[self.offset + i]

    def __setitem__(self, i: int, value: int) -> None:
        self.storage[self.offset + i] = value
        hook = self.hooks.get(self.base + i)
        if hook is not None and hook.write is not None:
            hook.write(self.base + i, value)


class _RomWritePage:
    """Writes to ROM change nothing; they are recorded for the caller to report."""

    __slots__ = ("log", "base")

    def __init__(self, log: list, base: int):
        self.log, self.base = log, base

    def __setitem__(self, i: int, value: int) -> None:
        self.log.append((self.base + i, value))


class SnesBus:
    """The SNES CPU address space over a ROM image (no copier header).

    - WRAM: $7E0000-$7FFFFF (128 KiB); $0000-$1FFF of banks $00-$3F/$80-$BF mirror
      its first 8 KiB.
    - System area $2000-$7FFF of banks $00-$3F/$80-$BF: one shared block of plain
      storage (hardware registers included); ``hooks[addr16]`` (a
      :class:`DeviceHook`) lets a device take over a register.
    - ROM: LoROM at $8000-$FFFF of banks $00-$7D/$80-$FF (offset = (bank & $7F)
      * $8000 + addr - $8000); HiROM at $8000-$FFFF of banks $00-$3F/$80-$BF and
      all of banks $40-$7D/$C0-$FF (offset = (bank & $3F) * $10000 + addr).
      Banks $80+ mirror $00+. Writes are ignored and appended to ``rom_writes``
      as ``(addr24, value)``. Bytes past the end of the image read as 0.
    - Everything else is plain RAM.
    """

    MAPPERS = ("lorom", "hirom")

    def __init__(self, rom: bytes = b"", mapper: str = "lorom"):
        if mapper not in self.MAPPERS:
            raise ValueError(f"unsupported mapper {mapper!r}; expected one of {self.MAPPERS}")
        self.mapper = mapper
        self.wram = bytearray(0x20000)
        self.system = bytearray(0x6000)
        self.hooks: dict[int, DeviceHook] = {}
        self.rom_writes: list[tuple[int, int]] = []
        rom_size = 0x400000
        self.rom = bytearray(rom[:rom_size]) + bytearray(max(0, rom_size - len(rom)))
        self._plain = bytearray(ADDRESS_SPACE)  # backing for everything unmapped
        self._read_pages, self._write_pages = self._build_pages()

    def _build_pages(self):
        wram, rom, plain = memoryview(self.wram), memoryview(self.rom), memoryview(self._plain)
        reads: list = [None] * PAGE_COUNT
        writes: list = [None] * PAGE_COUNT
        register_pages = {}
        for page in range(PAGE_COUNT):
            addr = page << PAGE_BITS
            bank, offset = addr >> 16, addr & 0xFFFF
            system_bank = (bank & 0x7F) < 0x40
            if bank in (0x7E, 0x7F):
                start = ((bank - 0x7E) << 16) | offset
                reads[page] = writes[page] = wram[start:start + PAGE_SIZE]
            elif system_bank and offset < 0x2000:
                reads[page] = writes[page] = wram[0:PAGE_SIZE]
            elif system_bank and offset < 0x8000:
                if offset not in register_pages:
                    register_pages[offset] = _RegisterPage(self.system, offset - 0x2000, offset, self.hooks)
                reads[page] = writes[page] = register_pages[offset]
            else:
                rom_offset = self._rom_offset(bank, offset)
                if rom_offset is None:
                    reads[page] = writes[page] = plain[addr:addr + PAGE_SIZE]
                else:
                    reads[page] = rom[rom_offset:rom_offset + PAGE_SIZE]
                    writes[page] = _RomWritePage(self.rom_writes, addr)
        return reads, writes

    def _rom_offset(self, bank: int, offset: int) -> int | None:
        """ROM offset of bank:offset, or None where this map puts no ROM.

        Which regions hold ROM is decided here (LoROM: only $8000-$FFFF); the
        offset arithmetic is asar's, from :mod:`triforce.rom.mappers`."""
        from triforce.rom.mappers import snes_to_pc

        if offset < 0x8000 and (self.mapper == "lorom" or (bank & 0x7F) < 0x40):
            return None
        return snes_to_pc((bank << 16) | offset, self.mapper)

    def page_tables(self):
        return self._read_pages, self._write_pages

    def read(self, addr: int) -> int:
        addr &= 0xFFFFFF
        return self._read_pages[addr >> PAGE_BITS][addr & (PAGE_SIZE - 1)]

    def write(self, addr: int, value: int) -> None:
        addr &= 0xFFFFFF
        self._write_pages[addr >> PAGE_BITS][addr & (PAGE_SIZE - 1)] = value & 0xFF

    def load(self, addr: int, data: bytes) -> None:
        """Poke bytes through the map (ROM bytes included) - for setting up tests."""
        for i, byte in enumerate(data):
            a = (addr + i) & 0xFFFFFF
            page = self._write_pages[a >> PAGE_BITS]
            if isinstance(page, _RomWritePage):
                self.rom[self._rom_offset(a >> 16, a & 0xFFFF)] = byte
            else:
                page[a & (PAGE_SIZE - 1)] = byte

    def add_hook(self, addr16: int, read=None, write=None) -> None:
        self.hooks[addr16 & 0xFFFF] = DeviceHook(read, write)


class RecordingBus:
    """Passes every access to ``inner`` and records it: ``reads``/``writes`` map
    each 24-bit address to the last value read/written there."""

    def __init__(self, inner):
        self.inner = inner
        self.reads: dict[int, int] = {}
        self.writes: dict[int, int] = {}

    def read(self, addr: int) -> int:
        value = self.inner.read(addr)
        self.reads[addr & 0xFFFFFF] = value
        return value

    def write(self, addr: int, value: int) -> None:
        self.inner.write(addr, value)
        self.writes[addr & 0xFFFFFF] = value & 0xFF

    def clear(self) -> None:
        self.reads.clear()
        self.writes.clear()
