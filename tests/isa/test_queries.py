"""The analysis-facing questions answered from the effects table."""

from __future__ import annotations

import pytest

from triforce.isa import EFFECTS, MNEMONICS, falls_through, is_pull, is_push, status_bit
from triforce.isa.queries import (
    branch_flag,
    branch_on,
    compare_for,
    compared_register,
    far_twin,
    is_store,
    jump_for_call,
    loaded_register,
    register_operation,
    register_reads,
    register_writes,
    restores_flags,
    return_for_call,
    sets_widths_from_operand,
    subroutine_return,
    transferred_registers,
    transfers_control,
    writes_memory,
)


def _where(predicate) -> set[str]:
    return {name for name in MNEMONICS if predicate(name)}


def test_register_writes_resolve_the_accumulator_operand():
    assert register_writes("INC") == frozenset() and register_writes("inc", accumulator=True) == {"A"}
    assert register_writes("XBA") == {"A"} and register_writes("TAX") == {"X"}
    assert register_writes("PLA") == {"A", "S"} and register_reads("PHX") == {"X", "S"}
    assert register_writes("") == frozenset() and register_writes("incsrc") == frozenset()
    assert _where(lambda n: "A" in register_writes(n) and "A" not in register_reads(n)) == {
        "LDA", "PLA", "TDC", "TSC", "TXA", "TYA"}


def test_derived_instruction_groups():
    assert _where(writes_memory) == {"ASL", "DEC", "INC", "LSR", "ROL", "ROR", "STA", "STX",
                                     "STY", "STZ", "TRB", "TSB"}
    assert {n: loaded_register(n) for n in _where(loaded_register)} == {"LDA": "A", "LDX": "X", "LDY": "Y"}
    assert {n: compared_register(n) for n in _where(compared_register)} == {"CMP": "A", "CPX": "X", "CPY": "Y"}
    assert compare_for("Y") == "CPY" and compare_for("S") is None
    assert transferred_registers("TAY") == ("A", "Y") and transferred_registers("TCS") == ("A", "S")
    assert transferred_registers("XBA") is None and transferred_registers("PHA") is None
    assert _where(is_push) == {"PEA", "PEI", "PER", "PHA", "PHB", "PHD", "PHK", "PHP", "PHX", "PHY"}
    assert _where(is_pull) == {"PLA", "PLB", "PLD", "PLP", "PLX", "PLY"}
    assert _where(lambda n: not falls_through(n)) == {"BRA", "BRL", "JML", "JMP", "RTI", "RTL", "RTS", "STP"}
    assert _where(subroutine_return) == {"RTS", "RTL"} and _where(restores_flags) == {"PLP", "RTI"}
    assert _where(transfers_control) == {"BRA", "BRL", "JML", "JMP", "JSL", "JSR"}


@pytest.mark.parametrize("call,jump,ret", [("JSR", "JMP", "RTS"), ("JSL", "JML", "RTL")])
def test_call_pairs(call, jump, ret):
    assert jump_for_call(call) == jump and return_for_call(call) == ret


def test_branches_and_mode_setters():
    assert far_twin("JSR") == "JSL" and far_twin("JMP") == "JML" and far_twin("BRA") is None
    assert far_twin("JSL") is None
    assert [branch_on("N", 0), branch_on("V", 1), branch_on("C", 0), branch_on("Z", 1)] == \
        ["BPL", "BVS", "BCC", "BEQ"]
    assert branch_flag("BNE") == "Z" and branch_flag("BRA") is None and branch_flag("LDA") is None
    assert (sets_widths_from_operand("REP"), sets_widths_from_operand("SEP")) == (0, 1)
    assert sets_widths_from_operand("XCE") is None


def test_stores_and_in_place_register_operations():
    assert _where(is_store) == {"STA", "STX", "STY", "STZ"} and not is_store("db")
    assert {n: register_operation(n) for n in _where(register_operation)} == {
        "INX": ("X", "INC"), "INY": ("Y", "INC"), "DEX": ("X", "DEC"), "DEY": ("Y", "DEC")}
    in_accumulator = {n: register_operation(n, accumulator=True)
                      for n in _where(lambda n: register_operation(n, accumulator=True))}
    assert {n for n, (reg, op) in in_accumulator.items() if reg == "A" and op == n} == {
        "ASL", "LSR", "ROL", "ROR", "INC", "DEC"}
    # The register form behaves like its memory twin: same flags, its register in and out.
    for name in _where(register_operation):
        register, twin = register_operation(name)
        assert EFFECTS[name].flags == EFFECTS[twin].flags
        assert register_reads(name) == register_writes(name) == {register}
    assert register_operation("LDA", accumulator=True) is None and register_operation("") is None


def test_status_bits_follow_the_p_register_layout():
    assert [status_bit(f) for f in "NVMXDIZC"] == [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01]
    with pytest.raises(ValueError):
        status_bit("E")
