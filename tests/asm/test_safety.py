"""incsrc/incbin containment and the limits that stop runaway sources."""

from __future__ import annotations

import os

import pytest

from triforce.asm import assemble


def _codes(result):
    return [d.code for d in result.diagnostics if d.is_error]


@pytest.fixture()
def tree(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "ok.asm").write_text("db $01\n")
    (tmp_path / "src" / "data.bin").write_bytes(b"\x09\x08")
    (tmp_path / "secret.asm").write_text("db $66\n")
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "lib.asm").write_text("db $02\n")
    return tmp_path


def test_inside_source_folder_is_allowed(tree):
    r = assemble("org $008000\nincsrc ok.asm\nincbin data.bin\n", base_dir=tree / "src")
    assert r.ok and r.data == b"\x01\x09\x08"


def test_dotdot_escape_is_refused(tree):
    r = assemble("org $008000\nincsrc ../secret.asm\n", base_dir=tree / "src")
    assert _codes(r) == ["A602"]


def test_absolute_path_elsewhere_is_refused(tree):
    r = assemble(f"org $008000\nincbin {tree / 'secret.asm'}\n", base_dir=tree / "src")
    assert _codes(r) == ["A602"]


def test_symlink_out_of_the_folder_is_refused(tree):
    os.symlink(tree / "secret.asm", tree / "src" / "link.asm")
    r = assemble("org $008000\nincsrc link.asm\n", base_dir=tree / "src")
    assert _codes(r) == ["A602"]


def test_include_dir_is_allowed(tree):
    r = assemble("org $008000\nincsrc lib.asm\n", base_dir=tree / "src", include_dirs=[tree / "inc"])
    assert r.ok and r.data == b"\x02"


def test_allow_any_path_lifts_containment(tree):
    r = assemble("org $008000\nincsrc ../secret.asm\n", base_dir=tree / "src", allow_any_path=True)
    assert r.ok and r.data == b"\x66"


def test_device_files_are_refused_even_when_allowed(tree):
    r = assemble("org $008000\nincbin /dev/zero\n", base_dir=tree / "src", allow_any_path=True)
    assert _codes(r) == ["A603"]


def test_directory_is_not_a_file(tree):
    (tree / "src" / "dir.bin").mkdir()
    r = assemble("org $008000\nincbin dir.bin\n", base_dir=tree / "src")
    assert _codes(r) == ["A603"]


def test_snippet_without_folder_cannot_read_files():
    r = assemble("org $008000\nincsrc anything.asm\n")
    assert _codes(r) == ["A602"]


def test_readfile_obeys_the_same_rules(tree):
    r = assemble("org $008000\ndb readfile1(\"data.bin\", 1)\ndb readfile1(\"../secret.asm\", 0, $EE)\n",
                 base_dir=tree / "src")
    assert r.ok and r.data == b"\x08\xee"


def test_include_loop_is_stopped(tree):
    (tree / "src" / "loop.asm").write_text("incsrc loop.asm\n")
    r = assemble("org $008000\nincsrc loop.asm\n", base_dir=tree / "src")
    assert "A604" in _codes(r)


def test_macro_recursion_limit():
    r = assemble("macro m(n)\n%m(<n>)\nendmacro\norg $008000\n%m(1)\n", max_macro_depth=20)
    assert _codes(r) == ["A514"]


def test_while_limit():
    r = assemble("org $008000\n!i = 0\nwhile !i >= 0\n!i #= !i+1\nendwhile\n", max_loop_iterations=500)
    assert _codes(r) == ["A505"]


def test_output_size_limit():
    r = assemble("org $008000\nfill $7000\n", max_output=0x1000)
    assert "A211" in _codes(r) or "A224" in _codes(r)


def test_rep_and_fill_are_bounded():
    r = assemble("org $008000\nfill 99999999999\n")
    assert "A224" in _codes(r)
