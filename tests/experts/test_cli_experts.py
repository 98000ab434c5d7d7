"""`triforce experts`, `export ollama`, `deploy vllm|llama-server`, `plan-vram`."""

from __future__ import annotations

import json
import shlex
import socket

import pytest
from fake_ollama import FakeOllama

from triforce.cli.main import main

NINE = ["din", "nayru", "farore", "veran", "ganon", "zelda", "link", "impa", "tingle"]


@pytest.fixture()
def no_ollama(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")


def test_experts_lists_all_with_reachability(no_ollama, capsys):
    assert main(["experts", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == NINE + ["fallback"]
    assert all(r["backend"] == "toolkit" and r["reachable"] for r in rows)
    assert rows[0]["models"]["quality"] == "qwen2.5-coder:32b"


def test_experts_table_with_a_running_ollama(monkeypatch, capsys):
    with FakeOllama({"qwen2.5-coder:7b": 1, "triforce-din:7b": 1}) as fake:
        monkeypatch.setenv("OLLAMA_HOST", fake.url)
        assert main(["experts"]) == 0
    out = capsys.readouterr().out.splitlines()
    din = next(line for line in out if line.startswith("din "))
    assert "ollama" in din and "triforce-din:7b" in din and din.rstrip().endswith("yes")
    assert out[0].split()[:5] == ["EXPERT", "INTENT", "FAST", "BALANCED", "QUALITY"]


def test_experts_unreachable_server_says_no(no_ollama, capsys):
    assert main(["experts", "--backend", "ollama", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert not any(r["reachable"] for r in rows) and "no Ollama" in rows[0]["detail"]


def test_export_ollama_writes_modelfiles(tmp_path, capsys, no_ollama, monkeypatch):
    adapters = tmp_path / "adapters" / "balanced"
    adapters.mkdir(parents=True)
    (adapters / "din.gguf").write_bytes(b"GGUF")
    (tmp_path / "triforce.toml").write_text(f'[defaults]\nadapter_dir = "{tmp_path / "adapters"}"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["export", "ollama", "--tier", "balanced", "--out", str(tmp_path / "mf")]) == 0
    captured = capsys.readouterr()
    commands = [line for line in captured.out.splitlines() if line.startswith("ollama create")]
    assert len(commands) == 9
    assert shlex.split(commands[0])[:3] == ["ollama", "create", "triforce-din:14b"]
    din = (tmp_path / "mf" / "din.Modelfile").read_text()
    assert "FROM qwen2.5-coder:14b\n" in din and f"ADAPTER {adapters / 'din.gguf'}\n" in din
    assert 'SYSTEM """You are Din' in din and "TEMPLATE" in din and "<|im_start|>" in din
    assert 'PARAMETER stop "<|im_end|>"' in din and "PARAMETER temperature 0.2" in din
    nayru = (tmp_path / "mf" / "nayru.Modelfile").read_text()
    assert "ADAPTER" not in nayru                 # no adapter file yet: base + prompt
    assert "warning[X010]" in captured.err and "nayru" in captured.err
    assert not (tmp_path / "mf" / "fallback.Modelfile").exists()


def test_deploy_vllm_serves_every_adapter(capsys):
    assert main(["deploy", "vllm", "--tier", "fast"]) == 0
    out = capsys.readouterr().out
    argv = shlex.split(out.splitlines()[0])
    assert argv[:3] == ["vllm", "serve", "Qwen/Qwen2.5-Coder-7B-Instruct"] and "--enable-lora" in argv
    start = argv.index("--lora-modules") + 1
    modules = argv[start:argv.index("--max-loras")]
    assert [m.split("=")[0] for m in modules] == NINE
    assert argv[argv.index("--max-loras") + 1] == "9"
    assert argv[argv.index("--max-lora-rank") + 1] == "128"      # veran's r=128
    assert 'flavor = "vllm"' in out


def test_deploy_llama_server(capsys):
    assert main(["deploy", "llama-server", "--port", "8081"]) == 0
    argv = shlex.split(capsys.readouterr().out.splitlines()[0])
    loras = argv[argv.index("--lora") + 1].split(",")
    assert len(loras) == 9 and loras[0].endswith("din.gguf") and "--port" in argv


@pytest.mark.parametrize("vram, tier", [(12, "fast"), (16, "fast"), (24, "balanced"), (48, "quality")])
def test_plan_vram_follows_the_proposal_table(vram, tier, capsys):
    assert main(["plan-vram", "--vram", str(vram), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["shared_base"]["tier"] == tier
    experts = plan["separate_models"]["experts"]
    assert set(experts) == set(NINE) | {"fallback"}
    assert experts["din"]["tier"] == "fast"        # narrow task stays on 7B
    if vram >= 24:
        assert experts["veran"]["tier"] in ("balanced", "quality")


def test_plan_vram_24gb_mentions_32b_with_reduced_context(capsys):
    assert main(["plan-vram", "--vram", "24"]) == 0
    out = capsys.readouterr().out
    assert "recommended tier: balanced" in out and "quality (32b) fits only with a reduced context" in out


def test_plan_vram_uses_measurements(tmp_path, capsys, monkeypatch):
    measured = tmp_path / "m.json"
    measured.write_text(json.dumps({"tiers": {"balanced": 9.0}}))
    assert main(["plan-vram", "--vram", "16", "--measured", str(measured), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["shared_base"]["tier"] == "balanced" and plan["source"].startswith("measured")
    with FakeOllama({"qwen2.5-coder:14b": 9 * 1024 ** 3}) as fake:
        fake._touch("qwen2.5-coder:14b", "1h")
        assert main(["plan-vram", "--vram", "16", "--from-ollama", fake.url, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    fits = {t["tier"]: t for t in plan["shared_base"]["tiers"]}
    assert fits["balanced"]["measured"] and fits["balanced"]["base_gb"] == pytest.approx(9.0)


def test_plan_vram_errors_are_clean(capsys, tmp_path):
    assert main(["plan-vram", "--vram", "-3"]) == 2
    assert main(["plan-vram", "--vram", "2"]) == 1       # nothing fits: diagnostic, exit 1
    assert "error[X020]" in capsys.readouterr().err
    assert main(["plan-vram", "--vram", "8", "--measured", str(tmp_path / "none.json")]) == 1
    assert "cannot read" in capsys.readouterr().err
