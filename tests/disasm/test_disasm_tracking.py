"""M/X tracking through REP/SEP/XCE/PHP..PLP, and DB/D through the idioms that set them."""

from __future__ import annotations

from triforce.disasm import disassemble


def _asm(*hexes: str) -> bytes:
    return bytes.fromhex("".join(hexes))


def _widths(result):
    return [(i.text, i.m, i.x) for i in result.instructions]


def test_rep_sep_change_immediate_widths():
    code = _asm("C230", "A93412", "A2CDAB", "E220", "A912", "A0FFFF", "E210", "A001")
    result = disassemble(code)
    assert [i.text for i in result.instructions] == [
        "REP #$30", "LDA #$1234", "LDX #$ABCD", "SEP #$20", "LDA #$12", "LDY #$FFFF",
        "SEP #$10", "LDY #$01"]
    assert result.data == code and result.diagnostics == []


def test_start_widths_are_parameters():
    [ins] = disassemble(_asm("A93412"), m=0).instructions
    assert ins.text == "LDA #$1234" and ins.m == 0
    [ins] = disassemble(_asm("E0FF00"), x=0).instructions
    assert ins.text == "CPX #$00FF" and ins.x == 0


def test_emulation_mode_forces_8_bit():
    # SEC : XCE enters emulation mode; REP #$30 cannot clear M/X there.
    code = _asm("38", "FB", "C230", "A912", "A212")
    result = disassemble(code, m=0, x=0)
    assert [i.text for i in result.instructions][-2:] == ["LDA #$12", "LDX #$12"]
    assert result.instructions[-1].emulation is True


def test_clc_xce_enters_native_mode_and_rep_works_again():
    code = _asm("18", "FB", "C230", "A93412")
    result = disassemble(code, emulation=True)
    assert result.instructions[-1].text == "LDA #$1234"
    assert result.instructions[-1].emulation is False


def test_xce_with_unknown_carry_leaves_mode_unknown():
    code = _asm("FB", "C220", "A93412")
    result = disassemble(code)
    assert result.instructions[-1].emulation is None
    assert result.instructions[-1].text == "LDA #$1234"  # unknown mode: REP assumed to work


def test_php_plp_restores_widths():
    code = _asm("08", "C230", "A93412", "28", "A912")
    result = disassemble(code)
    assert _widths(result)[-1] == ("LDA #$12", 1, 1)
    assert result.diagnostics == []


def test_nested_php_plp():
    code = _asm("C220", "08", "E220", "08", "C230", "28", "A912", "28", "A93412")
    texts = [i.text for i in disassemble(code).instructions]
    assert texts[6] == "LDA #$12" and texts[8] == "LDA #$1234"


def test_plp_of_a_known_byte():
    # LDA #$30 : PHA : PLP sets M and X from the byte (both 8-bit).
    code = _asm("C230", "E220", "A930", "48", "28", "A212")
    result = disassemble(code)
    assert result.instructions[-1].text == "LDX #$12" and result.instructions[-1].x == 1


def test_plp_of_an_unknown_byte_keeps_widths_and_notes_it():
    code = _asm("C230", "28", "A93412")
    result = disassemble(code)
    assert [d.code for d in result.diagnostics] == ["D102"]
    assert result.diagnostics[0].severity.value == "note"
    assert result.instructions[-1].text == "LDA #$1234"


def test_data_bank_from_phk_plb():
    code = _asm("4B", "AB", "AD0010")
    ins = disassemble(code, start_addr=0x8D8000).instructions[-1]
    assert ins.db == 0x8D and ins.target == 0x8D1000


def test_data_bank_from_lda_pha_plb_in_both_widths():
    code8 = _asm("A97E", "48", "AB", "AD0010")
    assert disassemble(code8).instructions[-1].db == 0x7E
    # 16-bit A pushes two bytes; PLB pulls the low one.
    code16 = _asm("C220", "A97F7E", "48", "AB", "AB", "AD0010")
    ins = disassemble(code16).instructions
    assert ins[3].db is None and ins[4].db == 0x7F and ins[5].db == 0x7E


def test_data_bank_unknown_after_plb_of_unknown():
    code = _asm("68", "48", "AB", "AD0010")
    assert disassemble(code, db=0x12).instructions[-1].db is None


def test_direct_page_from_pea_pld_and_tcd():
    code = _asm("F40043", "2B", "A510")
    assert disassemble(code).instructions[-1].d == 0x4300
    code = _asm("C220", "A90021", "5B", "A510")
    assert disassemble(code).instructions[-1].d == 0x2100
    code = _asm("A900", "EB", "A921", "EB", "5B", "A510")  # 8-bit halves joined by XBA
    assert disassemble(code).instructions[-1].d == 0x2100
    code = _asm("A921", "EB", "5B", "A510")  # the byte swapped in by XBA was never set
    assert disassemble(code).instructions[-1].d is None
    code = _asm("C220", "A90043", "E220", "A921", "EB", "A900", "C220", "5B")
    assert disassemble(code + _asm("A510")).instructions[-1].d == 0x2100


def test_knowledge_is_dropped_when_a_changes():
    code = _asm("A97E", "1A", "48", "AB", "AD0010")  # INC A: value no longer known
    assert disassemble(code).instructions[-1].db is None


def test_phd_pld_and_phb_plb_round_trip_values():
    code = _asm("0B", "8B", "F40000", "2B", "AB", "2B", "A510")
    ins = disassemble(code, db=0x7E, d=0x1234).instructions
    assert ins[4].d == 0 and ins[5].db == 0x7E  # PEA $0000 : PLD, then PLB pulls the old DB
    assert ins[-1].d == 0x1234                  # PLD pulls the D pushed by PHD


def test_block_move_sets_the_data_bank_and_calls_forget_a():
    ins = disassemble(bytes.fromhex("547F7E" "AD0010")).instructions
    assert ins[-1].db == 0x7F  # MVN dest,src in asar's byte order: DB = first operand byte
    code = bytes.fromhex("A97E" "200090" "48" "AB" "AD0010")
    assert disassemble(code).instructions[-1].db is None  # the call may have changed A
