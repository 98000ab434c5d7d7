from triforce.analysis.equivalence import check_equivalence
from triforce.analysis.optimizer import optimize

MULTIPLY_LOOP = """RowToOffset:
    STA $00
    LDA #$00
    LDX #$0A
.loop
    CLC
    ADC $00
    DEX
    BNE .loop
    RTS
"""


def test_multiply_loop_becomes_shifts_and_is_proven():
    result = optimize(MULTIPLY_LOOP, live_out=["A", "mem"], scratch=[(0, 0)], states=300)
    assert result.improved
    assert "mul-shift" in [r.rule for r in result.rewrites]
    assert result.after.cycles <= 22 < result.before.cycles
    assert "ASL A" in result.code and ".loop" not in result.code
    # The returned code passes an independent check with another seed.
    again = check_equivalence(MULTIPLY_LOOP, result.code, live_out=["A", "mem"], scratch=[(0, 0)], seed=7)
    assert again.equivalent is True


def test_keeps_x_when_x_is_live():
    result = optimize(MULTIPLY_LOOP, live_out=["A", "X", "mem"], scratch=[(0, 0)], states=300)
    assert result.improved
    again = check_equivalence(MULTIPLY_LOOP, result.code, live_out=["A", "X", "mem"], scratch=[(0, 0)], seed=3)
    assert again.equivalent is True
    assert "LDX #$00" in result.code


def test_stz_and_tail_call_when_a_is_dead():
    source = "Main:\n    LDA #$00\n    STA $10\n    STA $11\n    JSR Helper\n    RTS\nHelper:\n    INC $12\n    RTS\n"
    result = optimize(source, live_out=["mem"], objective="bytes", states=200)
    rules = [r.rule for r in result.rewrites]
    assert "stz" in rules and "tail-call" in rules
    assert result.after.bytes < result.before.bytes


def test_nothing_is_changed_when_nothing_is_proven():
    source = "    LDA $10\n    CLC\n    ADC $11\n    STA $12\n"
    result = optimize(source, states=100)   # everything live: the CLC matters
    assert not result.improved and result.code == source
    assert [d.code for d in result.diagnostics] == ["E014"]


def test_original_that_does_not_assemble_is_reported():
    result = optimize("    FOO\n", states=10)
    assert not result.improved
    assert "E001" in [d.code for d in result.diagnostics]


def test_multi_byte_increment():
    source = ("    LDA $1F3C\n    CLC\n    ADC #$01\n    STA $1F3C\n    LDA $1F3D\n    ADC #$00\n"
              "    STA $1F3D\n    RTS\n")
    result = optimize(source, live_out=["mem"], states=300)
    assert "inc-chain" in [r.rule for r in result.rewrites]
    assert result.after.cycles < result.before.cycles


def test_carry_propagation_becomes_a_branch_over_inc():
    source = ("    REP #$20\n    LDA $0F34\n    CLC\n    ADC #$0032\n    STA $0F34\n    LDA $0F36\n"
              "    ADC #$0000\n    STA $0F36\n    SEP #$20\n    RTS\n")
    result = optimize(source, live_out=["mem"], states=300)
    assert "carry-inc" in [r.rule for r in result.rewrites]
    assert "BCC +" in result.code


def test_external_routines_are_stubbed_when_asked():
    source = "Main:\n    JSR GameRoutine\n    RTS\n"
    assert not optimize(source, live_out=["mem"], states=50).improved
    result = optimize(source, live_out=["mem"], states=50, stub_missing=True)
    assert "tail-call" in [r.rule for r in result.rewrites]


def test_dev_tasks_optimized_and_independently_rechecked():
    """The optimizer's output for real din tasks passes the task's own check again,
    with another seed and more states (no claimed optimization is wrong)."""
    import pytest
    from bench_data import dev_tasks

    tasks = {t["id"]: t for t in dev_tasks("equivalent")}
    for task_id in ("dev-din-005", "dev-din-010", "dev-din-011", "dev-din-012"):
        task = tasks[task_id]
        check = task["check"]
        common = dict(live_out=check["live_out"], entry_states=check["states"], vary=check.get("vary"),
                      scratch=check.get("scratch", ()), context=task.get("context", ""))
        result = optimize(check["original"], objective=check["objective"], states=200, screen_states=40, **common)
        assert result.improved, task_id
        again = check_equivalence(check["original"], result.code, states=600, seed=99, **common)
        assert again.equivalent is True, (task_id, again.summary())
        cost = again.after.cycles if check["objective"] == "cycles" else again.after.bytes
        if cost > check["limit"]:
            pytest.fail(f"{task_id}: {cost} > limit {check['limit']}")
