"""Hostile and broken cases: each gives a clear, complete answer, never an exception."""

from __future__ import annotations

import threading
import time

import pytest
from orchestrator_support import INCREMENT_GOOD, INCREMENT_QUERY, INCREMENT_WRONG, asm, scripted

from triforce.backends.mock import MockBackend
from triforce.config import Config
from triforce.orchestrator import AskRequest, Orchestrator
from triforce.orchestrator.steps import Binding

# Wrong rewrites a model might propose; each must be refuted. (original, candidate, user's words)
WRONG_REWRITES = [
    pytest.param("LDA $10\nCLC\nADC #$01\nSTA $10\nLDA $11\nADC #$00\nSTA $11\nRTS",
                 "INC $10\nRTS", "A and the flags are free after this.", id="lost-carry"),
    pytest.param("LDA #$00\nSTA $10\nRTS", "STZ $10\nRTS", "", id="A-still-live"),
    pytest.param("LDA #$00\nSTA $10\nRTS", "STZ $10\nRTS", "A is free after this.",
                 id="flags-still-live"),
    pytest.param("LDA $10\nASL A\nASL A\nSTA $10\nRTS", "ASL $10\nRTS",
                 "Only $10 matters afterwards, A and flags are free.", id="one-shift-short"),
    pytest.param("LDA $10\nCMP #$80\nROR A\nSTA $10\nRTS", "LSR $10\nRTS",
                 "A and the flags are free after this.", id="arith-vs-logical-shift"),
    pytest.param("REP #$20\nLDA $10\nSTA $12\nSEP #$20\nRTS", "LDA $10\nSTA $12\nRTS",
                 "A and the flags are free after this.", id="lost-16-bit-copy"),
    pytest.param("LDX #$08\n-\nSTZ $10,x\nDEX\nBPL -\nRTS", "LDX #$07\n-\nSTZ $10,x\nDEX\nBPL -\nRTS",
                 "X, A and the flags are free after this.", id="off-by-one-loop"),
]


@pytest.mark.parametrize("original,candidate,words", WRONG_REWRITES)
def test_every_wrong_rewrite_the_model_proposes_is_caught(original, candidate, words):
    orch, _ = scripted([f"Faster:\n{asm(candidate)}"])
    answer = orch.ask(AskRequest(f"Optimize this. {words}\n{asm(original)}", expert="din",
                                 max_repair_rounds=0))
    block = answer.steps[0].code_blocks[0]
    assert block.assembles is True
    assert block.equivalent is False and block.counterexample
    assert not answer.verified
    assert "NOT equivalent" in answer.markdown


def test_a_backend_dying_mid_stream_gives_a_complete_answer_with_the_toolkit_or_a_clear_note():
    dying = MockBackend(f"Here is a faster one:\n{asm(INCREMENT_GOOD)}", chunk_size=5, fail_after=4)
    orch = Orchestrator(config=Config(), store=False, backend_factory=lambda e, r: dying)
    events = []
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din"), on_event=events.append)
    step = answer.steps[0]
    kinds = [e.kind for e in events]
    assert kinds[-1] == "done" and "token" in kinds
    if step.fallback_from:           # the toolkit took over and answered
        assert step.backend == "toolkit" and step.toolkit and answer.toolkit
        assert step.status == "ok" and "mock backend failed" in answer.markdown
        assert any(e.kind == "progress" and (e.data or {}).get("fallback") == "toolkit" for e in events)
    else:                            # no toolkit here: the partial reply, clearly marked
        assert "error" in kinds
        assert step.status == "error" and answer.status == "error"
        assert "partial reply above is unverified" in answer.markdown
    assert any(d.code == "O020" for d in step.diagnostics)


def test_a_dead_backend_falls_back_to_the_next_binding():
    dead = MockBackend("never", fail_after=0)
    good = MockBackend(f"From the backup:\n{asm(INCREMENT_GOOD)}")
    binding = Binding(dead, "primary", "big", None,
                      [Binding(good, "backup", "small", None, [])])
    orch = Orchestrator(config=Config(), store=False, backend_factory=lambda e, r: binding)
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din"))
    step = answer.steps[0]
    assert (step.backend, step.model, step.fallback_from) == ("backup", "small", "primary")
    assert step.status == "ok" and step.code_blocks[0].equivalent is True
    assert "primary backend failed; backup answered" in answer.markdown


def test_an_answer_with_no_code_is_fine_and_says_so_in_the_json():
    orch, _ = scripted(["The SNES has 128 KiB of WRAM at $7E0000-$7FFFFF."])
    answer = orch.ask(AskRequest("How much WRAM does the SNES have?", expert="veran"))
    assert answer.status == "ok" and answer.steps[0].code_blocks == []
    assert "128 KiB" in answer.markdown and "Verification" not in answer.markdown
    assert answer.to_dict()["steps"][0]["code_blocks"] == []


def test_fifty_code_blocks_are_listed_with_the_ones_past_the_limit_marked_not_checked():
    reply = "\n\n".join(f"Variant {i}:\n{asm(f'LDA #${i:02X}' + chr(10) + 'STA $10')}" for i in range(50))
    orch, _ = scripted([reply])
    start = time.perf_counter()
    answer = orch.ask(AskRequest("Show me ways to store constants", expert="nayru"))
    assert time.perf_counter() - start < 30
    blocks = answer.steps[0].code_blocks
    assert len(blocks) == 50
    limit = orch.limits.max_blocks
    assert all(b.checked and b.assembles for b in blocks[:limit])
    assert all(not b.checked and b.diagnostics[0].code == "O104" for b in blocks[limit:])
    assert not answer.verified                     # unchecked code is never "verified"
    assert "Not checked" in answer.markdown and answer.markdown.count("| nayru #") == 50


def test_a_one_megabyte_query_is_cut_for_the_model_and_the_answer_says_so():
    orch, backend = scripted([f"Faster:\n{asm(INCREMENT_GOOD)}"])
    huge = INCREMENT_QUERY + "\n" + ("; padding line of comments\n" * 40_000)
    assert len(huge) > 1_000_000
    answer = orch.ask(AskRequest(huge, expert="din"))
    sent = backend.requests[0].messages[-1].content
    assert len(sent) < orch.max_query_chars + 200
    assert any(d.code == "O002" for d in answer.diagnostics)
    assert "only its beginning was read" in answer.markdown
    assert answer.steps[0].code_blocks[0].equivalent is True


@pytest.mark.parametrize("query", ["", "   \n "])
def test_an_empty_question_is_refused_clearly(query):
    orch, backend = scripted(["unused"])
    answer = orch.ask(AskRequest(query))
    assert answer.status == "error" and answer.diagnostics[0].code == "O001"
    assert backend.requests == [] and "Cannot answer" in answer.markdown


def test_an_unknown_forced_expert_is_refused_with_the_choices():
    orch, _ = scripted(["unused"])
    if not orch.experts():
        pytest.skip("the expert registry is not installed")
    answer = orch.ask(AskRequest("hi", expert="nobody"))
    assert answer.status == "error" and answer.diagnostics[0].code == "O011"
    assert "din" in answer.diagnostics[0].message


def test_cancelling_stops_a_slow_expert_quickly():
    orch, _ = scripted(["word " * 200], chunk_size=5, delay=0.05)
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    start = time.perf_counter()
    answer = orch.ask(AskRequest("explain DMA", expert="veran", cancel=cancel))
    assert time.perf_counter() - start < 3
    assert answer.status == "cancelled"


def test_a_step_timeout_is_reported_not_raised():
    orch, _ = scripted(["word " * 200], chunk_size=5, delay=0.05)
    answer = orch.ask(AskRequest("explain DMA", expert="veran", timeout=0.2))
    step = answer.steps[0]
    assert step.status in ("timeout", "ok")       # "ok" only if a toolkit fallback answered
    assert any(d.code == "O021" for d in step.diagnostics) or step.fallback_from


def test_a_wrong_rewrite_after_a_failed_repair_call_is_still_reported_refuted():
    calls = []

    def replies(request):
        calls.append(request)
        if len(calls) > 1:
            raise RuntimeError("model server crashed")
        return f"Use INC:\n{asm(INCREMENT_WRONG)}"

    orch, _ = scripted(replies)
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din"))
    step = answer.steps[0]
    assert step.code_blocks[0].equivalent is False and step.status == "failed_checks"
    assert not answer.verified and "NOT equivalent" in answer.markdown


def test_a_bug_below_the_orchestrator_becomes_an_error_answer_not_a_traceback(monkeypatch):
    monkeypatch.delenv("TRIFORCE_DEBUG", raising=False)

    def broken_factory(expert, request):
        raise RuntimeError("factory bug")

    orch = Orchestrator(config=Config(), store=False, backend_factory=broken_factory)
    events = []
    answer = orch.ask(AskRequest("hello", expert="veran"), on_event=events.append)
    assert answer.status == "error" and answer.diagnostics[0].code == "O099"
    assert "factory bug" in answer.markdown
    assert answer.to_dict()["route"]["intents"] == []
    assert [e.kind for e in events][-2:] == ["error", "done"]


def test_code_is_assembled_in_a_sandbox_that_only_sees_the_users_include_paths(tmp_path):
    from triforce.orchestrator.blocks import code_blocks
    from triforce.orchestrator.validate import CheckContext, check_blocks

    (tmp_path / "helper.asm").write_text("LDA #$01\n")
    answer = asm('incsrc "/etc/passwd"') + "\n" + asm('incsrc "helper.asm"\nRTS')
    for include_dirs, helper_ok in (((), False), ((str(tmp_path),), True)):
        outside, helper = check_blocks(code_blocks(answer),
                                       CheckContext("generation", [], include_dirs=include_dirs))
        assert outside.assembles is False
        assert any(d.code == "A602" for d in outside.diagnostics)      # refused, not read
        assert helper.assembles is helper_ok
