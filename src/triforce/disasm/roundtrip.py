"""Both directions in one call: bytes -> asar source -> bytes, compared.

``roundtrip`` disassembles, re-assembles the listing with ``triforce.asm`` and
reports whether the bytes came back identical (and where they first differ).
The assembler is imported lazily, so the disassembler works without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.diagnostics import Diagnostic, SourceSpan, error
from triforce.disasm.decoder import disassemble
from triforce.disasm.model import (
    D_ASSEMBLER_MISSING,
    D_ROUNDTRIP_ASSEMBLY,
    D_ROUNDTRIP_MISMATCH,
    DisassemblyResult,
)


@dataclass
class RoundTrip:
    original: bytes
    source: str
    reassembled: bytes | None
    disassembly: DisassemblyResult
    diagnostics: list[Diagnostic] = field(default_factory=list)
    mismatch_offset: int | None = None

    @property
    def ok(self) -> bool:
        return self.reassembled == self.original and not any(d.is_error for d in self.diagnostics)


def assemble_source(source: str, *, filename: str = "<disasm>") -> tuple[bytes | None, list[Diagnostic]]:
    """Assemble ``source`` with triforce's assembler; returns the bytes its
    lines emitted, in source order (whatever ``org``/``base`` placed them)."""
    try:
        from triforce.asm import assemble
    except ImportError as exc:
        return None, [error(D_ASSEMBLER_MISSING, f"triforce.asm cannot assemble: {exc}")]
    result = assemble(source, filename=filename)
    diags = list(result.diagnostics)
    if not result.ok:
        diags.append(error(D_ROUNDTRIP_ASSEMBLY, "the disassembled source did not assemble",
                           SourceSpan(filename, 0, 0)))
        return None, diags
    out = bytearray()
    for record in sorted(result.lines, key=lambda r: (r.file, r.line)):
        out += record.data
    return bytes(out), diags


def reassemble(result: DisassemblyResult) -> tuple[bytes | None, list[Diagnostic]]:
    return assemble_source(result.to_source())


def _first_difference(a: bytes, b: bytes) -> int | None:
    for i, (p, q) in enumerate(zip(a, b, strict=False)):
        if p != q:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def roundtrip(data: bytes, *, start_addr: int = 0x008000, m: int = 1, x: int = 1,
              symbols: dict[int, str] | None = None, mapper: str | None = None,
              emulation: bool | None = None, db: int | None = None,
              d: int | None = None) -> RoundTrip:
    """Disassemble ``data`` at ``start_addr``, assemble the listing again and compare."""
    dis = disassemble(data, start_addr=start_addr, m=m, x=x, symbols=symbols,
                      emulation=emulation, db=db, d=d)
    dis.mapper = mapper
    return check_listing(dis)


def check_listing(dis: DisassemblyResult) -> RoundTrip:
    """Re-assemble an existing disassembly and compare it with the bytes it decoded."""
    original = dis.data
    source = dis.to_source()
    reassembled, diags = assemble_source(source)
    trip = RoundTrip(original, source, reassembled, dis, list(dis.diagnostics) + diags)
    if reassembled is not None and reassembled != original:
        trip.mismatch_offset = _first_difference(original, reassembled)
        addr = (dis.start_addr + (trip.mismatch_offset or 0)) & 0xFFFFFF
        trip.diagnostics.append(error(
            D_ROUNDTRIP_MISMATCH,
            f"re-assembled bytes differ from the original at ${addr:06X}",
            SourceSpan(f"${addr:06X}", 0, 0)))
    return trip
