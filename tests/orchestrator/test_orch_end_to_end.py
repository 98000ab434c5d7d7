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
    query = INCREMENT_QUERY.replace("Make this faster.", "Optimize this and explain what you changed.")
    answer = orch.ask(AskRequest(query))
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


def test_a_repeat_of_the_users_code_is_marked_original_and_not_counted_as_a_rewrite():
    before = INCREMENT_QUERY.split("```asm\n")[1].split("```")[0]
    orch, _ = scripted([f"Before:\n{asm(before)}\nAfter:\n{asm(INCREMENT_GOOD)}"])
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din"))
    first, second = answer.steps[0].code_blocks
    assert (first.role, first.equivalent) == ("original", None)
    assert (second.role, second.equivalent) == ("candidate", True)
    assert "same as your code" in answer.markdown and answer.verified


def test_lint_warnings_of_a_block_are_reported_with_their_lines():
    code = "SEP #$20\nLDA #$1234\nSTA $10\nRTS"
    orch, _ = scripted([f"Here:\n{asm(code)}"])
    answer = orch.ask(AskRequest("write code that stores $1234 at $10", expert="nayru"))
    block = answer.steps[0].code_blocks[0]
    assert block.assembles is True
    assert [(d.code, d.span.line) for d in block.lint][:1] == [("L001", 2)]
    assert "lint warning" in answer.markdown


def test_with_no_model_configured_the_toolkit_answers_and_the_users_code_is_listed():
    from triforce.config import Config
    from triforce.orchestrator import Orchestrator

    orch = Orchestrator(config=Config(), store=False)       # no factory: real resolution
    try:
        answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din"))
    finally:
        orch.close()
    step = answer.steps[0]
    assert step.backend == "toolkit" and step.toolkit and answer.toolkit
    assert step.status == "ok" and step.text.strip()
    assert "No model answered" in answer.markdown
    assert answer.user_code[0].assembles is True and answer.user_code[0].bytes == 14
    assert all(b.equivalent is not False for b in step.code_blocks)


def test_a_follow_up_without_code_is_checked_against_the_code_earlier_in_the_conversation():
    from triforce.backends.base import ChatMessage

    orch, _ = scripted([f"Smaller still:\n{asm(INCREMENT_WRONG)}"])
    history = [ChatMessage("user", INCREMENT_QUERY), ChatMessage("assistant", asm(INCREMENT_GOOD))]
    answer = orch.ask(AskRequest("Now make it even smaller.", history=history, expert="din",
                                 max_repair_rounds=0))
    block = answer.steps[0].code_blocks[0]
    assert block.role == "candidate" and block.equivalent is False
    assert not answer.verified


def test_the_expert_that_usually_comes_next_gets_its_model_preloaded(tmp_path):
    import threading

    from triforce.backends.mock import MockBackend
    from triforce.config import Config
    from triforce.orchestrator import Orchestrator
    from triforce.orchestrator.steps import Binding

    class Preloading(MockBackend):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.preloaded = threading.Event()
            self.models_preloaded = []

        def preload(self, model):
            self.models_preloaded.append(model)
            self.preloaded.set()

    backend = Preloading(["Done."])
    store = Store(tmp_path / "store.db")
    router = FixedRouter(("din", "optimization"), ("veran", "analysis"))
    orch = Orchestrator(config=Config(), store=store, router=router,
                        backend_factory=lambda e, r: Binding(backend, "mock", f"model-{e}"))
    orch.ask(AskRequest("optimize and explain", conversation_id="c"))   # teaches din -> veran
    answer = orch.ask(AskRequest("optimize", expert="din"))
    assert answer.trace["preloaded"] == {"expert": "veran", "backend": "mock", "model": "model-veran"}
    assert backend.preloaded.wait(5) and backend.models_preloaded == ["model-veran"]


def test_a_repair_that_makes_things_worse_is_not_what_the_answer_shows():
    two_bad = f"Try:\n{asm(INCREMENT_WRONG)}\n{asm('FOO $10')}"
    orch, backend = scripted([f"One good, one bad:\n{asm(INCREMENT_GOOD)}\n{asm('FOO $10')}",
                              two_bad])
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din", max_repair_rounds=1))
    step = answer.steps[0]
    assert step.repair_rounds == 1 and len(step.attempts) == 2
    assert step.text.startswith("One good") and step.code_blocks[0].equivalent is True
    assert step.status == "failed_checks"            # the bad block is still there, and said so
    assert backend.requests[1].messages[-2].content.startswith("One good")


def test_with_the_real_router_optimize_and_explain_becomes_a_sequence_starting_with_din(tmp_path):
    from triforce.router import Router

    def reply(request):
        if request.options["expert"] == "din":
            return f"Faster:\n{asm(INCREMENT_GOOD)}"
        return f"The {request.options['expert']} expert's notes on the change."

    store = Store(tmp_path / "store.db")
    orch, backend = scripted(reply, router=Router.load(), store=store)
    query = INCREMENT_QUERY.replace("Make this faster.", "Optimize this and explain what you changed.")
    answer = orch.ask(AskRequest(query))
    experts = [s.expert for s in answer.steps]
    assert answer.plan["mode"] == "sequence" and experts[0] == "din" and "veran" in experts
    assert answer.route["intents"][0] == "optimization"
    assert answer.steps[0].code_blocks[0].equivalent is True
    assert "Faster:" in backend.requests[1].messages[-1].content   # the next expert saw din's answer
    assert store.routing_stats()["total_queries"] == 1


def test_a_rewrite_using_the_users_defines_assembles_and_is_checked_with_them():
    query = ("Faster please; A and the flags are free after this.\n"
             + asm("!timer = $10\nLDA !timer\nCLC\nADC #$01\nSTA !timer\nRTS"))
    orch, _ = scripted([f"Use INC:\n{asm('INC !timer' + chr(10) + 'RTS')}"])
    answer = orch.ask(AskRequest(query, expert="din", max_repair_rounds=0))
    block = answer.steps[0].code_blocks[0]
    assert block.assembles is True and block.bytes == 3
    assert block.equivalent is True


def test_the_orchestrator_section_of_the_config_sets_rounds_and_limits():
    from triforce.config import Config

    config = Config(data={"orchestrator": {"max_repair_rounds": 0, "max_checked_blocks": 1,
                                           "equivalence_states": 300, "preload_next": False}})
    orch, backend = scripted([f"Two tries:\n{asm(INCREMENT_WRONG)}\n{asm(INCREMENT_GOOD)}"],
                             config=config)
    answer = orch.ask(AskRequest(INCREMENT_QUERY, expert="din"))
    first, second = answer.steps[0].code_blocks
    assert len(backend.requests) == 1                     # no repair round allowed
    assert first.equivalent is False and first.checked
    assert not second.checked and second.diagnostics[0].code == "O104"
    assert answer.status == "unverified"
