"""Effective-address computation for the data-operand addressing modes.

Each resolver emits the operand fetch, the PC advance and ``ea`` (the 24-bit
address of the operand's low byte) and returns how to reach the high byte plus
the data-dependent cycle conditions. The wrap rules are the chip's: direct page
and stack-relative addresses stay in bank 0, data-bank and long addresses carry
into the next bank, and in emulation mode a direct page with DL=0 wraps inside
its page (except for the 65816-only ``[d]`` forms).
"""

from __future__ import annotations

from triforce.isa import Mode
from triforce.sim.emit import DB, D, S, X, Y, Emitter

#: Condition (as Python source) under which the direct-page penalty applies.
DIRECT_PAGE_PENALTY = "d & 255"


class Resolved:
    """What a resolver produced: the high-byte address and penalty conditions."""

    __slots__ = ("hi", "dp_penalty", "page_cross")

    def __init__(self, hi: str, dp_penalty: bool = False, page_cross: str | None = None):
        self.hi = hi                  # expression for the address of the operand's high byte
        self.dp_penalty = dp_penalty  # the mode pays +1 when DL != 0
        self.page_cross = page_cross  # condition for the index page-crossing cycle


def _long_next(var: str) -> str:
    return f"{var} + 1 & 16777215"


def _bank0_next(var: str) -> str:
    return f"{var} + 1 & 65535"


def resolve(g: Emitter, mode: Mode, length: int) -> Resolved:
    """Emit the address computation for ``mode``; ``length`` is the instruction length."""
    if mode in (Mode.DP, Mode.DP_X, Mode.DP_Y, Mode.DP_IND, Mode.DP_X_IND, Mode.DP_IND_Y,
                Mode.DP_IND_L, Mode.DP_IND_LY):
        return _direct_modes(g, mode, length)
    if mode in (Mode.ABS, Mode.ABS_X, Mode.ABS_Y):
        g.operand(2)
        g.advance(length)
        if mode is Mode.ABS:
            g.emit(f"ea = R[{DB}] | o")
            return Resolved(_long_next("ea"))
        g.emit(f"i = R[{X if mode is Mode.ABS_X else Y}]")
        g.emit(f"ea = R[{DB}] + o + i & 16777215")
        return Resolved(_long_next("ea"), page_cross="(o & 255) + i > 255")
    if mode is Mode.LONG:
        g.operand(3)
        g.advance(length)
        g.emit("ea = o")
        return Resolved(_long_next("ea"))
    if mode is Mode.LONG_X:
        g.operand(3)
        g.advance(length)
        g.emit(f"ea = o + R[{X}] & 16777215")
        return Resolved(_long_next("ea"))
    if mode is Mode.SR:
        g.operand(1)
        g.advance(length)
        g.emit(f"ea = R[{S}] + o & 65535")
        return Resolved(_bank0_next("ea"))
    if mode is Mode.SR_IND_Y:
        g.operand(1)
        g.advance(length)
        g.emit(f"sp = R[{S}] + o")
        g.read_word("ptr", "sp & 65535", "sp + 1 & 65535")
        g.emit(f"ea = R[{DB}] + ptr + R[{Y}] & 16777215")
        return Resolved(_long_next("ea"))
    raise ValueError(f"no data address for mode {mode}")


def _direct_modes(g: Emitter, mode: Mode, length: int) -> Resolved:
    g.operand(1)
    g.advance(length)
    g.emit(f"d = R[{D}]")
    if mode in (Mode.DP, Mode.DP_X, Mode.DP_Y):
        offset = {Mode.DP: "o", Mode.DP_X: f"o + R[{X}]", Mode.DP_Y: f"o + R[{Y}]"}[mode]
        g.direct("ea", offset)
        return Resolved(_bank0_next("ea"), dp_penalty=True)
    if mode in (Mode.DP_IND, Mode.DP_IND_Y):
        g.direct("pa", "o")
        g.direct("pa1", "o + 1")
        g.read_word("ptr", "pa", "pa1")
        if mode is Mode.DP_IND:
            g.emit(f"ea = R[{DB}] | ptr")
            return Resolved(_long_next("ea"), dp_penalty=True)
        g.emit(f"i = R[{Y}]")
        g.emit(f"ea = R[{DB}] + ptr + i & 16777215")
        return Resolved(_long_next("ea"), dp_penalty=True, page_cross="(ptr & 255) + i > 255")
    if mode is Mode.DP_X_IND:
        g.emit(f"t = o + R[{X}]")
        g.direct("pa", "t")
        if g.e:
            # Emulation-mode quirk: with DL != 0 the pointer's high byte is read
            # from the same page as its low byte. The page is taken from the
            # unwrapped sum D + d + X, as the reference core (ares) computes it.
            with g.block("if d & 255:"):
                g.emit("u = d + t", "pa1 = u & 16776960 | (u + 1 & 255)")
            with g.block("else:"):
                g.emit("pa1 = d | (t + 1 & 255)")
        else:
            g.direct("pa1", "t + 1")
        g.read_word("ptr", "pa", "pa1")
        g.emit(f"ea = R[{DB}] | ptr")
        return Resolved(_long_next("ea"), dp_penalty=True)
    # [d] and [d],y: the pointer is read at D+o.. in bank 0, never page-wrapped.
    g.emit("pa = d + o")
    g.read("_p0", "pa & 65535")
    g.read("_p1", "pa + 1 & 65535")
    g.read("_p2", "pa + 2 & 65535")
    if mode is Mode.DP_IND_L:
        g.emit("ea = _p0 | _p1 << 8 | _p2 << 16")
    else:
        g.emit(f"ea = (_p0 | _p1 << 8 | _p2 << 16) + R[{Y}] & 16777215")
    return Resolved(_long_next("ea"), dp_penalty=True)
