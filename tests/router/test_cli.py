"""`triforce route` / `triforce stats` as a user runs them (real processes)."""

import json
import os
import subprocess
import sys

import pytest


def run(args, *, stdin=None, home=None):
    env = dict(os.environ)
    if home:
        env["TRIFORCE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "triforce.cli.main", *args], input=stdin, capture_output=True, check=False,
        env=env, timeout=300,
    )


def test_route_json_and_stats(_private_home):
    proc = run(["route", "find the routine that draws hearts and make it faster", "--json"])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["intents"] == ["analysis", "optimization"] and data["experts"] == ["veran", "din"]
    proc = run(["route", "hello"])
    assert proc.returncode == 0 and b"general" in proc.stdout
    stats = json.loads(run(["stats", "--json"]).stdout)
    assert stats["total_queries"] == 2
    assert set(stats) >= {"total_queries", "expert_distribution", "intent_confidence_avg",
                          "fallback_rate", "latency_ms", "transitions"}
    assert stats["transitions"] == {"veran": {"din": 1}}
    assert stats["fallback_rate"] == 0.5
    text = run(["stats"])
    assert text.returncode == 0 and b"total queries" in text.stdout


def test_route_jsonl_reports_bad_lines_and_continues():
    lines = (b'{"query": "screen goes black after the transition"}\nnot json\n\xff\xfe\n'
             b'{"nope": 1}\n{"query": "hello"}\n')
    proc = run(["route", "--jsonl", "--no-record"], stdin=lines)
    assert proc.returncode == 1
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(out) == 5
    assert out[0] == {"query": "screen goes black after the transition", "intents": ["debugging"],
                      "experts": ["farore"], "confidence": out[0]["confidence"]}
    assert [o.get("error", {}).get("code") for o in out[1:4]] == ["R041"] * 3
    assert out[4]["intents"] == ["general"]


@pytest.mark.parametrize("arg,code", [("", b"R001"), (b"\xff\xfe\xfd binary", b"R002")])
def test_bad_queries_never_traceback(arg, code):
    proc = run(["route", arg, "--no-record"])
    assert proc.returncode == 0
    assert code in proc.stderr and b"Traceback" not in proc.stderr
    assert b"general" in proc.stdout or b"->" in proc.stdout or proc.stdout


def test_huge_query_on_stdin():
    proc = run(["route", "--json", "--no-record"], stdin=b"why does this crash? " + b"A" * 1_000_000)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["query"]) <= 2000 and data["intents"]


def test_eval_and_fit(tmp_path, shared):
    rows = (shared / "routing" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    labelled = tmp_path / "small.jsonl"
    labelled.write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = run(["route", "eval", str(labelled), "--json"])
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["total"] == 12 and 0.0 <= report["exact_match"] <= 1.0
    assert set(report) >= {"top1_accuracy", "per_intent", "confusion", "order_accuracy",
                           "general_precision", "general_recall"}
    out = tmp_path / "model.npz"
    proc = run(["route", "fit", str(labelled), "--folds", "2", "--out", str(out), "--no-builtin", "--json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["cross_validation"]["total"] == 12
    from triforce.router.classifier import IntentModel

    model = IntentModel.load(out)
    assert len(model.intents) == 10 and model.meta["labelled_rows"] == "12"
    missing = run(["route", "eval", str(tmp_path / "missing.jsonl")])
    assert missing.returncode == 1 and b"R040" in missing.stderr


def test_fit_saves_to_user_dir_which_load_prefers(tmp_path, _private_home, shared):
    rows = (shared / "routing" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    labelled = tmp_path / "tiny.jsonl"
    labelled.write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = run(["route", "fit", str(labelled), "--no-builtin"])
    assert proc.returncode == 0, proc.stderr
    assert (_private_home / "data" / "router_model.npz").is_file()
    from triforce.router import Router

    assert Router.load().model.meta["path"].startswith(str(_private_home))
