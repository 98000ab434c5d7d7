"""Reads the expectations in a ``tests/asm/cases/*.asm`` header.

Header comment lines (the leading ``;`` block) may say:
``; expect: HEX...`` (all written bytes, in write order; lines concatenate),
``; expect-at $ADDR: HEX...`` (bytes at a SNES address of the output ROM),
``; expect-error: CODE...``, ``; expect-warning: CODE...``,
``; expect-print: TEXT``, ``; expect-label: NAME=$ADDR``,
``; rom-size: $N`` (start from a zeroed ROM of that size), ``; define: NAME=VALUE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Case:
    path: Path
    source: str
    expect: bytes | None = None
    expect_at: list[tuple[int, bytes]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    prints: list[str] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    rom_size: int | None = None
    defines: dict[str, str] = field(default_factory=dict)


def _hex(text: str) -> bytes:
    return bytes(int(t, 16) for t in text.split())


def _num(text: str) -> int:
    text = text.strip()
    return int(text[1:], 16) if text.startswith("$") else int(text, 0)


def load_case(path: Path) -> Case:
    source = path.read_text()
    case = Case(path, source)
    expect = bytearray()
    saw_expect = False
    for line in source.splitlines():
        if not line.startswith(";"):
            break
        body = line[1:].strip()
        key, sep, value = body.partition(":")
        if not sep:
            continue
        key = key.strip()
        value = value.strip()
        if key == "expect":
            expect += _hex(value)
            saw_expect = True
        elif key.startswith("expect-at "):
            case.expect_at.append((_num(key[len("expect-at "):]), _hex(value)))
        elif key == "expect-error":
            case.errors += value.split()
        elif key == "expect-warning":
            case.warnings += value.split()
        elif key == "expect-print":
            case.prints.append(value)
        elif key == "expect-label":
            name, _, addr = value.partition("=")
            case.labels[name.strip()] = _num(addr)
        elif key == "rom-size":
            case.rom_size = _num(value)
        elif key == "define":
            name, _, val = value.partition("=")
            case.defines[name.strip()] = val.strip()
    if saw_expect:
        case.expect = bytes(expect)
    return case
