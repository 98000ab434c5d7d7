from triforce.analysis.source import extract_code_blocks, parse_number, parse_operand, parse_source


def test_statements_labels_and_separators():
    statements = parse_source("Main:\n.loop: LDA.b #$10 : STA $00,x ; c\n+   RTS\ndb $01,$02\n")
    assert [s.mnemonic or s.directive for s in statements] == ["LDA", "STA", "RTS", "db"]
    assert statements[0].labels == ("Main", ".loop") and statements[0].suffix == ".b"
    assert statements[2].labels == ("+",)
    assert statements[1].col > statements[0].col


def test_numbers_keep_written_width():
    assert parse_number("$0010") == (0x10, 2)
    assert parse_number("$10") == (0x10, 1)
    assert parse_number("300") == (300, 2)
    assert parse_number("%101") == (5, 1)
    assert parse_number("label") is None


def test_operand_shapes():
    def op(text):
        return parse_operand(parse_source(text)[0])
    assert op("LDA ($00),y").indirect == "(" and op("LDA ($00),y").index == "y"
    assert op("LDA [$00],y").indirect == "["
    assert op("JMP ($1234,x)").indirect == "(x"
    assert op("LDA $7E0B40,x").size == 3 and op("LDA $7E0B40,x").index == "x"
    assert op("LDA #$1234").kind == "imm" and op("LDA #$1234").size == 2
    assert op("ASL A").kind == "acc"


def test_extract_code_blocks_fenced_and_bare():
    assert extract_code_blocks("hi\n```asm\nLDA #$00\n```\nand ```json\n{}\n```") == ["LDA #$00"]
    bare = extract_code_blocks("Why does this crash?\n\nLDA $10\nSTA $2100\nRTS\n\nthanks")
    assert bare == ["LDA $10\nSTA $2100\nRTS"]
    assert extract_code_blocks("Just a question about the SNES with no code at all.") == []


def test_extract_code_blocks_inline_in_a_sentence():
    assert extract_code_blocks("how long does LDA $10 : STA $11 take?") == ["LDA $10\nSTA $11"]
