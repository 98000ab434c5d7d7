"""The 65816's interrupt vectors: the bank-0 addresses each interrupt reads its
handler's address from, which differ between emulation and native mode.

BRK and COP are named after their instructions, so ``vector(op.mnemonic, ...)``
finds a software interrupt's vector.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: name -> (emulation-mode address, native-mode address). In emulation mode BRK
#: shares IRQ's vector; RESET always starts the chip in emulation mode.
VECTORS: Mapping[str, tuple[int, int | None]] = MappingProxyType({
    "COP": (0xFFF4, 0xFFE4),
    "BRK": (0xFFFE, 0xFFE6),
    "ABORT": (0xFFF8, 0xFFE8),
    "NMI": (0xFFFA, 0xFFEA),
    "RESET": (0xFFFC, None),
    "IRQ": (0xFFFE, 0xFFEE),
})


def vector(name: str, emulation: bool) -> int:
    """Address of the vector for interrupt ``name`` (case-insensitive) in the given mode.
    Raises KeyError for an unknown name or a vector the mode lacks (native RESET)."""
    address = VECTORS[name.upper()][0 if emulation else 1]
    if address is None:
        raise KeyError(f"{name} has no native-mode vector")
    return address


__all__ = ["VECTORS", "vector"]
