"""The 65816 disassembler: table-driven (every fact from ``triforce.isa``),
tracking M/X through REP/SEP/XCE/PHP..PLP and DB/D through the idioms that set
them, printing asar source that assembles back to the same bytes.

- ``disassemble(data, start_addr=, m=, x=, count=, symbols=)`` -> DisassemblyResult
- ``disassemble_rom(rom, at, mapper=, count=)`` reads a ROM image through a mapper
- ``load_symbols(path)`` / ``parse_symbols(text)`` read WLA ``.sym`` and ``name = $addr`` files
- ``roundtrip(data, ...)`` disassembles, re-assembles with ``triforce.asm`` and compares
- ``DisassemblyResult.to_source(dialect="asar"|"ca65"|"64tass")``
"""

from __future__ import annotations

from triforce.disasm.decoder import branch_target, disassemble
from triforce.disasm.model import DisassemblyResult, Instruction
from triforce.disasm.rom import disassemble_rom, strip_copier_header
from triforce.disasm.roundtrip import RoundTrip, assemble_source, check_listing, roundtrip
from triforce.disasm.symbols import SymbolTable, load_symbols, parse_symbols

__all__ = [
    "DisassemblyResult", "Instruction", "RoundTrip", "SymbolTable", "assemble_source",
    "branch_target", "check_listing", "disassemble", "disassemble_rom", "load_symbols",
    "parse_symbols", "roundtrip", "strip_copier_header",
]
