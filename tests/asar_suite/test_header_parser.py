"""The asar test-header reader and the comparison rules, on small files of our own."""

from __future__ import annotations

import pytest

from .runner import HeaderError, parse_header, run_case, summarize


def test_bytes_and_offsets_build_the_expected_rom():
    exp = parse_header(";`01 02\n;`00010 AA\nnop\n;`03\n")
    assert bytes(exp.rom[:2]) == b"\x01\x02"
    assert len(exp.rom) == 0x12  # the cursor moved to $10, wrote AA, then 03
    assert exp.rom[0x10] == 0xAA and exp.rom[0x11] == 0x03


def test_a_bare_offset_extends_the_rom():
    exp = parse_header(";`01\n;`FFFFF\n")
    assert len(exp.rom) == 0xFFFFF


def test_errors_warnings_prints_and_flags():
    exp = parse_header(";`errEfoo warnWbar #2 +\n;P>hello\n;E>ignored\n;`skip\n")
    assert exp.errors == ["Efoo"] and exp.warnings == ["Wbar"]
    assert exp.prints == ["hello"] and exp.iterations == 2
    assert exp.needs_base_rom and exp.skip


def test_old_format_header_only_counts_in_the_leading_block():
    exp = parse_header(";@01 err\norg $8000\n;@02\n")
    assert exp.old_format and exp.must_fail and bytes(exp.rom) == b"\x01"


def test_unknown_words_are_rejected():
    with pytest.raises(HeaderError):
        parse_header(";`zz\n")


def test_a_byte_order_mark_is_skipped():
    assert bytes(parse_header("\ufeff;`EA\n").rom) == b"\xea"


def _case(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return run_case(path)


def test_matching_bytes_pass(tmp_path):
    result = _case(tmp_path, "ok.asm", ";`A9 12 EA\norg $008000\nlda #$12\nnop\n")
    assert result.status == "pass", result.reasons


def test_wrong_bytes_fail_with_the_offset(tmp_path):
    result = _case(tmp_path, "bad.asm", ";`A9 13\norg $008000\nlda #$12\n")
    assert result.status == "fail"
    assert any("0x1" in reason for reason in result.reasons)


def test_expected_error_count_must_match(tmp_path):
    one = _case(tmp_path, "one.asm", ";`errEassertion_failed\norg $008000\nassert 0\n")
    two = _case(tmp_path, "two.asm", ";`errEassertion_failed\norg $008000\nassert 0\nassert 0\n")
    assert one.status == "pass" and two.status == "fail" and two.lenient_pass


def test_prints_are_compared(tmp_path):
    result = _case(tmp_path, "p.asm", ';P>hi\norg $008000\nprint "hi"\n')
    assert result.status == "pass", result.reasons


def test_base_rom_cases_are_skipped_without_one(tmp_path):
    result = _case(tmp_path, "plus.asm", ";`+\norg $008000\nnop\n")
    assert result.status == "skip"
    assert summarize([result])["total"] == 0


def test_old_format_headers_are_not_assembled(tmp_path):
    # asar runs ";@" lines as commands; the old runner fed it the file without them
    result = _case(tmp_path, "old.asm", ";@EA\norg $008000\nnop\n")
    assert result.status == "pass", result.reasons


def test_numeric_codes_compare_as_sets_and_names_as_lists(tmp_path):
    # asar 1.9's runner compared sets of codes; two identical codes count once
    src = "org $008000\nassert 0\nassert 0\n"
    numeric = _case(tmp_path, "n.asm", ";`errE5159\n" + src)
    named = _case(tmp_path, "m.asm", ";`errEassertion_failed\n" + src)
    assert numeric.status == "pass", numeric.reasons
    assert named.status == "fail"


def test_a_bare_err_word_means_the_patch_must_fail(tmp_path):
    assert _case(tmp_path, "e.asm", ";`err\norg $008000\nassert 0\n").status == "pass"
    assert _case(tmp_path, "f.asm", ";`err\norg $008000\nnop\n").status == "fail"
