"""End to end with scripted model replies: check, repair, sequence, ensemble, trace."""

from __future__ import annotations

from orchestrator_support import (INCREMENT_GOOD, INCREMENT_QUERY, INCREMENT_WRONG, FixedRouter,
                                  asm, by_expert, scripted)

from triforce.orchestrator import AskRequest
from triforce.store import Store


def test_a_wrong_optimization_is_caught_and_repaired_with_the_counterexample():
    orch, backend = scripted([f"Use INC:\n{asm(INCREMENT_WRONG)}",
                              f"Right, the carry:\n{asm(INCREMENT_GOOD)}"])
    events = []
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din"), on_event=events.append)

    step = answer.steps[0]
    assert step.repair_rounds == 1
    first, final = step.attempts[0].blocks[0], step.code_blocks[0]
    assert first.equivalent is False and first.counterexample is not None
    assert final.equivalent is True and final.states_tested >= 1000
    assert final.assembles is True and final.bytes == 7
    assert any(item.startswith("A") for item in final.ignored)        # "A ... free" honoured
    assert not any(item.startswith("mem:") for item in final.ignored)  # memory still compared
    # The expert was shown the state that tells the two apart.
    repair = backend.requests[1].messages[-1].content
    assert "does not behave like the user's code" in repair and "$7E0011" in repair
    assert backend.requests[1].messages[-2].content.startswith("Use INC")
    assert answer.verified and answer.status == "ok"
    assert "1 round" in answer.markdown
    assert INCREMENT_WRONG not in answer.markdown.replace(INCREMENT_GOOD, "")
    kinds = [e.kind for e in events]
    assert kinds[0] == "route" and kinds[1] == "plan" and kinds[-1] == "done"
    assert kinds.count("validation") == 2 and "token" in kinds and "step_end" in kinds


def test_a_rewrite_still_wrong_after_the_rounds_is_flagged_never_shown_as_verified():
    orch, backend = scripted([f"Use INC:\n{asm(INCREMENT_WRONG)}"])
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din", max_repair_rounds=2))
    step = answer.steps[0]
    assert step.repair_rounds == 2 and len(backend.requests) == 3
    assert step.status == "failed_checks"
    assert step.code_blocks[0].equivalent is False
    assert not answer.verified and answer.status == "unverified"
    assert "NOT equivalent" in answer.markdown
    assert "**equivalent to your code" not in answer.markdown
    assert any(d.code == "O111" for d in step.diagnostics)


def test_code_that_does_not_assemble_is_repaired_with_line_numbered_errors():
    broken, fixed = "STZ $10\nFOO $12\nRTS", "STZ $10\nSTZ $12\nRTS"
    orch, backend = scripted([f"Here:\n{asm(broken)}", f"Fixed:\n{asm(fixed)}"])
    answer = orch.ask(AskRequest("Write a routine that clears $10 and $12", expert="nayru"))
    step = answer.steps[0]
    first = step.attempts[0].blocks[0]
    assert first.assembles is False
    errors = [d for d in first.diagnostics if d.is_error]
    assert errors and errors[0].span.line == 2 and errors[0].code.startswith("A")
    repair = backend.requests[1].messages[-1].content
    assert "block1.asm:2" in repair and "   2| FOO $12" in repair
    assert step.repair_rounds == 1 and step.code_blocks[0].assembles is True
    assert step.code_blocks[0].equivalent is None      # generation: nothing to compare with
    assert answer.verified


def test_optimize_then_explain_runs_as_a_sequence_and_the_explainer_sees_the_checked_code():
    router = FixedRouter(("din", "optimization"), ("veran", "analysis"))
    replies = by_expert({
        "din": [f"Faster:\n{asm(INCREMENT_GOOD)}"],
        "veran": ["INC on memory replaces the load/add/store; BNE skips the high byte "
                  "unless the low byte wrapped to zero."],
    })
    orch, backend = scripted(replies, router=router)
    answer = orch.ask(AskRequest(INCREMENT_QUERY + "\nAnd explain what you changed."))
    assert answer.plan["mode"] == "sequence"
    assert [s.expert for s in answer.steps] == ["din", "veran"]
    assert answer.route["intents"] == ["optimization", "analysis"]
    explainer_prompt = backend.requests[1].messages[-1].content
    assert INCREMENT_GOOD.splitlines()[1] in explainer_prompt
    assert "equivalent to the user's code on" in explainer_prompt
    assert backend.requests[1].options["expert"] == "veran"
    assert "## din" in answer.markdown and "## veran" in answer.markdown
    assert answer.verified


def test_an_ensemble_picks_the_equivalent_shorter_answer_over_a_wrong_shortest_one():
    longer = "LDA $10\nINC A\nSTA $10\nBNE +\nINC $11\n+\nRTS"
    replies = {0: f"Sample A:\n{asm(longer)}", 1: f"Sample B:\n{asm(INCREMENT_GOOD)}",
               2: f"Sample C:\n{asm(INCREMENT_WRONG)}"}
    orch, backend = scripted(lambda request: replies[request.seed])
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din", samples=3, max_repair_rounds=0))
    assert answer.plan["mode"] == "ensemble" and len(answer.steps) == 3
    chosen = [s for s in answer.steps if s.chosen]
    assert len(chosen) == 1 and chosen[0].sample == 1
    assert [s.code_blocks[0].equivalent for s in answer.steps] == [True, True, False]
    assert "Sample B" in answer.markdown and "Sample C" not in answer.markdown
    assert "(not chosen)" in answer.markdown
    assert answer.verified


def test_the_trace_is_stored_one_row_per_request(tmp_path):
    store = Store(tmp_path / "store.db")
    router = FixedRouter(("din", "optimization"))
    orch, _ = scripted([f"Faster:\n{asm(INCREMENT_GOOD)}"], router=router, store=store)
    answer = orch.ask(AskRequest(INCREMENT_QUERY, conversation_id="c1"))
    rows = store.recent_requests(5)
    assert len(rows) == 1 and rows[0]["id"] == answer.request_id
    record = rows[0]
    step = record["steps"][0]
    assert (step["expert"], step["backend"], step["model"]) == ("din", "mock", "mock")
    assert step["code_blocks"][0]["equivalent"] is True
    assert step["attempts"][0]["model_ms"] >= 0 and step["tokens"]["completion"] > 0
    assert record["validation"]["equivalent"] == 1 and record["status"] == "ok"
    assert record["route"]["intents"] == ["optimization"]
    assert store.routing_stats()["total_queries"] == 1


def test_the_json_form_has_the_keys_other_tools_read():
    orch, _ = scripted([f"Faster:\n{asm(INCREMENT_GOOD)}"])
    data = orch.ask(AskRequest(INCREMENT_QUERY, expert="din")).to_dict()
    assert isinstance(data["answer"], str) and data["route"]["intents"] == ["optimization"]
    step = data["steps"][0]
    for key in ("expert", "backend", "model", "repair_rounds", "code_blocks"):
        assert key in step
    block = step["code_blocks"][0]
    assert block["code"] == INCREMENT_GOOD and block["assembles"] is True
    assert block["bytes"] == 7 and len(block["cycles"]) == 2
    assert block["equivalent"] is True and block["counterexample"] is None
    user = data["user_code"][0]
    assert user["assembles"] is True and user["bytes"] == 14 and user["equivalent"] is None
