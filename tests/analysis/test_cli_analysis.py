"""``triforce asm lint`` and ``triforce asm equiv`` through the real CLI entry point."""

import json

from triforce.cli.main import main


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_lint_prints_asar_style_lines(tmp_path, capsys):
    path = _write(tmp_path, "coins.asm", "AddCoins:\n    ADC $0DBF\n    STA $0DBF\n    RTS\n")
    assert main(["asm", "lint", path]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"{path}:2:5: warning[L007]: " + out[0].split("warning[L007]: ", 1)[1]]


def test_lint_width_flags_and_json(tmp_path, capsys):
    path = _write(tmp_path, "w.asm", "    LDA #$10\n    RTS\n")
    assert main(["asm", "lint", path, "--m", "16", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in report["diagnostics"]] == ["L001"]
    assert main(["asm", "lint", path, "--m", "12"]) == 2
    assert main(["asm", "lint", str(tmp_path / "missing.asm")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_equiv_proves_and_refutes(tmp_path, capsys):
    original = _write(tmp_path, "a.asm", "    STA $00\n    ASL A\n    CLC\n    ADC $00\n    RTS\n")
    good = _write(tmp_path, "b.asm", "    STA $00\n    ASL A\n    ADC $00\n    RTS\n")
    assert main(["asm", "equiv", original, original, "--states", "50"]) == 0
    assert "equivalent on" in capsys.readouterr().out
    assert main(["asm", "equiv", original, good, "--live-out", "A", "--scratch", "$00-$00"]) == 1
    out = capsys.readouterr().out
    assert "NOT equivalent" in out and "counterexample entry" in out
    assert main(["asm", "equiv", original, good, "--json", "--live-out", "A"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["equivalent"] is False and result["counterexample"]["differences"]


def test_equiv_reports_input_problems(tmp_path, capsys):
    original = _write(tmp_path, "a.asm", "    INC $10\n")
    broken = _write(tmp_path, "b.asm", "    FOO $10\n")
    assert main(["asm", "equiv", original, broken]) == 2
    assert "E002" in capsys.readouterr().err
    assert main(["asm", "equiv", original, str(tmp_path / "nope.asm")]) == 2
    assert main(["asm", "equiv", original, original, "--m", "9"]) == 2
