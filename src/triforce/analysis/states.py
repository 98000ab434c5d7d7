"""Entry states for the equivalence checker: the listed ones, edge cases, and
random ones (either everything, or only what a benchmark ``vary`` names)."""

from __future__ import annotations

import random

from triforce.analysis.machine import EntryState, is_rom

#: Values registers and memory take in the edge-case states.
EDGE_VALUES = (0x0000, 0xFFFF, 0x00FF, 0x0080, 0x007F, 0x8000, 0x7FFF, 0x0001)
FLAG_MASK_NVZC = 0xC3


def edge_states(base: EntryState, memory: list[int]) -> list[EntryState]:
    """Registers and every known memory byte at 0, $FF, $80, $7F...; flags all clear / all set."""
    out = []
    for index, value in enumerate(EDGE_VALUES):
        state = base.copy()
        state.a = value
        state.x_reg = _index_value(value, state.x)
        state.y = _index_value(value ^ (0xFFFF if index % 2 else 0), state.x)
        state.p = (state.p & ~FLAG_MASK_NVZC) | (FLAG_MASK_NVZC if index % 2 else 0)
        for addr in memory:
            state.ram[addr] = value & 0xFF
        out.append(state)
    return out


def _index_value(value: int, x_flag: int) -> int:
    return value & (0xFF if x_flag else 0xFFFF)


def random_state(rng: random.Random, base: EntryState, memory: list[int],
                 vary: dict | None) -> EntryState:
    """A copy of ``base`` with registers, N V Z C and ``memory`` randomised — or, when
    ``vary`` is given, exactly what it names (benchmark semantics)."""
    state = base.copy()
    if vary is None:
        state.a = rng.getrandbits(16)
        state.x_reg = _index_value(rng.getrandbits(16), state.x)
        state.y = _index_value(rng.getrandbits(16), state.x)
        state.p = (state.p & ~FLAG_MASK_NVZC) | (rng.getrandbits(8) & FLAG_MASK_NVZC)
        for addr in memory:
            state.ram[addr] = _biased_byte(rng)
        return state
    for key, attr, limit in (("a", "a", 0xFFFF), ("x_reg", "x_reg", None), ("y", "y", None)):
        if key not in vary:
            continue
        top = limit if limit is not None else (0xFF if state.x else 0xFFFF)
        span = vary[key]
        if span is None:
            value = rng.randint(0, top)
        else:
            value = rng.randint(int(span[0]), int(span[1]))
        if key == "a" and span is not None and state.m:
            # A range for an 8-bit A names the low byte; the hidden high byte still varies.
            value = (rng.getrandbits(8) << 8) | (value & 0xFF)
        setattr(state, attr, value & top)
    if "p" in vary and vary["p"]:
        mask = int(vary["p"]) & 0xCF
        state.p = (state.p & ~mask) | (rng.getrandbits(8) & mask)
    ram_spec = vary.get("ram")
    if ram_spec == "all":
        for addr in list(state.ram):
            state.ram[addr] = rng.getrandbits(8)
    elif isinstance(ram_spec, list):
        for item in ram_spec:
            if len(item) == 4:
                first, count, low, high = (int(v) for v in item)
                addrs = range(first, first + count)
            else:
                first, low, high = (int(v) for v in item)
                addrs = range(first, first + 1)
            for addr in addrs:
                state.ram[addr & 0xFFFFFF] = rng.randint(low, high)
    return state


def _biased_byte(rng: random.Random) -> int:
    # Edge bytes often decide branches (0, $FF, $80, $7F): give them extra weight.
    roll = rng.random()
    if roll < 0.15:
        return rng.choice((0x00, 0xFF, 0x80, 0x7F, 0x01, 0xFE))
    return rng.getrandbits(8)


def randomisable(addr: int) -> bool:
    """Memory a state may set: not ROM, and not the PPU/CPU status registers
    whose values real hardware produces (busy-wait loops on them never end)."""
    if is_rom(addr):
        return False
    offset = addr & 0xFFFF
    if addr <= 0xFFFF and (0x4210 <= offset <= 0x4212 or 0x2137 <= offset <= 0x213F):
        return False
    return True
