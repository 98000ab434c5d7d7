"""Data-driven assembler cases: every tests/asm/cases/*.asm states what it must produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from triforce.asm import assemble
from triforce.rom.mappers import snes_to_pc

from .casefile import load_case

CASES = sorted((Path(__file__).parent / "cases").glob("*.asm"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path):
    case = load_case(path)
    rom = bytes(case.rom_size) if case.rom_size is not None else None
    result = assemble(case.source, filename=str(path), rom=rom, base_dir=path.parent,
                      defines=case.defines)
    codes = [d.code for d in result.diagnostics if d.is_error]
    warnings = [d.code for d in result.diagnostics if not d.is_error]
    assert case.expect is not None or case.expect_at or case.errors or case.warnings or case.prints, \
        f"{path.name} states no expectation"
    if case.errors:
        assert not result.ok
        for code in case.errors:
            assert code in codes, f"{path.name}: expected {code}, got {result.diagnostics}"
        for diag in result.diagnostics:
            assert diag.span.line > 0 and diag.span.file, f"diagnostic without a location: {diag}"
    else:
        assert result.ok, [d.format() for d in result.diagnostics]
    for code in case.warnings:
        assert code in warnings, f"{path.name}: expected warning {code}, got {result.diagnostics}"
    if case.expect is not None:
        assert result.data.hex(" ").upper() == case.expect.hex(" ").upper()
    for addr, data in case.expect_at:
        off = snes_to_pc(addr, result.mapper)
        assert off is not None
        got = result.rom[off:off + len(data)]
        assert got.hex(" ").upper() == data.hex(" ").upper(), f"at ${addr:06X}"
    for text in case.prints:
        assert text in result.prints
    for name, addr in case.labels.items():
        assert result.labels.get(name) == addr, f"label {name}: {result.labels.get(name)}"
