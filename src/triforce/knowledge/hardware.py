"""Behaviour of the CPU's math registers, as bus hooks for the simulator.

The simulator keeps hardware registers as plain storage; routines that use
the multiplier ($4202/$4203 -> $4216/$4217) or the divider ($4204-$4206 ->
$4214-$4217) need these hooks to compute. Results appear at once (the real
chip needs 8 or 16 cycles; code that waits long enough sees the same values).
"""

from __future__ import annotations


class MathUnit:
    """The 8x8 multiplier and 16/8 divider of the S-CPU."""

    def __init__(self) -> None:
        self.multiplicand = 0xFF
        self.dividend = 0xFFFF
        self.quotient = 0
        self.product = 0          # also the division remainder ($4216/$4217)

    def _write(self, addr: int, value: int) -> None:
        if addr == 0x4202:
            self.multiplicand = value
        elif addr == 0x4203:
            self.product = self.multiplicand * value
            self.quotient = value          # RDDIV holds the multiplier after a multiply
        elif addr == 0x4204:
            self.dividend = (self.dividend & 0xFF00) | value
        elif addr == 0x4205:
            self.dividend = (self.dividend & 0x00FF) | (value << 8)
        elif addr == 0x4206:
            if value == 0:
                self.quotient, self.product = 0xFFFF, self.dividend
            else:
                self.quotient, self.product = divmod(self.dividend, value)

    def _read(self, addr: int) -> int:
        return {
            0x4214: self.quotient & 0xFF, 0x4215: self.quotient >> 8,
            0x4216: self.product & 0xFF, 0x4217: (self.product >> 8) & 0xFF,
        }[addr]

    def hooks(self) -> dict[int, tuple]:
        """``{addr16: (read, write)}`` for :class:`triforce.analysis.machine.Machine`."""
        writes = {addr: (None, self._write) for addr in (0x4202, 0x4203, 0x4204, 0x4205, 0x4206)}
        reads = {addr: (self._read, None) for addr in (0x4214, 0x4215, 0x4216, 0x4217)}
        return {**writes, **reads}


__all__ = ["MathUnit"]
