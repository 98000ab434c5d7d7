import json

import pytest

from triforce.analysis.assumptions import LIVE_ITEMS, parse_assumptions
from bench_data import shared_dir


@pytest.mark.parametrize("text, dead", [
    ("A is free after this", {"A", "B"}),
    ("flags don't matter", {"N", "V", "Z", "C"}),
    ("X is trashed", {"X"}),
    ("Nothing reads A, X or the flags afterwards.", {"A", "B", "X", "N", "V", "Z", "C"}),
    ("X must survive, but Y is free", {"Y"}),
    ("The caller doesn't look at A or the flags when this returns.", {"A", "B", "N", "V", "Z", "C"}),
    ("Only A matters on return, X and flags are scratch.", {"B", "X", "Y", "N", "V", "Z", "C"}),
])
def test_dead_items(text, dead):
    result = parse_assumptions(text)
    assert set(LIVE_ITEMS) - result.live_out == dead
    assert {entry.split(":")[0] for entry in result.ignored} == dead


def test_only_result_in_a_matters():
    result = parse_assumptions("only the result in A matters")
    assert result.live_out == {"A", "mem"}


def test_nothing_said_compares_everything():
    result = parse_assumptions("Can you make this faster? It runs every frame.")
    assert result.live_out is None and result.ignored == []


def test_preserved_register_is_never_dead():
    result = parse_assumptions("X is the sprite slot and must survive. Y is free, and the caller only looks at A.")
    assert result.live_out == {"A", "X", "mem"}
    assert "X" in result.preserved


@pytest.mark.parametrize("text, m, x", [
    ("A is 8-bit", 1, None),
    ("16-bit A", 0, None),
    ("A/X/Y are 8-bit on entry", 1, 1),
    ("called with A already 16-bit (m=0) and 8-bit X/Y", 0, 1),
    ("8-bit A, 16-bit index registers", 1, 0),
    ("Right after SEP #$20 I run this", 1, None),
    ("the code above does REP #$30 first", 0, 0),
    ("8-bit everything", 1, 1),
])
def test_widths(text, m, x):
    result = parse_assumptions(text)
    assert (result.m, result.x) == (m, x)


def test_scratch_ranges():
    assert parse_assumptions("$00-$0F is scratch").scratch == [(0, 0x0F)]
    assert parse_assumptions("X, $00 and the flags are free to trash.").scratch == [(0, 0)]


def test_dev_prompts_never_drop_a_live_item():
    """On every din task the parsed live-out keeps at least what the task compares."""
    for line in (shared_dir() / "bench" / "dev.jsonl").read_text().splitlines():
        task = json.loads(line)
        if task["check"]["kind"] != "equivalent":
            continue
        result = parse_assumptions(task["prompt"])
        if result.live_out is not None:
            assert set(task["check"]["live_out"]) <= result.live_out, task["id"]
        assert result.m == 1, task["id"]


def test_dev_prompts_read_the_stated_dead_registers():
    tasks = {json.loads(l)["id"]: json.loads(l) for l in (shared_dir() / "bench" / "dev.jsonl").read_text().splitlines()}
    assert parse_assumptions(tasks["dev-din-001"]["prompt"]).live_out == {"A", "mem"}
    assert parse_assumptions(tasks["dev-din-006"]["prompt"]).live_out == {"mem"}
    assert parse_assumptions(tasks["dev-din-009"]["prompt"]).live_out == {"mem"}
    assert parse_assumptions(tasks["dev-din-012"]["prompt"]).live_out == {"A", "mem"}
