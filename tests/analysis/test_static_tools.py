"""Ganon's audit, Impa's guard, Link/Zelda's layout, Tingle's maps, Veran's signature."""

from triforce.analysis.bounds import bound_from_text, guard
from triforce.analysis.callgraph import call_graph_text, doc_skeleton, map_code
from triforce.analysis.patches import bank_plan, layout
from triforce.analysis.security import audit
from triforce.analysis.signature import routine_signature, run_once

SPAWN = """SpawnScorePopup:
    LDX $18B8
    STA $1E20,x
    LDA #$40
    STA $1E26,x
    RTS
"""


def test_audit_finds_unchecked_index_and_ram_jump():
    codes = [d.code for d in audit(SPAWN)]
    assert codes == ["L201"]
    checked = SPAWN.replace("    STA $1E20,x", "    CPX #$06\n    BCS +\n    STA $1E20,x").replace(
        "    RTS", "+   RTS")
    assert "L201" not in [d.code for d in audit(checked)]
    jumps = audit("Dispatch:\n    LDA $10\n    ASL A\n    TAX\n    JMP ($0100,x)\n")
    assert {"L202", "L203"} <= {d.code for d in jumps}


def test_guard_is_inserted_and_verified():
    assert bound_from_text("if the slot is 6 or more, write nothing") == 6
    assert bound_from_text("phase (0-2)") == 3
    result = guard(SPAWN, 6, states=120)
    assert result.verified, (result.in_range.summary() if result.in_range else None, result.out_of_range_writes)
    assert "CPX #$06" in result.code and "BCS .out_of_range" in result.code


def test_guard_verification_catches_a_wrong_bound_direction():
    # A guard that lets index 6 through is caught by the out-of-range runs.
    result = guard(SPAWN, 7, states=60)
    assert result.in_range.equivalent is True
    result_wrong = guard(SPAWN, 6, states=60)
    assert result_wrong.verified


def test_layout_finds_overlapping_hooks_and_cross_bank_calls():
    patch = ("lorom\norg $008000\n    JSL NewCode\n    NOP\norg $008002\n    LDA #$01\n"
             "org $108000\nNewCode:\n    RTL\n")
    plan = layout(patch)
    assert plan.exact
    assert [d.code for d in plan.diagnostics] == ["L101"]
    cross = layout("org $008000\n    JSR Far\n    RTS\norg $058000\nFar:\n    RTS\n")
    assert "L102" in [d.code for d in cross.diagnostics]
    estimated = layout("org $008000\n    JSL GameRoutine\norg $008002\n    NOP\n")
    assert not estimated.exact and "L101" in [d.code for d in estimated.diagnostics]
    assert any("bank $00" in line for line in bank_plan(patch))


def test_call_graph_ram_map_and_doc_skeleton():
    source = "Main:\n    JSR Sub\n    LDA $10\n    RTS\nSub:  ; adds one\n    INC $10\n    STA $0200\n    RTS\n"
    code_map = map_code(source)
    assert code_map.routines["Main"].calls == ["Sub"]
    assert code_map.routines["Sub"].called_by == ["Main"]
    assert code_map.ram[0x10] == {"read": ["Main", "Sub"], "write": ["Sub"]}
    assert "  Sub" in call_graph_text(code_map)
    skeleton = doc_skeleton(source, code_map)
    assert "; ==== Sub ====" in skeleton and "adds one" in skeleton


def test_signature_measures_inputs_and_outputs():
    sig = routine_signature("Times2:\n    ASL A\n    STA $10\n    RTS\n", runs=8)
    assert sig.ok and "A" in sig.inputs and "A" in sig.outputs and "X" not in sig.outputs
    assert sig.writes == [0x7E0010] and sig.stack_balanced
    bad = routine_signature("Leak:\n    PHA\n    RTS\n", runs=4)
    assert not bad.ok or not bad.stack_balanced


def test_run_once_reports_a_crash():
    summary = run_once("-   BRA -\n", budget=1000)
    assert not summary.ok and summary.reason == "budget"


def test_guard_on_an_entry_register_index():
    # A is the item id, moved to X: the check goes in front of the TAX.
    source = "AddItem:\n    TAX\n    TYA\n    CLC\n    ADC $7EF340,x\n    STA $7EF340,x\n    RTS\n"
    result = guard(source, 0x20, states=100)
    assert result.verified
    assert result.code.splitlines()[1].strip().startswith("CMP #$20")
    # X indexes a write before anything loads it: the check goes at the start.
    direct = guard("Store:\n    STA $1E20,x\n    RTS\n", 6, states=100)
    assert direct.verified and "CPX #$06" in direct.code.splitlines()[1]
