import json

import pytest

from triforce.analysis.equivalence import check_equivalence
from triforce.analysis.source import extract_code_blocks
from bench_data import shared_dir

TIMES3 = "Times3:\n    STA $00\n    ASL A\n    CLC\n    ADC $00\n    RTS\n"


def _tasks():
    path = shared_dir() / "bench" / "dev.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()
            if json.loads(line)["check"]["kind"] == "equivalent"]


def _run_task(task, code, states=120):
    check = task["check"]
    return check_equivalence(check["original"], code, live_out=check["live_out"],
                             entry_states=check["states"], vary=check.get("vary"),
                             scratch=check.get("scratch", ()), context=task.get("context", ""),
                             states=states)


@pytest.mark.parametrize("task", _tasks(), ids=lambda t: t["id"])
def test_dev_solutions_are_equivalent_within_the_limit(task):
    code = extract_code_blocks(task["solution"])[-1]
    result = _run_task(task, code)
    assert result.equivalent is True, result.summary()
    cost = result.after.cycles if task["check"]["objective"] == "cycles" else result.after.bytes
    assert cost <= task["check"]["limit"]


@pytest.mark.parametrize("task", _tasks(), ids=lambda t: t["id"])
def test_an_empty_routine_is_never_equivalent(task):
    label = task["check"]["original"].split(":", 1)[0]
    result = _run_task(task, f"{label}:\n    RTS\n", states=40)
    assert result.equivalent is False and result.counterexample


def test_missing_clc_is_caught_with_its_counterexample():
    result = check_equivalence(TIMES3, TIMES3.replace("    CLC\n", ""), live_out=["A"], scratch=[(0, 0)])
    assert result.equivalent is False
    (diag,) = [d for d in result.diagnostics if d.is_error]
    assert diag.code == "E007"
    state = result.counterexample["state"]
    assert state["p"] & 1 or (state["a"] & 0x80)   # a carry in, or out of the ASL
    assert result.counterexample["differences"][0]["item"] == "A"


def test_shift_sequence_that_overflows_differently_is_caught():
    # x4 done in 16 bits: the low byte matches, but the carry and B overflow differently.
    original = "    ASL A\n    ASL A\n"
    candidate = "    REP #$20\n    ASL A\n    ASL A\n    SEP #$20\n"
    assert check_equivalence(original, candidate, live_out=["A"]).equivalent is True
    for live in (["A", "C"], ["A", "B"]):
        result = check_equivalence(original, candidate, live_out=live)
        assert result.equivalent is False, live
        assert {d["item"] for d in result.counterexample["differences"]} & {"C", "B"}


def test_clobbered_x_when_x_is_live():
    candidate = TIMES3.replace("    RTS", "    LDX #$00\n    RTS")
    caught = check_equivalence(TIMES3, candidate, live_out=["A", "X"], scratch=[(0, 0)])
    assert caught.equivalent is False
    assert any(d["item"] == "X" for d in caught.counterexample["differences"])
    allowed = check_equivalence(TIMES3, candidate, live_out=["A"], scratch=[(0, 0)], states=300)
    assert allowed.equivalent is True and allowed.states_tested >= 300
    assert any(entry.startswith("X:") for entry in allowed.ignored)


def test_right_rewrite_is_accepted_and_costed():
    original = "    LDA #$00\n    STA $10\n    STA $11\n"
    result = check_equivalence(original, "    STZ $10\n    STZ $11\n", live_out=["mem"])
    assert result.equivalent is True
    assert result.before.bytes == 6 and result.after.bytes == 4
    assert result.after.cycles < result.before.cycles


def test_default_compares_everything_it_leaves_behind():
    # STZ leaves A and the flags as they were: with nothing declared dead, that differs.
    result = check_equivalence("    LDA #$00\n    STA $10\n", "    STZ $10\n")
    assert result.equivalent is False
    assert result.ignored == [] or all(not entry[0] in "ABXYNVZC" for entry in result.ignored)


def test_scratch_memory_is_not_compared_and_said_so():
    original = "    STA $00\n    LDA $00\n"
    candidate = "    STA $01\n    LDA $01\n"
    assert check_equivalence(original, candidate).equivalent is False
    result = check_equivalence(original, candidate, scratch=[(0, 1)])
    assert result.equivalent is True
    assert any("scratch" in entry for entry in result.ignored)


def test_memory_the_code_reads_is_randomised():
    # Equal unless $7E0123 holds exactly $5A: only discovered, randomised memory finds it.
    original = "    LDA $0123\n    CMP #$5A\n    BNE +\n    INC $10\n+   RTS\n"
    candidate = "    LDA $0123\n    RTS\n"
    result = check_equivalence(original, candidate, live_out=["mem"], states=3000, seed=1)
    assert result.equivalent is False
    ram = dict((a, v) for a, v in result.counterexample["state"]["ram"])
    assert ram[0x7E0123] == 0x5A


def test_widths_on_entry_come_from_parameters():
    result = check_equivalence("    LDA #$1234\n    STA $10\n", "    LDA #$1234\n    STA $10\n", m=0)
    assert result.equivalent is True and result.before.bytes == 5


@pytest.mark.parametrize("candidate, code, verdict", [
    ("    FOO $10\n", "E002", None),
    ("-   BRA -\n", "E004", False),
    ("    STA $8000\n    RTS\n", "E006", False),
])
def test_failures_never_report_equivalence(candidate, code, verdict):
    result = check_equivalence("    LDA #$01\n    STA $10\n    RTS\n", candidate, live_out=["mem"],
                               states=20, budget=20_000)
    assert result.equivalent is verdict
    assert code in [d.code for d in result.diagnostics]


def test_original_that_does_not_finish_is_not_checked():
    result = check_equivalence("-   BRA -\n", "    RTS\n", states=10, budget=5_000)
    assert result.equivalent is None
    assert "E003" in [d.code for d in result.diagnostics]


def test_unknown_live_out_item_is_reported():
    result = check_equivalence("    INC $10\n", "    INC $10\n", live_out=["mem", "Q"], states=10)
    assert result.equivalent is True
    assert "E008" in [d.code for d in result.diagnostics]


def test_stack_balance_is_always_compared():
    result = check_equivalence("    LDA #$01\n    STA $10\n    RTS\n",
                               "    PHA\n    LDA #$01\n    STA $10\n    RTS\n", live_out=["mem"], states=10)
    assert result.equivalent is False


def test_missing_external_routines_can_be_stubbed():
    original = "Main:\n    JSR Helper\n    RTS\n"
    assert check_equivalence(original, "Main:\n    JMP Helper\n", states=10).equivalent is None
    result = check_equivalence(original, "Main:\n    JMP Helper\n", states=50, stub_missing=True)
    assert result.equivalent is True
    assert any("Helper" in entry for entry in result.ignored)
