"""Encoding one SPC700 instruction (``arch spc700``) from the table in
:mod:`triforce.asm.arch_spc700`, with asar's operand rules: a direct-page or
absolute form is picked by the operand's width (``.b``/``.w`` force it), a branch
operand of one byte (``bra $05``) is a raw offset, and bit instructions take the
bit from ``addr.N`` or the mnemonic's digit."""

from __future__ import annotations

from triforce.asm.arch_spc700 import (
    BIT_FORMS,
    BIT_NEGATED,
    BIT_STORE_C,
    SPC700_FORMS,
    Spc700Form,
)
from triforce.asm.context import AsmError
from triforce.asm.lines import split_args


def _match_part(template: str, operand: str) -> tuple[bool, str | None]:
    """Does one operand match one template part? Returns the expression for ``?``."""
    low = operand.lower()
    if "?" not in template:
        return low == template, None
    prefix, _, suffix = template.partition("?")
    if len(low) > len(prefix) + len(suffix) and low.startswith(prefix) and low.endswith(suffix):
        return True, operand[len(prefix):len(operand) - len(suffix)]
    return False, None


def _match(template: str, parts: list[str]) -> list[str] | None:
    tparts = template.split(",") if template else []
    if len(tparts) != len(parts):
        return None
    exprs = []
    for tpart, part in zip(tparts, parts):
        ok, expr = _match_part(tpart, part)
        if not ok:
            return None
        if expr is not None:
            exprs.append(expr)
    return exprs


def _split_bit(mnemonic: str, operand: str) -> tuple[str, int, str] | None:
    """asar's ``bitmatch``: (base mnemonic, bit, address expression) or None."""
    dot = operand.rfind(".")
    if dot > 0 and dot == len(operand) - 2 and operand[-1].isdigit():
        bit = int(operand[-1])
        if bit >= 8:
            return None
        base = mnemonic.removesuffix("1")
        return base, bit, operand[:dot]
    if mnemonic[-1:] in "01234567" and mnemonic[-1:]:
        return mnemonic[:-1], int(mnemonic[-1]), operand
    return None


class Spc700Encoder:
    """Assembles SPC700 statements through a :class:`StatementRunner`."""

    def __init__(self, runner):
        self.runner = runner
        self.ctx = runner.ctx

    def _final(self) -> bool:
        return self.ctx.pass_no == self.ctx.final_pass

    def _value(self, expr: str) -> int:
        return self.ctx.eval_int(expr) if self._final() else 0

    def _is_byte(self, expr: str, modifier: str) -> bool:
        if modifier:
            return modifier == "b"
        return self.ctx.get_len(expr, False, None) == 1

    def _branch(self, expr: str, length: int, raw_byte: bool = True) -> int:
        """A branch operand: a one-byte literal is the raw offset (not for bbs/bbc),
        else the distance from the end of the instruction (``length`` bytes long)."""
        if not self._final():
            return 0
        num = self.ctx.eval_int(expr)
        if raw_byte and self.ctx.get_len(expr, False, None) == 1:
            return num & 0xFF
        delta = num - ((self.ctx.state.snespos & 0xFFFFFF) + length)
        if not -128 <= delta <= 127:
            raise AsmError("A210", f"relative branch out of bounds (distance is {delta})")
        return delta & 0xFF

    def assemble(self, word: str, operand: str) -> None:
        mnemonic, _, modifier = word.lower().partition(".")
        if modifier not in ("", "b", "w"):
            raise AsmError("A204", f"invalid opcode length specification {word!r}")
        operand = "".join(operand.split())
        parts = split_args(operand) if operand else []
        if self._bit_instruction(mnemonic, parts):
            return
        for form in SPC700_FORMS:
            if form.mnemonic != mnemonic:
                continue
            exprs = _match(form.template, parts)
            if exprs is not None:
                self._emit_form(form, exprs, modifier)
                return
        raise AsmError("A202", f"{word} {operand}: no such SPC700 addressing mode")

    def _emit_form(self, form: Spc700Form, exprs: list[str], modifier: str) -> None:
        layout = form.layout
        out: list[int]
        if layout == "":
            out = [form.opcode]
        elif layout == "b":
            out = [form.opcode, self._value(exprs[0]) & 0xFF]
        elif layout == "w":
            value = self._value(exprs[0])
            out = [form.opcode, value & 0xFF, (value >> 8) & 0xFF]
        elif layout == "v":
            value = self._value(exprs[0])
            if self._is_byte(exprs[0], modifier):
                out = [form.opcode, value & 0xFF]
            else:
                out = [form.abs_opcode, value & 0xFF, (value >> 8) & 0xFF]
        elif layout == "bb":
            # asar writes the source operand first: `mov $12,#$34` is 8F 34 12
            out = [form.opcode, self._value(exprs[1]) & 0xFF, self._value(exprs[0]) & 0xFF]
        elif layout == "r":
            out = [form.opcode, self._branch(exprs[-1], 2)]
        elif layout == "br":
            out = [form.opcode, self._value(exprs[0]) & 0xFF, self._branch(exprs[1], 3)]
        else:  # "t": tcall n
            value = self._value(exprs[0])
            if not 0 <= value < 16:
                raise AsmError("A202", f"tcall takes 0-15, not {value}")
            out = [form.opcode | value << 4]
        self.runner.emit(bytes(out))

    def _bit_instruction(self, mnemonic: str, parts: list[str]) -> bool:
        if not parts:
            return False
        if len(parts) == 2 and parts[0].lower() == "c":
            split = _split_bit(mnemonic, parts[1])
            if split is None or split[0] not in BIT_FORMS or BIT_FORMS[split[0]][0] != "c,?":
                return False
            base, bit, expr = split
            opcode = BIT_FORMS[base][1]
            if expr.startswith("!"):
                if base not in BIT_NEGATED:
                    return False
                opcode, expr = BIT_NEGATED[base], expr[1:]
            self._emit_bit_address(opcode, expr, bit)
            return True
        split = _split_bit(mnemonic, parts[0])
        if split is None:
            return False
        base, bit, expr = split
        if len(parts) == 2 and base == "mov" and parts[1].lower() == "c":
            self._emit_bit_address(BIT_STORE_C, expr, bit)
            return True
        form = BIT_FORMS.get(base)
        if form is None or form[0].startswith("c,") or len(form[0].split(",")) != len(parts):
            return False
        opcode = form[1]
        if base == "not":
            self._emit_bit_address(opcode, expr, bit)
            return True
        address = self._value(expr)
        if not 0 <= address < 0x100:
            raise AsmError("A206", f"direct-page address ${address:X} out of bounds")
        out = [opcode | bit << 5, address]
        if len(parts) == 2:
            out.append(self._branch(parts[1], 3, raw_byte=False))
        self.runner.emit(bytes(out))
        return True

    def _emit_bit_address(self, opcode: int, expr: str, bit: int) -> None:
        address = self._value(expr)
        if not 0 <= address < 0x2000:
            raise AsmError("A206", f"SPC700 bit address ${address:X} out of bounds (13 bits)")
        value = address | bit << 13
        self.runner.emit(bytes([opcode, value & 0xFF, value >> 8]))
