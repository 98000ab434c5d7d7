"""Decoding: every opcode against asar's manual, every opcode at both widths, text rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from triforce.disasm import branch_target, disassemble
from triforce.isa import OPCODES, Mode

DATA = Path(__file__).parent / "data"
_SUFFIX = re.compile(r"^([A-Z]{3})\.[bwl]\b", re.IGNORECASE)


def _manual_vectors():
    for line in (DATA / "asar_manual_opcodes.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        raw, text = (part.strip() for part in line.split("|"))
        yield bytes.fromhex(raw), text


MANUAL = list(_manual_vectors())


def _normalise(text: str) -> str:
    """Compare modulo width suffixes and letter case (``LDA.w $1234`` == ``lda $1234``)."""
    return _SUFFIX.sub(r"\1", text).upper()


def test_manual_covers_every_opcode():
    assert {raw[0] for raw, _ in MANUAL} == set(range(256))


def _manual_mismatch(raw: bytes, expected: str) -> str | None:
    op = OPCODES[raw[0]]
    m = 0 if op.mode is Mode.IMM_M and len(raw) == 3 else 1
    x = 0 if op.mode is Mode.IMM_X and len(raw) == 3 else 1
    result = disassemble(raw, start_addr=0x008000, m=m, x=x)
    # PLP/RTI pull M/X from an unknown stack byte: noted, never an error.
    codes = [d.code for d in result.diagnostics]
    if codes != (["D102"] if raw[0] in (0x28, 0x40) else []):
        return f"diagnostics {codes}"
    [ins] = result.instructions
    if (ins.opcode, ins.length, ins.raw) != (raw[0], len(raw), raw):
        return f"decoded {ins.raw.hex()} (length {ins.length})"
    if op.mode in (Mode.REL8, Mode.REL16):
        # The manual writes the raw displacement; we name the absolute target.
        disp = int(expected.split("$")[1], 16)
        target = branch_target(0x008000, raw[0], disp, len(raw))
        if (ins.target, ins.label, ins.text) != (target, f"L_{target:06X}",
                                                 f"{op.mnemonic} L_{target:06X}"):
            return f"{ins.text} -> ${ins.target:06X}, expected ${target:06X}"
        return None
    if expected in ("BRK", "COP", "WDM"):
        expected += " #$00"  # asar's implied-zero form, written out
    if _normalise(ins.text) != expected.upper():
        return f"{ins.text!r}"
    return None


def test_decodes_like_asars_manual():
    problems = [f"{raw.hex()} ({text}): {why}" for raw, text in MANUAL
                if (why := _manual_mismatch(raw, text)) is not None]
    assert problems == []


@pytest.mark.parametrize("m,x", [(1, 1), (0, 0), (0, 1), (1, 0)])
def test_every_opcode_at_every_width(m, x):
    for opcode, op in enumerate(OPCODES):
        length = op.length(m, x)
        raw = bytes([opcode, 0x81, 0x7F, 0xC3])[:length]
        result = disassemble(raw + b"\xEA", m=m, x=x, count=1)
        [ins] = result.instructions
        where = f"opcode ${opcode:02X} m={m} x={x}"
        assert (ins.length, ins.raw, ins.m, ins.x) == (length, raw, m, x), where
        assert ins.operand == (int.from_bytes(raw[1:], "little") if length > 1 else None), where
        assert ins.mnemonic == op.mnemonic and ins.mode is op.mode, where
        assert ins.text.split(".")[0].split()[0] == op.mnemonic, where
        if op.mode in (Mode.IMM_M, Mode.IMM_X):
            digits = 2 * (length - 1)
            value = int.from_bytes(raw[1:], "little")
            assert ins.text.endswith(f"#${value:0{digits}X}"), where


@pytest.mark.parametrize("raw,text", [
    (b"\xAD\x10\x00", "LDA.w $0010"),        # would be direct page if written $10
    (b"\xAF\x10\x00\x7E", "LDA.l $7E0010"),
    (b"\xA5\x10", "LDA.b $10"),
    (b"\xBE\x34\x12", "LDX.w $1234,y"),
    (b"\xB6\x12", "LDX.b $12,y"),
    (b"\x96\x12", "STX $12,y"),              # only one width exists: no suffix
    (b"\x5C\x56\x34\x12", "JML $123456"),
    (b"\x22\x56\x34\x12", "JSL $123456"),
    (b"\xDC\x34\x12", "JML [$1234]"),
    (b"\x4C\x00\x80", "JMP $8000"),
    (b"\x6C\x34\x12", "JMP ($1234)"),
    (b"\xFC\x34\x12", "JSR ($1234,x)"),
    (b"\x54\x7E\x7F", "MVN $7E,$7F"),        # asar: operand bytes in source order
    (b"\x44\x01\x02", "MVP $01,$02"),
    (b"\x0A", "ASL A"),
    (b"\xF4\x00\x00", "PEA $0000"),
    (b"\xD4\x12", "PEI ($12)"),
    (b"\xC2\x30", "REP #$30"),
    (b"\x00\x00", "BRK #$00"),
])
def test_text_forms(raw, text):
    [ins] = disassemble(raw).instructions
    assert ins.text == text


def test_branch_targets_wrap_inside_the_bank():
    # BRA +$10 at $00FFF8 lands at $000008, not $010008 (the PC wraps in its bank).
    [ins] = disassemble(b"\x80\x0E", start_addr=0x00FFF8).instructions
    assert ins.target == 0x000008
    [brl] = disassemble(b"\x82\x00\x80", start_addr=0x808000).instructions
    assert brl.target == 0x800003
    [back] = disassemble(b"\x80\xFE", start_addr=0x018000).instructions
    assert back.target == 0x018000


def test_count_limits_instructions_and_truncation_is_data():
    code = b"\xEA\xEA\xEA\xA9"
    assert len(disassemble(code, count=2).instructions) == 2
    result = disassemble(code, m=0)
    assert [d.code for d in result.diagnostics] == ["D101"]
    last = result.instructions[-1]
    assert last.is_data and last.text == "db $A9" and last.raw == b"\xA9"
    assert result.data == code


def test_instructions_never_cross_a_bank_end():
    # LDA $1234 at $00FFFE would need $010000; the CPU wraps to $000000 instead.
    result = disassemble(bytes.fromhex("EAAD3412EA"), start_addr=0x00FFFD)
    assert [i.text for i in result.instructions] == ["NOP", "db $AD,$34", "ORA ($EA)"]
    assert [d.code for d in result.diagnostics] == ["D104"]
    assert result.instructions[2].addr == 0x010000 and result.data == bytes.fromhex("EAAD3412EA")


def test_empty_input():
    result = disassemble(b"")
    assert result.instructions == [] and result.diagnostics == []
    assert result.end_addr == 0x008000
