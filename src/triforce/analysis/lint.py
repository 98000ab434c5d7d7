"""The linter: rules with stable codes over asar source text.

| code | severity | rule |
|------|----------|------|
| L001 | warning | immediate written for another width than the tracked M/X (asar sizes immediates by how they are written, the CPU by the P flags) |
| L002 | warning | stack not balanced at a return, or paths meet with different stack depths |
| L003 | warning | JSR to a routine that returns with RTL, or JSL to one that returns with RTS |
| L004 | warning | JSR/JMP (16-bit) to a label in another bank |
| L005 | warning | absolute address in $2000-$7FFF that is not a hardware register: WRAM only when DB is $7E/$7F |
| L006 | warning | store to a ROM address (ignored on hardware) |
| L007 | warning | ADC/SBC with the carry not set by this code (missing CLC/SEC) |
| L008 | warning | unreachable code after an unconditional JMP/BRA/RTS/RTL |
| L009 | warning | routine returns with other register widths than it was entered with |
| L010 | note    | immediate where the register width is unknown (paths disagree) |
| L011 | warning | index counter loaded with a negative value but the loop ends on BPL/BMI |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.analysis.flow import (
    FlowState,
    Program,
    build_program,
    reachable_from,
    run_dataflow,
)
from triforce.analysis.source import Statement, parse_operand, parse_source
from triforce.diagnostics import Diagnostic, SourceSpan, has_errors, note, warning
from triforce.isa import (
    MNEMONICS,
    OPCODES,
    Mode,
    by_mnemonic,
    effects,
    falls_through,
    stack_bytes,
)
from triforce.isa.queries import branch_flag, far_twin, subroutine_return

WRITE_ACCESS = frozenset({"w", "rmw"})
#: Mnemonics that always leave a carry the code chose (kept for importers; from isa).
CARRY_WRITERS = frozenset(name for name in MNEMONICS
                          if effects(name).writes_flag("C", unconditionally=True))


def _names_data(mnemonic: str) -> bool:
    """Whether the operand is data the instruction reads or writes (not a jump target,
    a value pushed, or a block-move bank)."""
    return any(OPCODES[code].access for code in by_mnemonic(mnemonic).values())


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]

    def to_dict(self) -> dict:
        return {"diagnostics": [d.to_dict() for d in self.diagnostics]}


def lint(source: str, *, filename: str = "<input>", m: int = 1, x: int = 1,
         mapper: str = "lorom") -> LintResult:
    """Run every rule over ``source``; ``m``/``x`` are the widths on entry (1 = 8-bit)."""
    statements = parse_source(source)
    program = build_program(statements)
    entry_state = FlowState(m=m, x=x, stack=(), carry="")
    entries = _entry_points(program)
    states, conflicts = run_dataflow(program, {index: entry_state for index in entries})
    context = _Context(filename, program, states, mapper, (m, x))
    diagnostics: list[Diagnostic] = []
    for rule in (_immediate_widths, _stack_balance, _return_kinds, _bank_calls,
                 _memory_targets, _carry_setup, _unreachable, _return_widths, _sign_loops):
        diagnostics.extend(rule(context))
    for index, (a, b) in sorted(conflicts.items()):
        diagnostics.append(warning("L002", f"paths meet here with different stack depths ({a} and {b} bytes pushed)",
                                   context.span(index)))
    diagnostics.sort(key=lambda d: (d.span.line, d.span.col, d.code))
    return LintResult(_dedupe(diagnostics))


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen = set()
    out = []
    for diagnostic in diagnostics:
        key = (diagnostic.code, diagnostic.span.line, diagnostic.span.col)
        if key not in seen:
            seen.add(key)
            out.append(diagnostic)
    return out


def _entry_points(program: Program) -> list[int]:
    """The first instruction and every main (global) label: callers may enter there."""
    entries = []
    for index, statement in enumerate(program.statements):
        if not entries and statement.is_instruction:
            entries.append(index)
        if any(label[0] not in ".+-" for label in statement.labels):
            entries.append(index)
    return entries


@dataclass
class _Context:
    filename: str
    program: Program
    states: dict[int, FlowState]
    mapper: str
    entry_widths: tuple[int, int]

    def span(self, index: int) -> SourceSpan:
        statement = self.program.statements[index]
        return SourceSpan(self.filename, statement.line, statement.col)

    def instructions(self):
        for index, statement in enumerate(self.program.statements):
            if statement.is_instruction:
                yield index, statement


# ---------------------------------------------------------------- rules

def _immediate_widths(ctx: _Context):
    for index, statement in ctx.instructions():
        operand = parse_operand(statement)
        if operand.kind != "imm":
            continue
        modes = by_mnemonic(statement.mnemonic)
        if Mode.IMM_M in modes:
            flag, name = "m", "A"
        elif Mode.IMM_X in modes:
            flag, name = "x", "X/Y"
        else:
            continue
        state = ctx.states.get(index)
        if state is None:
            continue
        width = state.m if flag == "m" else state.x
        if width is None:
            if operand.value is not None:
                yield note("L010", f"{statement.mnemonic} immediate: {name} width is unknown here "
                           "(paths arrive with different REP/SEP states)", ctx.span(index))
            continue
        if operand.size is None or operand.value is None and not statement.suffix:
            continue
        expected = 1 if width else 2
        if operand.size != expected:
            bits = 8 if width else 16
            yield warning("L001", f"{statement.mnemonic} #{operand.base} is assembled as a "
                          f"{operand.size * 8}-bit immediate but {name} is {bits}-bit here "
                          f"(the CPU will read {expected} byte{'s' if expected > 1 else ''})",
                          ctx.span(index))


def _stack_balance(ctx: _Context):
    for index, statement in ctx.instructions():
        if not subroutine_return(statement.mnemonic):
            continue
        state = ctx.states.get(index)
        if state is None or state.depth in (0, None):
            continue
        if state.depth > 0:
            message = f"{statement.mnemonic} with {state.depth} byte(s) still pushed: it returns to a wrong address"
        else:
            message = f"{statement.mnemonic} after pulling {-state.depth} byte(s) more than pushed"
        yield warning("L002", message, ctx.span(index))


def _return_kinds(ctx: _Context):
    for index, mnemonic, target in ctx.program.calls:
        if target is None:
            continue
        returns = {ctx.program.statements[i].mnemonic
                   for i in reachable_from(ctx.program, target)
                   if subroutine_return(ctx.program.statements[i].mnemonic)}
        pushed = stack_bytes(mnemonic)[0]
        pulled = {stack_bytes(name)[1] for name in returns}
        if not returns or pushed in pulled:
            continue
        kind = "/".join(sorted(returns))
        if min(pulled) > pushed:
            yield warning("L003", f"{mnemonic} to a routine that returns with {kind} "
                          "(it pulls more bytes than the call pushed)", ctx.span(index))
        else:
            yield warning("L003", f"{mnemonic} to a routine that returns with {kind} "
                          "(it leaves the bank byte on the stack)", ctx.span(index))


def _bank_calls(ctx: _Context):
    program = ctx.program
    for index, statement in ctx.instructions():
        use = far_twin(statement.mnemonic)
        if use is None or statement.suffix == ".l":
            continue
        operand = parse_operand(statement)
        if operand.kind != "addr" or operand.indirect or operand.value is not None:
            continue
        here = program.banks.get(index)
        name = operand.base
        there = program.label_banks.get(name)
        if here is None or there is None or name not in program.label_banks:
            continue
        if (here & 0x7F) != (there & 0x7F):
            yield warning("L004", f"{statement.mnemonic} {name}: the label is in bank ${there:02X} but this "
                          f"code runs in bank ${here:02X}; use {use}", ctx.span(index))


def _is_hardware_register(address: int) -> bool:
    return 0x2100 <= address <= 0x21FF or 0x4000 <= address <= 0x44FF


def _writes_memory(statement: Statement, operand) -> bool:
    for opcode in by_mnemonic(statement.mnemonic).values():
        if OPCODES[opcode].access in WRITE_ACCESS and OPCODES[opcode].mode is not Mode.ACC:
            return True
    return False


def _memory_targets(ctx: _Context):
    from triforce.rom.mappers import snes_to_pc

    for index, statement in ctx.instructions():
        operand = parse_operand(statement)
        if operand.kind != "addr" or operand.value is None or operand.indirect:
            continue
        if not _names_data(statement.mnemonic):
            continue
        value, size = operand.value, operand.size
        writes = _writes_memory(statement, operand)
        if size == 3:
            if writes and snes_to_pc(value, ctx.mapper) is not None:
                yield warning("L006", f"{statement.mnemonic} to ${value:06X}: that is ROM, the write is ignored",
                              ctx.span(index))
            continue
        if size != 2:
            continue
        if 0x2000 <= value <= 0x7FFF and not _is_hardware_register(value):
            yield warning("L005", f"${value:04X} is WRAM only when DB is $7E/$7F; with DB in $00-$3F it is the "
                          f"I/O area (write ${0x7E0000 | value:06X} to be explicit)", ctx.span(index))
        elif value >= 0x8000 and writes:
            yield warning("L006", f"{statement.mnemonic} ${value:04X} writes ROM unless DB is $7E/$7F",
                          ctx.span(index))


def _carry_setup(ctx: _Context):
    for index, statement in ctx.instructions():
        if statement.mnemonic not in ("ADC", "SBC"):
            continue
        state = ctx.states.get(index)
        # A carry chain (ADC after ADC, SBC after SBC) is deliberate; ADC's carry
        # feeding an SBC (or the reverse) is the classic missing CLC/SEC.
        crossed = {"ADC": "sub", "SBC": "add"}[statement.mnemonic]
        if state is None or (state.carry and state.carry != crossed):
            continue
        wanted = "CLC" if statement.mnemonic == "ADC" else "SEC"
        yield warning("L007", f"{statement.mnemonic} uses the carry, but no {wanted} (or other carry-setting "
                      "instruction) comes before it on every path", ctx.span(index))


def _unreachable(ctx: _Context):
    statements = ctx.program.statements
    previous: Statement | None = None
    for index, statement in enumerate(statements):
        if statement.is_instruction and previous is not None and previous.is_instruction \
                and not falls_through(previous.mnemonic) and not statement.labels:
            yield warning("L008", f"unreachable: follows {previous.mnemonic} and has no label",
                          ctx.span(index))
        if statement.is_instruction or statement.labels or statement.directive:
            previous = statement if (statement.is_instruction or statement.labels or statement.directive) else previous


def _return_widths(ctx: _Context):
    entry_m, entry_x = ctx.entry_widths
    for index, statement in ctx.instructions():
        if not subroutine_return(statement.mnemonic):
            continue
        state = ctx.states.get(index)
        if state is None:
            continue
        changed = []
        if state.m is not None and state.m != entry_m:
            changed.append(f"A is {'8' if state.m else '16'}-bit")
        if state.x is not None and state.x != entry_x:
            changed.append(f"X/Y are {'8' if state.x else '16'}-bit")
        if changed:
            yield warning("L009", f"returns with {' and '.join(changed)}, unlike on entry "
                          "(missing SEP/REP on this path?)", ctx.span(index))


def _sign_loops(ctx: _Context):
    """``LDX #$9F`` ... ``DEX : BPL`` exits after one pass: $9F is negative in 8 bits."""
    statements = ctx.program.statements
    for index, statement in ctx.instructions():
        if statement.mnemonic not in ("LDX", "LDY"):
            continue
        operand = parse_operand(statement)
        state = ctx.states.get(index)
        if operand.kind != "imm" or operand.value is None or state is None or state.x is None:
            continue
        sign = 0x80 if state.x else 0x8000
        if not operand.value & sign:
            continue
        register = statement.mnemonic[2]
        for later in range(index + 1, min(index + 12, len(statements))):
            other = statements[later]
            if other.mnemonic in (f"DE{register}", f"IN{register}") and later + 1 < len(statements) \
                    and _tests_sign(statements[later + 1]):
                yield warning("L011", f"{register} starts at ${operand.value:0{2 if state.x else 4}X}, negative "
                              f"as a {'8' if state.x else '16'}-bit value, so {statements[later + 1].mnemonic} "
                              "ends the loop after the first pass", ctx.span(index))
                break
            if other.is_instruction and not falls_through(other.mnemonic):
                break


def _tests_sign(statement: Statement) -> bool:
    """BPL/BMI: a conditional branch on N."""
    return statement.is_instruction and branch_flag(statement.mnemonic) == "N"


__all__ = ["CARRY_WRITERS", "LintResult", "lint"]
