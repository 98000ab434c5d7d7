"""Interrupt vectors (WDC W65C816S datasheet, table of vector locations)."""

from __future__ import annotations

import pytest

from triforce.isa.vectors import VECTORS, vector


def test_vector_addresses():
    assert [vector(name, emulation=False) for name in ("COP", "BRK", "ABORT", "NMI", "IRQ")] == [
        0xFFE4, 0xFFE6, 0xFFE8, 0xFFEA, 0xFFEE]
    assert [vector(name, emulation=True) for name in ("COP", "ABORT", "NMI", "RESET", "IRQ")] == [
        0xFFF4, 0xFFF8, 0xFFFA, 0xFFFC, 0xFFFE]
    assert vector("brk", emulation=True) == vector("IRQ", emulation=True)  # shared in emulation
    assert all(address is None or 0xFFE0 <= address <= 0xFFFF
               for pair in VECTORS.values() for address in pair)
    with pytest.raises(KeyError):
        vector("RESET", emulation=False)
    with pytest.raises(KeyError):
        vector("SWI", emulation=True)
