"""Integrity of the SPC700 and SuperFX instruction tables (the encodings
themselves are checked by the .asm cases arch_spc700, arch_superfx, spcblock)."""

from collections import Counter

from triforce.asm.arch_spc700 import BIT_FORMS, BIT_NEGATED, BIT_STORE_C, SPC700_FORMS
from triforce.asm.arch_superfx import (
    BRANCHES,
    IMPLIED,
    WITH_IMMEDIATE,
    WITH_POINTER,
    WITH_REGISTER,
)
from triforce.asm.superfx import parse_register


def test_spc700_table_covers_every_opcode_once():
    opcodes = []
    for form in SPC700_FORMS:
        if form.layout == "t":
            opcodes += [form.opcode | n << 4 for n in range(16)]
        else:
            opcodes.append(form.opcode)
        if form.abs_opcode is not None:
            opcodes.append(form.abs_opcode)
    for base, (_template, opcode) in BIT_FORMS.items():
        opcodes += [opcode | bit << 5 for bit in range(8)] if base in ("set", "clr", "bbs", "bbc") \
            else [opcode]
    opcodes += [*BIT_NEGATED.values(), BIT_STORE_C]
    # xcn is listed twice on purpose (`xcn` and `xcn a`); everything else is unique
    counts = Counter(opcodes)
    assert set(counts) == set(range(256))
    assert {op for op, n in counts.items() if n > 1} == {0x9F}
    forms = Counter((f.mnemonic, f.template) for f in SPC700_FORMS)
    assert max(forms.values()) == 1


def test_spc700_only_variable_width_forms_have_absolute_twins():
    for form in SPC700_FORMS:
        assert (form.layout == "v") == (form.abs_opcode is not None), form


def test_superfx_register_parsing():
    assert parse_register("r15", "r") == 15
    assert parse_register("R0", "r") == 0
    assert parse_register("r16", "r") is None
    assert parse_register("(r11)", "()") == 11
    assert parse_register("#4", "#") == 4
    assert parse_register("r", "r") is None


def test_superfx_opcodes_do_not_collide():
    seen = {}
    for table in (WITH_REGISTER, WITH_IMMEDIATE, WITH_POINTER):
        for name, form in table.items():
            for reg in range(form.low, form.high + 1):
                key = (form.prefix, form.base + reg)
                assert seen.setdefault(key, (name, reg)) == (name, reg), key
    for name, data in IMPLIED.items():
        key = (data[0] if len(data) == 2 else None, data[-1])
        assert key not in seen, (name, key, seen[key])
        seen[key] = (name, None)
    assert all(0x05 <= op <= 0x0F for op in BRANCHES.values())
