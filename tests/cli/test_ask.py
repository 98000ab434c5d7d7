"""``triforce ask`` and ``triforce chat`` through the real CLI entry point."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from triforce.backends.mock import MockBackend
from triforce.cli import ask as ask_cli
from triforce.cli.main import main
from triforce.config import Config
from triforce.orchestrator import Orchestrator

ORIGINAL = "LDA $10\nCLC\nADC #$01\nSTA $10\nLDA $11\nADC #$00\nSTA $11\nRTS\n"
GOOD = "```asm\nINC $10\nBNE +\nINC $11\n+\nRTS\n```"
WRONG = "```asm\nINC $10\nRTS\n```"
WORDS = "make this faster, A and the flags are free after this"


class Stdin(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def scripted(monkeypatch):
    """Point the CLI at a MockBackend with the given replies; returns the backend."""
    def install(replies):
        backend = MockBackend(replies)
        monkeypatch.setattr(ask_cli, "make_orchestrator", lambda args: Orchestrator(
            config=Config(), store=False, backend_factory=lambda expert, request: backend))
        return backend
    monkeypatch.setattr(sys, "stdin", Stdin(""))
    return install


def test_ask_streams_tokens_then_the_verification_table(scripted, tmp_path, capsys):
    source = tmp_path / "tick.asm"
    source.write_text(ORIGINAL)
    backend = scripted([f"Wrong first:\n{WRONG}", f"Better:\n{GOOD}"])
    code = main(["ask", WORDS, "--expert", "din", "--file", str(source)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.index("Wrong first") < out.index("repair round 1") < out.index("Better")
    assert "### Verification" in out and "| din #1 | yes | 7 |" in out
    assert "[triforce] din: repair round 1" in err
    assert "; tick.asm" in backend.requests[0].messages[-1].content     # the file went along


def test_ask_json_has_the_contract_keys(scripted, capsys):
    scripted([f"Faster:\n{GOOD}"])
    sys.stdin = Stdin(ORIGINAL)                  # code piped on stdin
    code = main(["ask", WORDS, "--expert", "din", "--json", "--max-repair-rounds", "0"])
    out, _ = capsys.readouterr()
    data = json.loads(out)
    assert code == 0
    assert data["route"]["intents"] == ["optimization"]
    step = data["steps"][0]
    assert (step["expert"], step["backend"], step["repair_rounds"]) == ("din", "mock", 0)
    block = step["code_blocks"][0]
    assert block["assembles"] is True and block["equivalent"] is True
    assert block["cycles"][0] <= block["cycles"][1] and block["counterexample"] is None
    assert data["user_code"][0]["bytes"] == 14


def test_ask_dash_reads_the_whole_question_from_stdin(scripted, capsys):
    backend = scripted(["Sure."])
    sys.stdin = Stdin("what is DMA?")
    assert main(["ask", "-", "--expert", "veran", "--no-stream"]) == 0
    assert backend.requests[0].messages[-1].content == "what is DMA?"
    assert "Sure." in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["ask"], "no question given"),
    (["ask", "hi", "--file", "/nonexistent/x.asm"], "cannot read /nonexistent/x.asm"),
    (["ask", "hi", "--max-repair-rounds", "-1"], "must be 0 or more"),
])
def test_bad_input_is_a_clear_error_not_a_traceback(scripted, capsys, argv, needle):
    scripted(["unused"])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_an_unknown_backend_is_an_error_naming_the_choices(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", Stdin(""))
    assert main(["ask", "hi", "--backend", "nosuch", "--no-log"]) == 1
    out, err = capsys.readouterr()
    assert "error[O033]" in err and "toolkit" in err and out == ""


def test_chat_keeps_history_and_answers_commands_from_piped_stdin(scripted, capsys):
    backend = scripted(["First answer.", "Second answer."])
    sys.stdin = Stdin("/expert veran\nwhat does $2100 do?\n```asm\nLDA #$80\nSTA $2100\n```\n"
                      "/stats\n/route\n/expert auto\n/bogus\n/quit\nnever asked\n")
    assert main(["chat", "--no-log"]) == 0
    out = capsys.readouterr().out
    assert "expert: veran" in out and "First answer." in out and "Second answer." in out
    assert len(backend.requests) == 2
    second = backend.requests[1].messages
    assert [m.role for m in second[1:]] == ["user", "assistant", "user"]   # history went along
    assert second[-1].content.startswith("```asm") and "STA $2100" in second[-1].content
    stats, _ = json.JSONDecoder().raw_decode(out[out.index('{\n  "turns"'):])
    assert stats["turns"] == 2 and stats["experts"] == {"veran": 2}
    assert '"forced"' in out                      # /route shows the last routing
    assert "expert: auto (router)" in out and "unknown command /bogus" in out


def test_ask_with_no_model_answers_with_the_toolkit_in_a_real_process(tmp_path):
    env = {"TRIFORCE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": ""}
    run = subprocess.run([sys.executable, "-m", "triforce", "ask", "--backend", "toolkit",
                          "--expert", "din", "--json", WORDS], input=ORIGINAL, text=True,
                         capture_output=True, env={**env, **_python_env()}, timeout=120,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["toolkit"] is True and data["steps"][0]["backend"] == "toolkit"
    assert "No model answered" in data["answer"]
    assert data["user_code"][0]["assembles"] is True and data["user_code"][0]["bytes"] == 14
    assert "Traceback" not in run.stderr


def _python_env() -> dict:
    import os

    keep = ("HOME", "LANG", "VIRTUAL_ENV", "PYENV_ROOT")
    return {k: os.environ[k] for k in keep if k in os.environ} | {"PATH": os.environ.get("PATH", "")}
