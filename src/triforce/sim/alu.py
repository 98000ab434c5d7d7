"""Decimal-mode ADC/SBC exactly as the 65816 computes them, flags included.

The chip adds nibble by nibble with a decimal adjust after each one; V is taken
from the binary sum before the last adjust (which is why V is "meaningless but
defined" in decimal mode). Binary-mode arithmetic is inlined by the generated
handlers; these helpers run only with the D flag set.
Each returns ``(result, carry, overflow)``.
"""

from __future__ import annotations


def adc8_decimal(a: int, v: int, c: int) -> tuple[int, int, int]:
    r = (a & 0x0F) + (v & 0x0F) + c
    if r > 0x09:
        r += 0x06
    c = 1 if r > 0x0F else 0
    r = (a & 0xF0) + (v & 0xF0) + (c << 4) + (r & 0x0F)
    overflow = (~(a ^ v) & (a ^ r)) >> 7 & 1
    if r > 0x9F:
        r += 0x60
    return r & 0xFF, 1 if r > 0xFF else 0, overflow


def adc16_decimal(a: int, v: int, c: int) -> tuple[int, int, int]:
    r = (a & 0x000F) + (v & 0x000F) + c
    if r > 0x0009:
        r += 0x0006
    c = 1 if r > 0x000F else 0
    r = (a & 0x00F0) + (v & 0x00F0) + (c << 4) + (r & 0x000F)
    if r > 0x009F:
        r += 0x0060
    c = 1 if r > 0x00FF else 0
    r = (a & 0x0F00) + (v & 0x0F00) + (c << 8) + (r & 0x00FF)
    if r > 0x09FF:
        r += 0x0600
    c = 1 if r > 0x0FFF else 0
    r = (a & 0xF000) + (v & 0xF000) + (c << 12) + (r & 0x0FFF)
    overflow = (~(a ^ v) & (a ^ r)) >> 15 & 1
    if r > 0x9FFF:
        r += 0x6000
    return r & 0xFFFF, 1 if r > 0xFFFF else 0, overflow


def sbc8_decimal(a: int, v: int, c: int) -> tuple[int, int, int]:
    v ^= 0xFF  # subtraction is addition of the complement, adjusted downwards
    r = (a & 0x0F) + (v & 0x0F) + c
    if r <= 0x0F:
        r -= 0x06
    c = 1 if r > 0x0F else 0
    r = (a & 0xF0) + (v & 0xF0) + (c << 4) + (r & 0x0F)
    overflow = (~(a ^ v) & (a ^ r)) >> 7 & 1
    if r <= 0xFF:
        r -= 0x60
    return r & 0xFF, 1 if r > 0xFF else 0, overflow


def sbc16_decimal(a: int, v: int, c: int) -> tuple[int, int, int]:
    v ^= 0xFFFF
    r = (a & 0x000F) + (v & 0x000F) + c
    if r <= 0x000F:
        r -= 0x0006
    c = 1 if r > 0x000F else 0
    r = (a & 0x00F0) + (v & 0x00F0) + (c << 4) + (r & 0x000F)
    if r <= 0x00FF:
        r -= 0x0060
    c = 1 if r > 0x00FF else 0
    r = (a & 0x0F00) + (v & 0x0F00) + (c << 8) + (r & 0x00FF)
    if r <= 0x0FFF:
        r -= 0x0600
    c = 1 if r > 0x0FFF else 0
    r = (a & 0xF000) + (v & 0xF000) + (c << 12) + (r & 0x0FFF)
    overflow = (~(a ^ v) & (a ^ r)) >> 15 & 1
    if r <= 0xFFFF:
        r -= 0x6000
    return r & 0xFFFF, 1 if r > 0xFFFF else 0, overflow
