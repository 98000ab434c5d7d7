"""Symbol files and labels in the listing."""

from __future__ import annotations

from triforce.disasm import disassemble, load_symbols, parse_symbols
from triforce.disasm.symbols import label_name, parse_address

WLA = """\
; wla symbolic information file
; written by asar

[labels]
00:8000 Reset
00:8010 Reset_loop
7e:0010 player_x
80:9000 far_routine
00:2100 INIDISP
7e:0010 also_player_x
00:8020 :pos_1_0

[definitions]
00000010 SOME_CONSTANT

[source files]
0000 a1b2c3d4 main.asm
"""


def test_wla_sym_labels_section_only():
    table = parse_symbols(WLA, filename="game.sym")
    assert table.ok and table.diagnostics == []
    assert table.symbols == {
        0x008000: "Reset", 0x008010: "Reset_loop", 0x7E0010: "player_x",
        0x809000: "far_routine", 0x002100: "INIDISP",
    }


def test_asar_style_assignments_and_pairs():
    text = """\
Main = $008000
!RAM_Mode = $7E0100   ; a define names an address too
Long = 0x7E2000
Split = $7F:1234
Sub.Label = $008020
$00C000 Pair
  # a comment line
009000 Bare
"""
    table = parse_symbols(text)
    assert table.diagnostics == []
    assert table.symbols == {
        0x008000: "Main", 0x7E0100: "RAM_Mode", 0x7E2000: "Long", 0x7F1234: "Split",
        0x008020: "Sub_Label", 0x00C000: "Pair", 0x009000: "Bare",
    }


def test_bad_lines_and_duplicates_are_warnings():
    table = parse_symbols("Main = $008000\nthis is not a symbol\nMain = $009000\nX = $GG\n",
                          filename="x.sym")
    assert table.ok
    assert [d.code for d in table.diagnostics] == ["D302", "D303", "D302"]
    assert [d.span.line for d in table.diagnostics] == [2, 3, 4]
    assert table.symbols == {0x008000: "Main"}


def test_unreadable_files_are_errors(tmp_path):
    missing = load_symbols(tmp_path / "missing.sym")
    assert not missing.ok and [d.code for d in missing.diagnostics] == ["D301"]
    folder = load_symbols(tmp_path)
    assert [d.code for d in folder.diagnostics] == ["D301"]
    path = tmp_path / "ok.sym"
    path.write_bytes(b"[labels]\n00:8000 Start\n\xff\xfe garbage\n")
    assert load_symbols(path).symbols == {0x008000: "Start"}


def test_label_names_become_asar_identifiers():
    assert label_name("Main") == "Main"
    assert label_name("Main.sub") == "Main_sub"
    assert label_name("1up") == "_1up"
    assert label_name("nop") == "_nop" and label_name("x") == "_x"
    assert label_name(":neg_1_1") is None
    assert label_name("?macro") is None
    assert label_name("...") is None


def test_parse_address_forms():
    assert parse_address("$008000") == 0x008000
    assert parse_address("0x7E0010") == 0x7E0010
    assert parse_address("80:8000") == 0x808000
    assert parse_address("$7E:10") == 0x7E0010
    assert parse_address("8000") == 0x8000
    for bad in ("", "$", "zz", "1234567", "12:34567", ":1234"):
        assert parse_address(bad) is None


SYMS = {0x008000: "Reset", 0x008004: "Loop", 0x7E0010: "player_x", 0x809000: "far_routine",
        0x002100: "INIDISP", 0x00C000: "Handler", 0x7E0110: "dp_var"}


def test_branch_and_jump_targets_use_symbols():
    code = bytes.fromhex("EA EA EA EA D0FE 2000C0 22009080 4C0480".replace(" ", ""))
    result = disassemble(code, symbols=SYMS)
    texts = [i.text for i in result.instructions]
    assert texts[4:] == ["BNE Loop", "JSR.w Handler", "JSL far_routine", "JMP.w Loop"]
    assert result.labels[0x008000] == "Reset" and result.labels[0x008004] == "Loop"


def test_data_operands_use_the_data_bank():
    code = bytes.fromhex("AD1000 8D0021".replace(" ", ""))
    # DB unknown: bank 0 registers and low-RAM mirrors are still recognised.
    assert [i.text for i in disassemble(code, symbols=SYMS).instructions] == [
        "LDA.w player_x", "STA.w INIDISP"]
    assert disassemble(code, symbols=SYMS, db=0x7E).instructions[0].text == "LDA.w player_x"
    # DB = $7F: $7F0010 is not a known symbol.
    assert disassemble(code, symbols=SYMS, db=0x7F).instructions[0].text == "LDA.w $0010"
    long_code = bytes.fromhex("AF10007E")
    assert disassemble(long_code, symbols=SYMS).instructions[0].text == "LDA.l player_x"


def test_operands_inside_a_variable_use_an_offset():
    code = bytes.fromhex("AD1100" "AF12007E" "AD1400")
    ins = disassemble(code, symbols=SYMS, db=0x7E).instructions
    assert [i.text for i in ins] == ["LDA.w player_x+1", "LDA.l player_x+2", "LDA.w $0014"]
    assert (ins[0].label, ins[0].label_offset, ins[0].target) == ("player_x", 1, 0x7E0011)
    assert "player_x = $7E0010" in ins[0].to_source()
    # Code targets never get an offset: JSR $C001 is not "Handler+1".
    assert disassemble(bytes.fromhex("2001C0"), symbols=SYMS).instructions[0].text == "JSR $C001"


def test_direct_page_operands_need_a_known_d():
    code = bytes.fromhex("A510")
    assert disassemble(code, symbols=SYMS).instructions[0].text == "LDA.b $10"
    assert disassemble(code, symbols=SYMS, d=0).instructions[0].text == "LDA.b player_x"
    assert disassemble(code, symbols=SYMS, d=0x0100).instructions[0].text == "LDA.b dp_var"
    # D=$0100 and operand $10 -> $0110: label kept; D=$0105 would change the byte: no label.
    assert disassemble(bytes.fromhex("A50B"), symbols=SYMS, d=0x0105).instructions[0].text == "LDA.b $0B"


def test_listing_defines_outside_labels_and_places_inside_ones():
    code = bytes.fromhex("EA EA EA EA D0FE 2000C0".replace(" ", ""))
    src = disassemble(code, symbols=SYMS).to_source(comments=False)
    lines = src.splitlines()
    assert lines[:2] == ["lorom", "org $008000"]
    assert "Handler = $00C000" in lines
    assert "Loop = $008004" not in lines
    assert lines.index("Reset:") < lines.index("Loop:") < lines.index("    BNE Loop")


def test_invalid_symbol_names_are_cleaned_or_dropped():
    result = disassemble(bytes.fromhex("D0FE"), symbols={0x008000: "my.loop", 0x9000: ":pos_1_0"})
    assert result.instructions[0].text == "BNE my_loop"
