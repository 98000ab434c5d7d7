"""The assembler's shortcuts give exactly what the general paths give.

Literal operands and data are turned into bytes once, lines of plain statements
keep their parsed actions, splitting skips the quote scan when there is nothing
to skip, and the garbage collector is paused only for the assembly.
"""

from __future__ import annotations

import gc

import pytest

from triforce.asm import assemble
from triforce.asm.expr import constant_value, literal_value
from triforce.asm.gcpause import paused_gc
from triforce.asm.lines import split_args, split_blocks


def _data(src: str) -> bytes:
    result = assemble("Ram = $7E0000\nZero = 0\norg $008000\n" + src)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.data


@pytest.mark.parametrize("text, value", [
    ("$1F", 0x1F), ("$00ff", 0xFF), ("%101", 5), ("42", 42), ("007", 7),
    ("$", None), ("%", None), ("1.5", None), ("$1+1", None), ("label", None), (" $12", None),
    ("-1", None), ("1" * 19, None),
])
def test_literal_value(text, value):
    assert literal_value(text) == value


@pytest.mark.parametrize("text, value", [
    ("$7E0000+$1234", 0x7E1234), ("2*3+1", 7), ("(1+2)*3", 9), ("1<<4|1", 17), ("-1", -1),
    ("~$FF", -256), ("$10%3", 1), ("1==1", 1),
    ("1+2*3", None),        # `math pri` decides: 9 or 7
    ("10/2", None), ("2**3", None), ("1.5", None),      # fractions: `math round` may matter
    ("a+1", None), ("'a'", None), ('"ab"', None), ("1/0", None), ("+", None), ("--", None),
])
def test_constant_value(text, value):
    assert constant_value(text) == value


def test_math_settings_still_apply_to_what_is_not_constant():
    for pri, value in (("off", 9), ("on", 7)):
        assert _data(f"math pri {pri}\ndb 1+2*3\nlda.b #1+2*3\n") == bytes((value, 0xA9, value))
    assert _data("math round off\ndb 5/2*2\n") == b"\x05"
    assert _data("db 5/2*2\n") == b"\x04"


@pytest.mark.parametrize("literal, general", [
    ("lda.w $12", "lda.w $12+0"),
    ("lda $1234,x", "lda ($1234),x"),
    ("ldx.b #$05", "ldx.b #$05*1"),
    ("lda #$1234", "lda #$1234|0"),
    ("jml $123456", "jml $123456+0"),
    ("lda.l %1", "lda.l %1*1"),
    ("cmp 300", "cmp 300+0"),
    ("dw $12, %11, 7, $12345", "dw $12+0, %11+0, 7+0, $12345+0"),
    ("db $1FF, 255, \"ab\", $01", "db $1FF+0, 255+0, \"ab\", $01+0"),
    ("dl 1, 2 : dd $FFFFFFFF", "dl 1+0, 2+0 : dd $FFFFFFFF+0"),
    ("sta.l $7E0000+$12", "sta.l Ram+$12"),
    ("db -1, ~$01, 2*3+1", "db -1+Zero, ~$01+Zero, 2*3+1+Zero"),
])
def test_literal_operands_give_the_evaluated_bytes(literal, general):
    assert _data(literal) == _data(general)


def test_literal_immediate_keeps_its_line_record():
    result = assemble("org $008000\nlda #$1234\nldx.b #$05 : ldy #$0102\n")
    records = [(r.line, r.data, r.imm_size, r.decode_m, r.decode_x) for r in result.lines]
    assert records == [(2, b"\xa9\x34\x12", 2, 0, 1), (3, b"\xa2\x05\xa0\x02\x01", 1, 1, 0)]


def test_each_statement_on_a_line_reports_its_own_error():
    result = assemble("org $008000\nlda #$01 : bogus_cmd : nop : lda.q $12 : rtl\n")
    assert [d.code for d in result.diagnostics] == ["A201", "A204"]
    assert result.data == b"\xa9\x01\xea\x6b"


def test_a_line_run_again_under_another_arch_is_parsed_for_it():
    # the same text (`nop`) is one opcode for the 65816 and another for the SPC700
    result = assemble("org $008000\nnop\narch spc700\nnop\nmov a,#1\narch 65816\nnop\n"
                      "arch spc700 : nop : arch 65816 : nop\n")
    assert result.ok
    assert result.data == bytes.fromhex("ea00e801ea00ea")


def test_lines_from_a_file_and_from_a_macro_share_nothing_wrong(tmp_path):
    (tmp_path / "inc.asm").write_text("db !v\nnop : db $02\n")
    src = ("org $008000\n!v = 1\nincsrc \"inc.asm\"\n!v = 3\nincsrc \"inc.asm\"\n"
           "macro m(x)\n    db <x>\n    nop : db $02\nendmacro\n%m(4)\n%m(5)\n")
    result = assemble(src, filename=str(tmp_path / "main.asm"), base_dir=tmp_path)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.data == bytes.fromhex("01ea02" "03ea02" "04ea02" "05ea02")


@pytest.mark.parametrize("text", [
    "lda #1 : sta $00", "a :  : b", "a : : b", ": a", "a :", "a::b", 'db ":" : nop', "x : y : z",
])
def test_split_blocks_without_quotes_matches_the_scan(text):
    quoted = text + ' : db " : "'
    assert split_blocks(quoted)[:-1] == split_blocks(text)
    assert split_blocks(quoted)[-1] == 'db " : "'


def test_split_args_plain_and_nested():
    assert split_args(" $01, $02 ,3,, ") == ["$01", "$02", "3", "", ""]
    assert split_args("f(1, 2), [3, 4], {5, 6}, ',', \"a,b\"") == \
        ["f(1, 2)", "[3, 4]", "{5, 6}", "','", '"a,b"']


def test_paused_gc_restores_the_collector_state():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()       # a caller that keeps it off keeps it off
    finally:
        gc.enable()
    assemble("nop\n")
    assert gc.isenabled()


def test_an_assembly_is_freed_without_the_collector(monkeypatch):
    import weakref

    from triforce.asm import context

    seen = []
    original = context.Context.__init__

    def recording_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(weakref.ref(self))

    monkeypatch.setattr(context.Context, "__init__", recording_init)
    gc.disable()
    try:
        assemble("org $008000\nmacro m()\nnop\nendmacro\nLabel: lda Label\n%m()\n")
        assert seen and seen[0]() is None
    finally:
        gc.enable()
