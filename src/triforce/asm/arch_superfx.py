"""The SuperFX (GSU) instruction set (``arch superfx``), in asar's syntax, as data.

Registers are written ``r0``..``r15``, ``#n`` (an immediate register-field
operand, as in ``link #4``) or ``(rN)``. An entry gives the ALT prefix byte
(0x3D alt1, 0x3E alt2, 0x3F alt3, or None), the base opcode that the register
number is added to, and the registers the instruction allows. The two-operand
moves (``move``, ``moves``, ``ibt``, ``iwt``, ``lm``, ``lms``, ``sm``, ``sms``,
``moveb``, ``movew``, ``lea``) are encoded in :mod:`triforce.asm.superfx`.
"""

from __future__ import annotations

from typing import NamedTuple

ALT1, ALT2, ALT3 = 0x3D, 0x3E, 0x3F


class RegisterForm(NamedTuple):
    prefix: int | None
    base: int
    low: int = 0
    high: int = 15


IMPLIED: dict[str, bytes] = {
    "stop": b"\x00", "nop": b"\x01", "cache": b"\x02", "lsr": b"\x03", "rol": b"\x04",
    "loop": b"\x3c", "alt1": b"\x3d", "alt2": b"\x3e", "alt3": b"\x3f", "plot": b"\x4c",
    "swap": b"\x4d", "color": b"\x4e", "not": b"\x4f", "merge": b"\x70", "sbk": b"\x90",
    "sex": b"\x95", "asr": b"\x96", "ror": b"\x97", "lob": b"\x9e", "fmult": b"\x9f",
    "hib": b"\xc0", "getc": b"\xdf", "getb": b"\xef",
    "rpix": b"\x3d\x4c", "cmode": b"\x3d\x4e", "div2": b"\x3d\x96", "lmult": b"\x3d\x9f",
    "getbh": b"\x3d\xef", "ramb": b"\x3e\xdf", "getbl": b"\x3e\xef", "romb": b"\x3f\xdf",
    "getbs": b"\x3f\xef",
}

# `op rN`
WITH_REGISTER: dict[str, RegisterForm] = {
    "to": RegisterForm(None, 0x10), "with": RegisterForm(None, 0x20),
    "add": RegisterForm(None, 0x50), "sub": RegisterForm(None, 0x60),
    "and": RegisterForm(None, 0x70, 1, 15), "mult": RegisterForm(None, 0x80),
    "jmp": RegisterForm(None, 0x90, 8, 13), "from": RegisterForm(None, 0xB0),
    "or": RegisterForm(None, 0xC0, 1, 15), "inc": RegisterForm(None, 0xD0, 0, 14),
    "dec": RegisterForm(None, 0xE0, 0, 14),
    "adc": RegisterForm(ALT1, 0x50), "sbc": RegisterForm(ALT1, 0x60),
    "bic": RegisterForm(ALT1, 0x70, 1, 15), "umult": RegisterForm(ALT1, 0x80),
    "ljmp": RegisterForm(ALT1, 0x90, 8, 13), "xor": RegisterForm(ALT1, 0xC0, 1, 15),
    "cmp": RegisterForm(ALT3, 0x60),
}

# `op #n`
WITH_IMMEDIATE: dict[str, RegisterForm] = {
    "link": RegisterForm(None, 0x90, 1, 4),
    "add": RegisterForm(ALT2, 0x50), "sub": RegisterForm(ALT2, 0x60),
    "and": RegisterForm(ALT2, 0x70, 1, 15), "mult": RegisterForm(ALT2, 0x80),
    "or": RegisterForm(ALT2, 0xC0, 1, 15),
    "adc": RegisterForm(ALT3, 0x50), "bic": RegisterForm(ALT3, 0x70, 1, 15),
    "umult": RegisterForm(ALT3, 0x80), "xor": RegisterForm(ALT3, 0xC0, 1, 15),
}

# `op (rN)`
WITH_POINTER: dict[str, RegisterForm] = {
    "stw": RegisterForm(None, 0x30, 0, 11), "ldw": RegisterForm(None, 0x40, 0, 11),
    "stb": RegisterForm(ALT1, 0x30, 0, 11), "ldb": RegisterForm(ALT1, 0x40, 0, 11),
}

BRANCHES: dict[str, int] = {
    "bra": 0x05, "bge": 0x06, "blt": 0x07, "bne": 0x08, "beq": 0x09, "bpl": 0x0A,
    "bmi": 0x0B, "bcc": 0x0C, "bcs": 0x0D, "bvc": 0x0E, "bvs": 0x0F,
}

TWO_OPERAND = frozenset({"move", "moves", "ibt", "iwt", "moveb", "movew", "lm", "lms",
                         "sm", "sms", "lea"})

MNEMONICS = frozenset(IMPLIED) | frozenset(WITH_REGISTER) | frozenset(WITH_IMMEDIATE) \
    | frozenset(WITH_POINTER) | frozenset(BRANCHES) | TWO_OPERAND
