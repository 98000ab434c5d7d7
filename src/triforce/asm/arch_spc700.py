"""The SPC700 instruction set (``arch spc700``), in asar's syntax, as data.

asar writes SPC700 operands the way its own test suite does: ``mov a,$12+x``,
``mov a,($12)+y``, ``mov (x+),a``, ``cbne $12+x,label``, ``set3 $12``,
``mov1 c,$1234.5``. Each row of :data:`SPC700_FORMS` is one opcode: the
mnemonic, an operand template, the opcode (and, for forms that exist both for a
direct-page and an absolute address, the absolute opcode) and how the operand
bytes are laid out. In a template, ``?`` stands for an expression, every other
character must match literally (case-insensitively, spaces removed). Rows are
tried in order, so a template with registers comes before a looser one.

Bit instructions (``set0``..``set7``, ``clr``, ``bbs``, ``bbc`` and the
``mov1/or1/and1/eor1/not1`` family) take the bit from a ``.N`` suffix on the
address or else from the mnemonic's last digit, as asar's ``bitmatch`` does
(so ``not1 $1234`` is bit 1 of $1234); they are in :data:`BIT_FORMS`.
"""

from __future__ import annotations

from typing import NamedTuple


class Spc700Form(NamedTuple):
    mnemonic: str
    template: str
    opcode: int
    abs_opcode: int | None   # the absolute-address twin of a direct-page form
    layout: str              # "", "b" byte, "w" word, "v" byte or word, "bb" two bytes
                             # (second expression first), "r" branch, "br" byte + branch


def _alu_rows(name: str, base: int) -> list[Spc700Form]:
    """or/and/eor/cmp/adc/sbc share one layout, 0x20 apart."""
    return [
        Spc700Form(name, "a,(x)", base + 0x06, None, ""),
        Spc700Form(name, "(x),(y)", base + 0x19, None, ""),
        Spc700Form(name, "a,#?", base + 0x08, None, "b"),
        Spc700Form(name, "a,(?+x)", base + 0x07, None, "b"),
        Spc700Form(name, "a,(?)+y", base + 0x17, None, "b"),
        Spc700Form(name, "a,?+x", base + 0x14, base + 0x15, "v"),
        Spc700Form(name, "a,?+y", base + 0x16, None, "w"),
        Spc700Form(name, "a,?", base + 0x04, base + 0x05, "v"),
        Spc700Form(name, "?,#?", base + 0x18, None, "bb"),
        Spc700Form(name, "?,?", base + 0x09, None, "bb"),
    ]


def _shift_rows(name: str, accu: int, dpx: int, dp: int) -> list[Spc700Form]:
    return [
        Spc700Form(name, "a", accu, None, ""),
        Spc700Form(name, "?+x", dpx, None, "b"),
        Spc700Form(name, "?", dp, dp + 1, "v"),
    ]


_IMPLIED = {
    "nop": 0x00, "brk": 0x0F, "clrp": 0x20, "setp": 0x40, "clrc": 0x60, "ret": 0x6F,
    "reti": 0x7F, "setc": 0x80, "ei": 0xA0, "di": 0xC0, "clrv": 0xE0, "notc": 0xED,
    "sleep": 0xEF, "stop": 0xFF, "xcn": 0x9F,
}

_BRANCHES = {
    "bpl": 0x10, "bra": 0x2F, "bmi": 0x30, "bvc": 0x50, "bvs": 0x70,
    "bcc": 0x90, "bcs": 0xB0, "bne": 0xD0, "beq": 0xF0,
}


def _build_forms() -> tuple[Spc700Form, ...]:
    rows: list[Spc700Form] = [Spc700Form(n, "", op, None, "") for n, op in _IMPLIED.items()]
    rows += [Spc700Form(n, "?", op, None, "r") for n, op in _BRANCHES.items()]
    # one-register forms
    for name, a, x, y, p in (("dec", 0x9C, 0x1D, 0xDC, None), ("inc", 0xBC, 0x3D, 0xFC, None),
                             ("pop", 0xAE, 0xCE, 0xEE, 0x8E), ("push", 0x2D, 0x4D, 0x6D, 0x0D)):
        rows += [Spc700Form(name, "a", a, None, ""), Spc700Form(name, "x", x, None, ""),
                 Spc700Form(name, "y", y, None, "")]
        if p is not None:
            rows.append(Spc700Form(name, "p", p, None, ""))
    rows += [Spc700Form("das", "a", 0xBE, None, ""), Spc700Form("daa", "a", 0xDF, None, ""),
             Spc700Form("xcn", "a", 0x9F, None, ""), Spc700Form("mul", "ya", 0xCF, None, ""),
             Spc700Form("div", "ya,x", 0x9E, None, "")]
    rows += _shift_rows("asl", 0x1C, 0x1B, 0x0B) + _shift_rows("lsr", 0x5C, 0x5B, 0x4B)
    rows += _shift_rows("rol", 0x3C, 0x3B, 0x2B) + _shift_rows("ror", 0x7C, 0x7B, 0x6B)
    rows += [Spc700Form("dec", "?+x", 0x9B, None, "b"), Spc700Form("dec", "?", 0x8B, 0x8C, "v"),
             Spc700Form("inc", "?+x", 0xBB, None, "b"), Spc700Form("inc", "?", 0xAB, 0xAC, "v")]
    rows += [Spc700Form("jmp", "(?+x)", 0x1F, None, "w"), Spc700Form("jmp", "?", 0x5F, None, "w"),
             Spc700Form("call", "?", 0x3F, None, "w"), Spc700Form("pcall", "?", 0x4F, None, "b"),
             Spc700Form("decw", "?", 0x1A, None, "b"), Spc700Form("incw", "?", 0x3A, None, "b"),
             Spc700Form("tcall", "?", 0x01, None, "t")]
    rows += [
        Spc700Form("mov", "(x+),a", 0xAF, None, ""), Spc700Form("mov", "(x),a", 0xC6, None, ""),
        Spc700Form("mov", "a,(x+)", 0xBF, None, ""), Spc700Form("mov", "a,(x)", 0xE6, None, ""),
        Spc700Form("mov", "a,x", 0x7D, None, ""), Spc700Form("mov", "a,y", 0xDD, None, ""),
        Spc700Form("mov", "x,a", 0x5D, None, ""), Spc700Form("mov", "x,sp", 0x9D, None, ""),
        Spc700Form("mov", "y,a", 0xFD, None, ""), Spc700Form("mov", "sp,x", 0xBD, None, ""),
        Spc700Form("mov", "(?+x),a", 0xC7, None, "b"), Spc700Form("mov", "(?)+y,a", 0xD7, None, "b"),
        Spc700Form("mov", "?+x,a", 0xD4, 0xD5, "v"), Spc700Form("mov", "?+y,a", 0xD6, None, "w"),
        Spc700Form("mov", "?+x,y", 0xDB, None, "b"), Spc700Form("mov", "?+y,x", 0xD9, None, "b"),
        Spc700Form("mov", "a,#?", 0xE8, None, "b"), Spc700Form("mov", "a,(?+x)", 0xE7, None, "b"),
        Spc700Form("mov", "a,(?)+y", 0xF7, None, "b"), Spc700Form("mov", "a,?+x", 0xF4, 0xF5, "v"),
        Spc700Form("mov", "a,?+y", 0xF6, None, "w"), Spc700Form("mov", "a,?", 0xE4, 0xE5, "v"),
        Spc700Form("mov", "x,#?", 0xCD, None, "b"), Spc700Form("mov", "x,?+y", 0xF9, None, "b"),
        Spc700Form("mov", "x,?", 0xF8, 0xE9, "v"), Spc700Form("mov", "y,#?", 0x8D, None, "b"),
        Spc700Form("mov", "y,?+x", 0xFB, None, "b"), Spc700Form("mov", "y,?", 0xEB, 0xEC, "v"),
        Spc700Form("mov", "?,a", 0xC4, 0xC5, "v"), Spc700Form("mov", "?,x", 0xD8, 0xC9, "v"),
        Spc700Form("mov", "?,y", 0xCB, 0xCC, "v"),
        Spc700Form("mov", "?,#?", 0x8F, None, "bb"), Spc700Form("mov", "?,?", 0xFA, None, "bb"),
    ]
    rows += [Spc700Form("cmp", "x,#?", 0xC8, None, "b"), Spc700Form("cmp", "x,?", 0x3E, 0x1E, "v"),
             Spc700Form("cmp", "y,#?", 0xAD, None, "b"), Spc700Form("cmp", "y,?", 0x7E, 0x5E, "v")]
    for offset, name in enumerate(("or", "and", "eor", "cmp", "adc", "sbc")):
        rows += _alu_rows(name, offset * 0x20)
    rows += [Spc700Form("tset", "?,a", 0x0E, None, "w"), Spc700Form("tclr", "?,a", 0x4E, None, "w"),
             Spc700Form("cmpw", "ya,?", 0x5A, None, "b"), Spc700Form("addw", "ya,?", 0x7A, None, "b"),
             Spc700Form("subw", "ya,?", 0x9A, None, "b"), Spc700Form("movw", "ya,?", 0xBA, None, "b"),
             Spc700Form("movw", "?,ya", 0xDA, None, "b"),
             Spc700Form("cbne", "?+x,?", 0xDE, None, "br"), Spc700Form("dbnz", "y,?", 0xFE, None, "r"),
             Spc700Form("dbnz", "?,?", 0x6E, None, "br"), Spc700Form("cbne", "?,?", 0x2E, None, "br")]
    return tuple(rows)


SPC700_FORMS: tuple[Spc700Form, ...] = _build_forms()

# Bit instructions: base opcode, the bit goes into bits 5-7 of the opcode (dp forms)
# or bits 13-15 of the 13-bit address (the `c` forms).
BIT_FORMS = {
    "set": ("?", 0x02), "clr": ("?", 0x12),          # opcode | bit << 5, dp
    "bbs": ("?,?", 0x03), "bbc": ("?,?", 0x13),      # opcode | bit << 5, dp, branch
    "or": ("c,?", 0x0A), "and": ("c,?", 0x4A), "eor": ("c,?", 0x8A),
    "mov": ("c,?", 0xAA), "not": ("?", 0xEA),         # opcode, addr | bit << 13
}
BIT_NEGATED = {"or": 0x2A, "and": 0x6A}               # `or1 c,!addr.bit`
BIT_STORE_C = 0xCA                                    # `mov1 addr.bit,c`

MNEMONICS = frozenset(f.mnemonic for f in SPC700_FORMS) | {
    f"{name}{bit}" for name in ("set", "clr", "bbs", "bbc") for bit in range(8)} | {
    "or1", "and1", "eor1", "mov1", "not1", "set1", "clr1"}
