"""Bad input of every kind yields diagnostics with codes and lines, never an exception."""

from __future__ import annotations

import random

from triforce.asm import assemble
from triforce.cli.main import main

_PIECES = [
    "lda", "sta", "jmp", "mvn", "bra", "db", "dw", "org", "base", "macro", "endmacro", "if", "else",
    "endif", "while", "endwhile", "for", "endfor", "%m(", ")", "(", "[", "]", "#", "$", "%", "!", "!x",
    "=", "#=", ":", " : ", ",", ".w", ".l", ".q", "$12", "$1234", "$123456", "1/0", "<x>", "<...[9]>",
    "\"", "\"s\"", "'a'", ";", "\\", "+", "-", "++", "?", ".sub", "Label:", "incsrc", "incbin",
    "freecode", "prot", "autoclean", "struct", "endstruct", "namespace", "function", "f(1,2)",
    "read1($8000)", "sizeof(...)", "pushpc", "pullpc", "rep", "fill", "pad", "\t", "\x00", "é",
]


def _garbage_source(rng: random.Random, lines: int) -> str:
    out = ["org $008000", "macro m(x)", "db <x>", "endmacro"]
    for _ in range(lines):
        out.append(" ".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 7))))
    return "\n".join(out)


def test_random_garbage_never_raises():
    rng = random.Random(1234)
    for _ in range(40):
        result = assemble(_garbage_source(rng, 60), filename="junk.asm")
        for diag in result.diagnostics:
            assert diag.code and diag.span.file == "junk.asm" and diag.span.line >= 0


def test_deep_nesting_is_a_diagnostic():
    result = assemble("org $008000\ndb " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    assert not result.ok and result.diagnostics[0].code in ("A900", "A116")


def test_binary_file_as_source_through_the_cli(tmp_path, capsys):
    src = tmp_path / "blob.asm"
    src.write_bytes(bytes(range(256)) * 8)
    assert main(["asm", "build", str(src), str(tmp_path / "out.sfc")]) == 1
    err = capsys.readouterr().err
    assert "error[A" in err and "Traceback" not in err
    assert not (tmp_path / "out.sfc").exists()
