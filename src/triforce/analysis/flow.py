"""Control flow over parsed source: labels, successors, and a forward dataflow
of the facts the linter needs (M/X widths, what is on the stack, whether the
carry is known).

Every instruction fact (control-flow class, stack bytes, flags written) comes
from ``triforce.isa``'s effects table; this module only interprets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from triforce.analysis.source import Statement, parse_number, parse_operand
from triforce.isa import BRANCHES, effects, stack_bytes
from triforce.isa.semantics import (
    COMPUTED,
    OPERAND_CLEARS,
    OPERAND_SETS,
    stack_size_depends_on,
)

DATA_DIRECTIVES = frozenset({"db", "dw", "dl", "dd", "incbin", "fillbyte", "fill", "pad", "skip"})


@dataclass(frozen=True)
class StackItem:
    size: int | None
    kind: str                 # "P" for PHP, else the register pushed
    m: int | None = None      # widths at the PHP, restored by PLP
    x: int | None = None


@dataclass(frozen=True)
class FlowState:
    m: int | None
    x: int | None
    stack: tuple[StackItem, ...] | None   # None: unknown (paths disagreed)
    carry: str = ""           # how the carry was last set: "set", "add", "sub"; "" unknown

    @property
    def carry_known(self) -> bool:
        return bool(self.carry)

    @property
    def depth(self) -> int | None:
        if self.stack is None:
            return None
        total = 0
        for item in self.stack:
            if item.size is None:
                return None
            total += item.size
        return total


@dataclass
class Program:
    statements: list[Statement]
    labels: dict[str, int]                       # full label name -> statement index
    successors: dict[int, list[int]]             # instruction index -> next indexes
    banks: dict[int, int | None]                 # statement index -> bank of its org
    label_banks: dict[str, int | None] = field(default_factory=dict)
    calls: list[tuple[int, str, int | None]] = field(default_factory=list)  # (index, mnemonic, target)


def _full_name(label: str, parent: str) -> str:
    if label.startswith("."):
        return f"{parent}{label}" if parent else label
    return label


def build_program(statements: list[Statement]) -> Program:
    labels: dict[str, int] = {}
    banks: dict[int, int | None] = {}
    label_banks: dict[str, int | None] = {}
    parents: list[str] = []
    parent = ""
    bank: int | None = 0
    plus_minus: list[tuple[int, str]] = []
    for index, statement in enumerate(statements):
        for label in statement.labels:
            if label[0] in "+-":
                plus_minus.append((index, label))
                continue
            if not label.startswith("."):
                parent = label
            name = _full_name(label, parent)
            labels.setdefault(name, index)
            label_banks[name] = bank
        parents.append(parent)
        if statement.directive == "org":
            number = parse_number(statement.operand)
            bank = (number[0] >> 16) & 0xFF if number else None
        elif statement.directive in ("freecode", "freedata", "freespace", "base"):
            bank = None
        banks[index] = bank

    def resolve(index: int, operand: str) -> int | None:
        target = operand.strip()
        if re.fullmatch(r"[+]+", target):
            for where, name in plus_minus:
                if where > index and name == target:
                    return where
            return None
        if re.fullmatch(r"-+", target):
            for where, name in reversed(plus_minus):
                if where <= index and name == target:
                    return where
            return None
        return labels.get(_full_name(target, parents[index]))

    successors: dict[int, list[int]] = {}
    calls: list[tuple[int, str, int | None]] = []
    count = len(statements)
    for index, statement in enumerate(statements):
        if not statement.is_instruction:
            continue
        mnemonic = statement.mnemonic
        kind = effects(mnemonic).flow
        nxt = [index + 1] if index + 1 < count and _executable(statements[index + 1]) else []
        operand = parse_operand(statement)
        target = resolve(index, statement.operand) if operand.kind == "addr" else None
        if kind == "branch":
            succ = nxt + ([target] if target is not None else [])
        elif kind == "jump":
            succ = [target] if target is not None and not operand.indirect else []
        elif not effects(mnemonic).falls_through:
            succ = []
        else:
            succ = nxt
            if kind == "call":
                calls.append((index, mnemonic, target if not operand.indirect else None))
        successors[index] = succ
    return Program(statements, labels, successors, banks, label_banks, calls)


def _executable(statement: Statement) -> bool:
    return statement.is_instruction or statement.directive not in DATA_DIRECTIVES


# ---------------------------------------------------------------- dataflow

def merge(a: FlowState, b: FlowState) -> FlowState:
    stack = a.stack if a.stack == b.stack else (
        a.stack if a.depth is not None and a.depth == b.depth else None)
    return FlowState(
        m=a.m if a.m == b.m else None,
        x=a.x if a.x == b.x else None,
        stack=stack,
        carry=(a.carry if a.carry == b.carry else "set") if a.carry and b.carry else "",
    )


def moved_bytes(mnemonic: str, m: int | None, x: int | None) -> int | None:
    """Bytes a push/pull moves; None when it depends on a width that is unknown."""
    width = stack_size_depends_on(mnemonic)
    if (width == "m" and m is None) or (width == "x" and x is None):
        return None
    return sum(stack_bytes(mnemonic, 1 if m is None else m, 1 if x is None else x))


def transfer(statement: Statement, state: FlowState) -> FlowState:
    """The state after one instruction (fall-through edge)."""
    mnemonic = statement.mnemonic
    fx = effects(mnemonic)
    m, x, stack = state.m, state.x, state.stack
    carry = state.carry
    mode_flag = fx.flags.get("M")
    if mode_flag in (OPERAND_CLEARS, OPERAND_SETS):      # REP / SEP
        number = parse_number(statement.operand.lstrip("#"))
        value = number[0] if number else None
        new = 0 if mode_flag == OPERAND_CLEARS else 1
        if value is None:
            m = x = None
            carry = ""
        else:
            if value & 0x20:
                m = new
            if value & 0x10:
                x = new
            if value & 0x01:
                carry = "set"
    elif fx.flow == "next" and fx.push:
        size = moved_bytes(mnemonic, m, x)
        item = StackItem(size, mnemonic[2], m, x)
        stack = None if stack is None else stack + (item,)
    elif fx.flow == "next" and fx.pull:
        size = moved_bytes(mnemonic, m, x)
        restores_flags = mode_flag == COMPUTED           # PLP
        if stack:
            top = stack[-1]
            if restores_flags and top.kind == "P":
                m, x = top.m, top.x
            elif restores_flags:
                m = x = None
            stack = stack[:-1] if top.size == size or size is None else None
        elif stack is not None:
            # Pulling below the entry depth: the routine reaches into its caller.
            stack = None
            if restores_flags:
                m = x = None
    elif mode_flag == COMPUTED:                           # XCE (RTI ends the flow)
        m = x = None
    elif fx.flow == "call":
        carry = ""
    if fx.writes_flag("C", unconditionally=True):
        # How the carry was prepared: by an add, a subtract, or anything else.
        carry = {"ADC": "add", "SBC": "sub"}.get(mnemonic, "set")
    return FlowState(m, x, stack, carry)


def tests_carry(mnemonic: str) -> bool:
    """A conditional branch on the carry (BCC/BCS): its edges prove the carry."""
    condition = effects(mnemonic).condition
    return condition is not None and condition[0] == "C"


def branch_state(statement: Statement, state: FlowState) -> FlowState:
    """State on the taken edge of a branch: a carry test proves the carry."""
    after = transfer(statement, state)
    if tests_carry(statement.mnemonic):
        return replace(after, carry="set")
    return after


def run_dataflow(program: Program, entries: dict[int, FlowState]):
    """Fixed point of the forward dataflow. Returns (in-states, merge conflicts).

    A conflict is a statement index where paths arrive with different stack
    depths (both known).
    """
    states: dict[int, FlowState] = {}
    conflicts: dict[int, tuple[int, int]] = {}
    work = list(entries.items())
    statements = program.statements
    guard = 0
    while work and guard < 50_000:
        guard += 1
        index, incoming = work.pop()
        while index < len(statements) and not statements[index].is_instruction:
            if statements[index].directive in DATA_DIRECTIVES:
                break
            index += 1
        if index >= len(statements) or not statements[index].is_instruction:
            continue
        old = states.get(index)
        if old is not None:
            if old.depth is not None and incoming.depth is not None and old.depth != incoming.depth:
                conflicts.setdefault(index, (old.depth, incoming.depth))
            new = merge(old, incoming)
            if new == old:
                continue
        else:
            new = incoming
        states[index] = new
        statement = statements[index]
        fall = transfer(statement, new)
        for succ in program.successors.get(index, []):
            is_fallthrough = succ == index + 1 and effects(statement.mnemonic).flow != "jump"
            if statement.mnemonic in BRANCHES and not is_fallthrough:
                work.append((succ, branch_state(statement, new)))
            elif tests_carry(statement.mnemonic):
                work.append((succ, replace(fall, carry="set")))
            else:
                work.append((succ, fall))
    return states, conflicts


def reachable_from(program: Program, start: int) -> set[int]:
    seen: set[int] = set()
    work = [start]
    statements = program.statements
    while work:
        index = work.pop()
        while index < len(statements) and not statements[index].is_instruction:
            if statements[index].directive in DATA_DIRECTIVES:
                break
            index += 1
        if index >= len(statements) or index in seen or not statements[index].is_instruction:
            continue
        seen.add(index)
        work.extend(program.successors.get(index, []))
    return seen
