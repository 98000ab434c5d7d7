"""Symbol files: address -> name, for labels in disassembly.

Understood formats (one file may mix the line forms):
- WLA DX ``.sym`` as asar, bsnes-plus and Mesen write it: a ``[labels]`` section
  of ``bb:aaaa name`` lines (other sections such as ``[definitions]`` hold
  constants, not addresses, and are skipped);
- asar-style assignments ``name = $7E0010`` (also ``!name = $7E0010``,
  ``name = 0x7E0010``, ``name = $7E:0010``);
- ``bbaaaa name`` / ``$bbaaaa name`` pairs.
Comments start with ``;`` (or ``#`` at the start of a line). Names are made
into valid asar identifiers; asar's internal ``:pos_``/``:neg_``/macro labels
are skipped because they cannot be written in source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from triforce.diagnostics import Diagnostic, SourceSpan, error, warning
from triforce.disasm.model import D_SYMBOLS_BAD_LINE, D_SYMBOLS_DUPLICATE, D_SYMBOLS_UNREADABLE
from triforce.isa import MNEMONICS

_WLA_LINE = re.compile(r"^([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,4})\s+(\S+)")
_ASSIGN_LINE = re.compile(r"^!?([A-Za-z_.:?][\w.:?]*)\s*=\s*(\S+)")
_PAIR_LINE = re.compile(r"^\$?([0-9A-Fa-f]{1,6})\s+(\S+)")
_SECTION = re.compile(r"^\[([^\]]+)\]")
_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_]")
_ADDRESS_SECTIONS = frozenset({"labels"})
_MAX_SYMBOL_FILE = 64 * 1024 * 1024
# Names an operand could be mistaken for: registers and mnemonics.
_RESERVED = frozenset({"A", "X", "Y", "S"}) | MNEMONICS


@dataclass
class SymbolTable:
    symbols: dict[int, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def label_name(name: str) -> str | None:
    """``name`` as an asar identifier, or None when it cannot be one."""
    if not name or name.startswith(":") or name.startswith("?"):
        return None
    clean = _INVALID_NAME_CHARS.sub("_", name.lstrip("."))
    if not clean.strip("_"):
        return None
    if clean[0].isdigit() or clean.upper() in _RESERVED:
        clean = "_" + clean
    return clean


def parse_address(text: str) -> int | None:
    """``$7E0010``, ``0x7E0010``, ``7E0010``, ``$7E:0010``, ``7E:0010`` -> int (hex)."""
    t = text.strip().replace("_", "")
    if t.startswith("$"):
        t = t[1:]
    elif t[:2].lower() == "0x":
        t = t[2:]
    if ":" in t:
        bank, _, low = t.partition(":")
        if not (bank and low) or len(low) > 4:
            return None
        t = bank + low.rjust(4, "0")
    if not t or len(t) > 6 or not re.fullmatch(r"[0-9A-Fa-f]+", t):
        return None
    return int(t, 16)


def parse_symbols(text: str, *, filename: str = "<symbols>") -> SymbolTable:
    table = SymbolTable()
    names_seen: dict[str, int] = {}
    section: str | None = None
    for lineno, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.split(";", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        span = SourceSpan(filename, lineno, 1)
        sec = _SECTION.match(line)
        if sec:
            section = sec.group(1).strip().lower()
            continue
        if section is not None and section not in _ADDRESS_SECTIONS:
            continue
        parsed = _parse_line(line)
        if parsed is None:
            table.diagnostics.append(warning(
                D_SYMBOLS_BAD_LINE, f"symbol line not understood: {raw_line.strip()!r}", span))
            continue
        addr, raw_name = parsed
        name = label_name(raw_name)
        if name is None:
            continue
        if name in names_seen and names_seen[name] != addr:
            table.diagnostics.append(warning(
                D_SYMBOLS_DUPLICATE,
                f"{name} is defined at ${names_seen[name]:06X} and ${addr:06X}; keeping the first",
                span))
            continue
        names_seen[name] = addr
        table.symbols.setdefault(addr, name)
    return table


def _parse_line(line: str) -> tuple[int, str] | None:
    m = _WLA_LINE.match(line)
    if m:
        return (int(m.group(1), 16) << 16) | int(m.group(2), 16), m.group(3)
    m = _ASSIGN_LINE.match(line)
    if m:
        addr = parse_address(m.group(2))
        return None if addr is None else (addr, m.group(1))
    m = _PAIR_LINE.match(line)
    if m:
        return int(m.group(1), 16), m.group(2)
    return None


def load_symbols(path: str | Path) -> SymbolTable:
    """Read a symbol file; an unreadable file is an error diagnostic, not an exception."""
    p = Path(path)
    span = SourceSpan(str(path), 0, 0)
    try:
        if not p.is_file():
            return SymbolTable(diagnostics=[error(
                D_SYMBOLS_UNREADABLE, f"symbol file not found: {path}", span)])
        if p.stat().st_size > _MAX_SYMBOL_FILE:
            return SymbolTable(diagnostics=[error(
                D_SYMBOLS_UNREADABLE, f"symbol file too large: {path}", span)])
        text = p.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        return SymbolTable(diagnostics=[error(
            D_SYMBOLS_UNREADABLE, f"cannot read symbol file {path}: {exc.strerror or exc}", span)])
    return parse_symbols(text, filename=str(path))
