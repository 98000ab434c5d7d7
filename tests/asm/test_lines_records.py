"""Line splitting (comments, continuations, blocks) and the per-line records."""

from __future__ import annotations

from triforce.asm import assemble
from triforce.asm.lines import split_args, split_blocks, split_source


def test_comments_as_asar_191_reads_them():
    src = 'db ";", 1 ; comment\n;[[ not a block comment in 1.91\ndb 2\n;@db 3\ndb \'a\';x\n'
    lines, errors = split_source(src, "f")
    assert not errors
    assert [(l.line, l.text) for l in lines] == [(1, 'db ";", 1'), (3, "db 2"), (4, "@db 3"), (5, "db 'a'")]


def test_comma_and_backslash_continuations_keep_first_line_number():
    lines, _ = split_source("db 1,\n   2,\n\n   3\nlda \\\n  #$12\n", "f")
    assert [(l.line, l.text) for l in lines] == [(1, "db 1,2,3"), (5, "lda #$12")]


def test_unbalanced_quotes():
    _, errors = split_source('db "abc\ndb 1\n', "f")
    assert [(e.code, e.line) for e in errors] == [("A101", 1)]


def test_blocks_and_args():
    assert split_blocks('lda #1 : sta $00 : db ":"') == ["lda #1", "sta $00", 'db ":"']
    assert split_blocks("Label: lda #1") == ["Label: lda #1"]
    assert split_args('1, "a,b", f(2, 3), \',\'') == ["1", '"a,b"', "f(2, 3)", "','"]


def test_line_records_track_rep_sep_and_immediate_size():
    src = "org $008000\nsep #$30\nlda #$12\nrep #$20\nlda #$1234\nldx #$12\nrep #$10 : ldy #$0001\nxce\n"
    r = assemble(src, filename="t.asm")
    assert r.ok
    recs = {rec.line: rec for rec in r.lines}
    assert recs[3].m == 1 and recs[3].imm_size == 1 and recs[3].decode_m == 1
    assert recs[5].m == 0 and recs[5].imm_size == 2 and recs[5].decode_m == 0
    assert recs[6].x == 1 and recs[6].decode_x == 1
    assert recs[7].data == bytes.fromhex("C2 10 A0 01 00") and recs[7].decode_x == 0
    assert recs[7].snes_addr == 0x800B
    assert [rec.line for rec in r.lines] == [2, 3, 4, 5, 6, 7, 8]


def test_immediate_sized_by_literal_not_by_tracked_flags():
    r = assemble("org $008000\nrep #$20\nlda #$12\n")
    rec = r.lines[-1]
    assert rec.data == bytes.fromhex("A9 12") and rec.m == 0 and rec.decode_m == 1


def test_writes_merge_and_labels_exclude_internal_names():
    r = assemble("org $008000\n- nop\nbra -\n?x: db 1\n")
    assert [(w.snes_addr, w.pc_offset, w.data) for w in r.writes] == [(0x8000, 0, bytes.fromhex("EA 80 FD 01"))]
    assert r.labels == {}


def test_every_malformed_line_is_a_diagnostic_not_a_crash():
    nasty = [
        "lda", "lda (", "lda ($12", "lda [$12", "lda #", "db", "dw ,", "org", "org $1234567",
        "%", "%()", "macro", "endmacro", "if", "elseif 1", "else", "endwhile", "for i = 1", "for",
        "!", "!x", "!x = ", "lda.q $12", "mvn 1", "mvn 1,2,3", "bra", "bra.w foo", "jml [$12],y",
        "incsrc", "incbin", "print hex(", "struct", "endstruct", "namespace", "function f(",
        "table", "base", "skip", "pad", "fill", "warnpc", "asar x", "math pri maybe", "optimize x",
        "\x00\x01", "lda #$12 : : :", ") (", "db 'ab'", "db $", "lda 1/0", "sta.l #$12",
    ]
    for line in nasty:
        r = assemble("org $008000\n" + line + "\n")
        assert all(d.code and d.span.line for d in r.diagnostics), (line, r.diagnostics)


def test_every_emitted_code_is_documented():
    import re
    from pathlib import Path

    from triforce.asm.codes import CODES

    src = Path(__file__).resolve().parents[2] / "src" / "triforce" / "asm"
    used = set()
    for path in src.glob("*.py"):
        if path.name != "codes.py":
            used |= set(re.findall(r'"([AW]\d{3})"', path.read_text()))
    assert used and used <= set(CODES), sorted(used - set(CODES))


def test_bom_crlf_and_tabs():
    r = assemble("\ufefforg $008000\r\nlda\t#$01\r\n\tdb\t\"a\tb\"\r\n")
    assert r.ok and r.data == bytes.fromhex("A9 01") + b"a\tb"
