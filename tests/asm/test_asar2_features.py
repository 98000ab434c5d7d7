"""asar 2.0 features beside asar 1.91 behaviour: block comments keep line numbers,
nested macro definitions report where the reference is, lazy logic, fractions."""

from __future__ import annotations

from pathlib import Path

from triforce.asm import assemble
from triforce.asm.lines import split_source


def _errors(result):
    return [(d.code, d.span.line) for d in result.diagnostics if d.is_error]


def test_block_comments_keep_line_numbers():
    src = "db 1\n;[[\nnot code\n]] db 2\nnop ;[[ a\nb ]] : nop\n;[[ no end\nfoo\n"
    lines, errors = split_source(src, "f")
    assert not errors
    # the block that opens line 2 ends it; `db 2` starts a new line where `]]` is;
    # the block opened after `nop` joins `: nop` onto line 5; line 7's `;[[` is never
    # closed, so it is a plain comment and line 8 is code
    assert [(sl.line, sl.text) for sl in lines] == [
        (1, "db 1"), (4, "db 2"), (5, "nop : nop"), (8, "foo")]
    result = assemble("org $008000\n;[[\n\n]]\nbadop\n", filename="c.asm")
    assert _errors(result) == [("A201", 5)]


def test_chained_blocks_and_a_trailing_unclosed_one():
    lines, _ = split_source("nop ;[[ a\nb ]] nop ;[[ c\nd ]] : nop ;[[ open\ndb 1\n", "f")
    assert [(sl.line, sl.text) for sl in lines] == [(1, "nop nop : nop"), (4, "db 1")]


def test_quoted_semicolons_and_brackets_are_text():
    lines, _ = split_source('db ";[[", 1 ; ]]\ndb 2\n', "f")
    assert [sl.text for sl in lines] == ['db ";[[", 1', "db 2"]


def test_nested_macro_errors_point_at_the_reference():
    src = ("org $008000\n"
           "macro outer(a)\n"
           "  macro inner()\n"
           "    db <^nope>\n"          # line 4: outer has no `nope`
           "    db <^^a>\n"            # line 5: two levels up, one exists
           "  endmacro\n"
           "endmacro\n"
           "%outer(1)\n")
    result = assemble(src, filename="n.asm")
    assert sorted(_errors(result)) == [("A516", 4), ("A518", 5)]
    for diag in result.diagnostics:
        assert diag.span.file == "n.asm"


def test_nested_definition_captures_arguments_and_defines_at_definition_time():
    src = ("org $008000\n!v = 1\n"
           "macro outer(a)\n  macro inner(b)\n    db <b>, <^a>, !^v, !v\n  endmacro\nendmacro\n"
           "%outer(7)\n!v = 2\n%inner(9)\n")
    result = assemble(src)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.data == bytes([9, 7, 1, 2])


def test_included_file_sees_the_calling_macros_arguments(tmp_path: Path):
    (tmp_path / "part.asm").write_text("db <value>+1\n")
    src = 'org $008000\nmacro inc(value)\n  incsrc "part.asm"\nendmacro\n%inc(4)\n'
    result = assemble(src, filename=str(tmp_path / "main.asm"), base_dir=tmp_path)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.data == bytes([5])


def test_lazy_logic_skips_the_failing_side_only_when_decided():
    assert assemble("org $008000\ndb 1 || 1/0, 0 && 1/0\n").data == bytes([1, 0])
    assert _errors(assemble("org $008000\ndb 0 || 1/0\n")) == [("A120", 2)]


def test_fraction_math_follows_asar_191_rounding():
    # asar 1.91 truncates every value while `math round` is on (its default)
    assert assemble("org $008000\ndb 1.5*2\n").data == bytes([2])
    assert assemble("org $008000\nmath round off\ndb 1.5*2\n").data == bytes([3])
    assert assemble("asar 1.91\norg $008000\ndb 1.5*2\n").data == bytes([3])
