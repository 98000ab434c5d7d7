"""Data-driven linter cases: each ``lint_cases/*.asm`` names the codes it must
produce in a ``; expect:`` header (and optional ``; m: 16`` / ``; x: 16``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from triforce.analysis.lint import lint

CASES = sorted((Path(__file__).parent / "lint_cases").glob("*.asm"))


def _header(text: str, key: str) -> str | None:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(f"; {key}:"):
            return stripped.split(":", 1)[1].strip()
    return None


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_lint_case(path: Path):
    text = path.read_text()
    expected = sorted((_header(text, "expect") or "").split())
    m = 0 if _header(text, "m") == "16" else 1
    x = 0 if _header(text, "x") == "16" else 1
    result = lint(text, filename=path.name, m=m, x=x)
    assert sorted(result.codes()) == expected, [d.format() for d in result.diagnostics]
    for diagnostic in result.diagnostics:
        assert diagnostic.span.file == path.name and diagnostic.span.line > 0


def test_lint_spans_point_at_the_line():
    result = lint("Start:\n    ADC $10\n    RTS\n", filename="f.asm")
    (finding,) = result.diagnostics
    assert (finding.code, finding.span.line, finding.span.col) == ("L007", 2, 5)
    assert finding.format().startswith("f.asm:2:5: warning[L007]:")


def test_lint_never_raises_on_garbage():
    for text in ("", "\x00\x01\x02", "::::", "LDA (((", "+ - ++ --", "org $zz\n!x = 5\nmacro foo()\n"):
        lint(text)
