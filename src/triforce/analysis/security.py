"""How code can be broken (Ganon's checks): indexes taken from memory and used
without a bounds check, jumps through tables that live in RAM, and the
linter's stack findings.

Codes: L201 index from memory used for a write or jump without a bounds check ·
L202 indirect jump through RAM (anyone who can write it controls the PC) ·
L203 indexed jump table with an unchecked index.
"""

from __future__ import annotations

from triforce.analysis.source import parse_operand, parse_source
from triforce.diagnostics import Diagnostic, SourceSpan, warning
from triforce.isa.queries import (
    compared_register,
    loaded_register,
    transferred_registers,
    transfers_control,
    writes_memory,
)

_INDEXES = ("X", "Y")


def _is_ram(value: int, size: int | None) -> bool:
    bank, offset = value >> 16, value & 0xFFFF
    if size == 3 or value > 0xFFFF:
        return bank in (0x7E, 0x7F) or ((bank & 0x7F) < 0x40 and offset < 0x2000)
    return offset < 0x2000


def audit(source: str, *, filename: str = "<input>") -> list[Diagnostic]:
    statements = parse_source(source)
    found: list[Diagnostic] = []
    tainted: dict[str, int] = {}       # index register -> line where it got a value from memory
    a_from_memory: int | None = None
    for statement in statements:
        if statement.labels and any(label[0] not in ".+-" for label in statement.labels):
            tainted.clear()
            a_from_memory = None
        if not statement.is_instruction:
            continue
        mnemonic = statement.mnemonic
        operand = parse_operand(statement)
        span = SourceSpan(filename, statement.line, statement.col)
        compared = compared_register(mnemonic)
        if compared:
            if compared in _INDEXES:
                tainted.pop(compared.lower(), None)
            else:
                a_from_memory = None
            continue
        if mnemonic in ("AND",) and operand.kind == "imm":
            a_from_memory = None      # masking bounds the value
            continue
        loaded = loaded_register(mnemonic)
        if loaded in _INDEXES:
            register = loaded.lower()
            if operand.kind == "addr":
                tainted[register] = statement.line
            else:
                tainted.pop(register, None)
            continue
        if loaded == "A":
            a_from_memory = statement.line if operand.kind == "addr" else None
            continue
        copied = transferred_registers(mnemonic)
        if copied and copied[0] == "A" and copied[1] in _INDEXES:
            register = copied[1].lower()
            if a_from_memory is not None:
                tainted[register] = a_from_memory
            else:
                tainted.pop(register, None)
            continue
        if transfers_control(mnemonic) and operand.kind == "addr" and operand.indirect:
            if operand.value is not None and _is_ram(operand.value, operand.size):
                found.append(warning("L202", f"{statement.text}: the jump address is read from RAM "
                                     f"(${operand.value:04X}); a stray write there hijacks the program counter", span))
            if operand.indirect == "(x" and "x" in tainted:
                found.append(warning("L203", f"{statement.text}: X comes from memory (line {tainted['x']}) and "
                                     "is not compared against the table size first", span))
            continue
        if operand.kind == "addr" and writes_memory(mnemonic):
            register = operand.index or ("y" if operand.indirect in ("(", "[") and operand.index == "y" else "")
            if register in tainted:
                found.append(warning("L201", f"{statement.text}: {register.upper()} comes from memory "
                                     f"(line {tainted[register]}) and is used to write without a bounds check",
                                     span))
                tainted.pop(register, None)
    from triforce.analysis.lint import lint
    found.extend(d for d in lint(source, filename=filename).diagnostics if d.code in ("L002", "L009", "L006"))
    return sorted(found, key=lambda d: (d.span.line, d.code))


__all__ = ["audit"]
