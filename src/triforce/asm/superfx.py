"""Encoding one SuperFX instruction (``arch superfx``) from the tables in
:mod:`triforce.asm.arch_superfx`, following asar's operand rules (``move`` picks
``ibt``/``iwt`` or the short/long RAM forms from the value; a one-byte branch
operand is a raw offset)."""

from __future__ import annotations

from triforce.asm.arch_superfx import (
    ALT1,
    ALT2,
    BRANCHES,
    IMPLIED,
    WITH_IMMEDIATE,
    WITH_POINTER,
    WITH_REGISTER,
    RegisterForm,
)
from triforce.asm.context import AsmError
from triforce.asm.lines import split_args


def parse_register(text: str, kind: str) -> int | None:
    """``r12`` (kind "r"), ``#3`` ("#") or ``(r5)`` ("()"): the register number 0-15."""
    low = text.lower()
    if kind == "()":
        if not (low.startswith("(r") and low.endswith(")")):
            return None
        digits = low[2:-1]
    elif kind == "r":
        if not low.startswith("r"):
            return None
        digits = low[1:]
    else:
        if not low.startswith("#"):
            return None
        digits = low[1:]
    if not digits.isdigit() or len(digits) > 2:
        return None
    if len(digits) == 2 and (digits[0] != "1" or digits[1] > "5"):
        return None
    return int(digits)


class SuperFxEncoder:
    """Assembles SuperFX statements through a :class:`StatementRunner`."""

    def __init__(self, runner):
        self.runner = runner
        self.ctx = runner.ctx

    def _value(self, expr: str) -> int:
        return self.ctx.eval_int(expr) if self.ctx.pass_no == self.ctx.final_pass else 0

    def _emit(self, data) -> None:
        self.runner.emit(bytes(b & 0xFF for b in data))

    @staticmethod
    def _register_op(form: RegisterForm, reg: int) -> list[int]:
        if not form.low <= reg <= form.high:
            raise AsmError("A202", f"register must be between {form.low} and {form.high}")
        return ([form.prefix] if form.prefix is not None else []) + [form.base + reg]

    def assemble(self, word: str, operand: str) -> None:
        mnemonic = word.lower()
        operand = operand.strip()
        if not operand:
            if mnemonic in IMPLIED:
                self._emit(IMPLIED[mnemonic])
                return
            raise AsmError("A202", f"{word} needs an operand")
        parts = [p.strip() for p in split_args(operand)]
        if len(parts) == 1 and self._one_operand(mnemonic, parts[0]):
            return
        if len(parts) == 2 and self._two_operands(mnemonic, parts[0], parts[1]):
            return
        raise AsmError("A202", f"{word} {operand}: no such SuperFX instruction form")

    def _one_operand(self, mnemonic: str, operand: str) -> bool:
        for kind, table in (("r", WITH_REGISTER), ("#", WITH_IMMEDIATE), ("()", WITH_POINTER)):
            reg = parse_register(operand, kind)
            if reg is not None and mnemonic in table:
                self._emit(self._register_op(table[mnemonic], reg))
                return True
        if mnemonic in BRANCHES:
            num = self._value(operand)
            if self.ctx.get_len(operand, False, None) == 1:
                offset = num
            else:
                offset = num - ((self.ctx.state.snespos & 0xFFFFFF) + 2)
                if self.ctx.pass_no == self.ctx.final_pass and not -128 <= offset <= 127:
                    raise AsmError("A210", f"relative branch out of bounds (distance is {offset})")
            self._emit([BRANCHES[mnemonic], offset])
            return True
        return False

    def _two_operands(self, mnemonic: str, first: str, second: str) -> bool:
        reg1 = parse_register(first, "r")
        reg2 = parse_register(second, "r")
        if reg1 is not None:
            return self._to_register(mnemonic, reg1, reg2, second)
        if reg2 is not None:
            return self._from_register(mnemonic, first, reg2)
        return False

    def _to_register(self, mnemonic: str, reg1: int, reg2: int | None, second: str) -> bool:
        if reg2 is not None:
            if mnemonic == "move":
                self._emit([0x20 + reg2, 0x10 + reg1])
                return True
            if mnemonic == "moves":
                self._emit([0x20 + reg1, 0xB0 + reg2])
                return True
        if second.startswith("#"):
            num = self._value(second[1:]) & 0xFFFF
            short = [0xA0 + reg1, num]
            long = [0xF0 + reg1, num, num >> 8]
            if mnemonic == "ibt" or mnemonic == "move" and (num < 0x80 or num >= 0xFF80):
                self._emit(short)
                return True
            if mnemonic in ("iwt", "move"):
                self._emit(long)
                return True
        pointer = parse_register(second, "()")
        if pointer is not None and mnemonic in ("moveb", "movew"):
            lead = [] if reg1 == 0 else [0x10 + reg1]
            load = [ALT1, 0x40 + pointer] if mnemonic == "moveb" else [0x40 + pointer]
            self._emit(lead + load)
            return True
        if pointer is None and second.startswith("(") and second.endswith(")"):
            return self._ram(mnemonic, ("lm", "lms"), ALT1, reg1, second)
        if mnemonic == "lea":
            num = self._value(second)
            self._emit([0xF0 + reg1, num, num >> 8])
            return True
        return False

    def _from_register(self, mnemonic: str, first: str, reg2: int) -> bool:
        pointer = parse_register(first, "()")
        if pointer is not None and mnemonic in ("moveb", "movew"):
            lead = [] if pointer == 0 else [0xB0 + pointer]
            store = [ALT1, 0x30 + reg2] if mnemonic == "moveb" else [0x30 + reg2]
            self._emit(lead + store)
            return True
        if pointer is None and first.startswith("(") and first.endswith(")"):
            return self._ram(mnemonic, ("sm", "sms"), ALT2, reg2, first)
        return False

    def _ram(self, mnemonic: str, names: tuple[str, str], prefix: int, reg: int, address: str) -> bool:
        """lm/lms (load) or sm/sms (store) and the ``move`` spelling of both."""
        if ")" in address[:-1]:
            return False
        num = self._value(address)
        long_name, short_name = names
        if mnemonic == long_name:
            self._emit([prefix, 0xF0 + reg, num, num >> 8])
            return True
        if mnemonic == short_name:
            if num % 2 or not 0 <= num <= 0x1FE:
                raise AsmError("A202", f"short RAM address ${num:X} must be even and below $200")
            self._emit([prefix, 0xA0 + reg, num >> 1])
            return True
        if mnemonic == "move":
            if num & 1 or num >= 0x200:
                self._emit([prefix, 0xF0 + reg, num, num >> 8])
            else:
                # asar writes the address itself here, not address/2 as lms does
                self._emit([prefix, 0xA0 + reg, num])
            return True
        return False
