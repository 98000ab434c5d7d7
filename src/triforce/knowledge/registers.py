"""The SNES hardware register reference (packaged ``registers.json``) and lookups.

``lookup(0x4200)`` -> :class:`Register` for ``NMITIMEN``; any bank in
$00-$3F/$80-$BF works (``0x804200`` too). DMA channel registers $43x0-$43xB
are expanded per channel (``DMAP3`` = $4330). ``find("vram address")`` searches
names and descriptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Register:
    addr: int            # $2100-$43FF, bank-less
    name: str
    access: str          # "r", "w" or "rw"
    desc: str
    twice: bool = False  # written twice (low then high) to the same address

    def to_dict(self) -> dict:
        return {"addr": f"${self.addr:04X}", "name": self.name, "access": self.access,
                "desc": self.desc, "twice": self.twice}


@lru_cache(maxsize=1)
def _table() -> dict[int, Register]:
    text = resources.files("triforce.knowledge").joinpath("registers.json").read_text(encoding="utf-8")
    data = json.loads(text)
    table: dict[int, Register] = {}
    for row in data["registers"]:
        addr = int(row["addr"], 16)
        table[addr] = Register(addr, row["name"], row["access"], row["desc"], bool(row.get("twice")))
    for channel in range(8):
        for row in data["dma_channel"]:
            addr = 0x4300 + channel * 0x10 + int(row["offset"], 16)
            name = row["name"].replace("n", str(channel))   # the lower-case n is the channel
            table[addr] = Register(addr, name, row["access"],
                                   f"DMA channel {channel}: {row['desc']}")
    return table


def all_registers() -> list[Register]:
    return sorted(_table().values(), key=lambda r: r.addr)


def lookup(address: int) -> Register | None:
    """The register at ``address`` (16- or 24-bit; banks $00-$3F/$80-$BF)."""
    bank = (address >> 16) & 0xFF
    if address > 0xFFFF and not (bank <= 0x3F or 0x80 <= bank <= 0xBF):
        return None
    return _table().get(address & 0xFFFF)


def by_name(name: str) -> Register | None:
    wanted = name.strip().upper()
    for register in _table().values():
        if register.name.upper() == wanted:
            return register
    return None


def find(words: str, limit: int = 5) -> list[Register]:
    """Registers whose name or description shares the most words with ``words``."""
    terms = [w for w in words.lower().replace(",", " ").split() if len(w) > 2]
    scored = []
    for register in _table().values():
        haystack = f"{register.name} {register.desc}".lower()
        score = sum(1 for term in terms if term in haystack)
        if register.name.lower() in terms:
            score += 5
        if score:
            scored.append((-score, register.addr, register))
    return [r for _, _, r in sorted(scored)[:limit]]


__all__ = ["Register", "all_registers", "by_name", "find", "lookup"]
