"""Handlers for the instructions without a data operand: transfers, flags,
stack, jumps and calls, interrupts, block moves, REP/SEP/XCE, WAI/STP/WDM."""

from __future__ import annotations

from triforce.isa import Mode, Opcode, effects, stack_bytes, status_bit
from triforce.isa import cycles as isa_cycles
from triforce.isa.queries import (
    register_operation,
    register_reads,
    register_writes,
    restores_flags,
    sets_widths_from_operand,
    transferred_registers,
)
from triforce.isa.semantics import CLEARED, SET, flow
from triforce.isa.vectors import vector as interrupt_vector
from triforce.sim.addressing import DIRECT_PAGE_PENALTY
from triforce.sim.emit import (
    CF,
    DB,
    HALT,
    PB,
    PC,
    VF,
    A,
    D,
    E,
    Emitter,
    P,
    S,
    X,
    Y,
)
from triforce.sim.handlers import REGISTER_SLOTS, modify

#: Flags the generated code keeps as 0/1 in their own slot; the rest live in R[P].
_FLAG_SLOTS = {"C": CF, "V": VF}


def _register_width(register: str, g: Emitter) -> int:
    return 8 if (g.m if register == "A" else g.x) else 16


def _constant_flags(op: Opcode) -> dict[str, int]:
    """CLC, SEI...: the flags an instruction sets to constants, when that is all it does."""
    row = effects(op)
    if not row.flags or row.writes or any(v not in (CLEARED, SET) for v in row.flags.values()):
        return {}
    return {flag: int(value) for flag, value in row.flags.items()}


def _set_flag(flag: str, value: int) -> str:
    if flag in _FLAG_SLOTS:
        return f"R[{_FLAG_SLOTS[flag]}] = {value}"
    bit = status_bit(flag)
    return f"R[{P}] |= {bit}" if value else f"R[{P}] &= {255 ^ bit}"


def emit_misc(op: Opcode, g: Emitter) -> None:
    name = op.mnemonic
    cyc = isa_cycles(op, m=g.m, x=g.x, emulation=g.e)
    length = op.length(g.m, g.x)
    emitter = _SPECIAL.get(name)
    if emitter is not None:
        emitter(op, g, cyc)
        return
    g.operand(0)
    g.advance(length)
    constants = _constant_flags(op)
    transfer = transferred_registers(name)
    in_place = register_operation(name, accumulator=op.mode is Mode.ACC)
    if constants:
        for flag, value in constants.items():
            g.emit(_set_flag(flag, value))
        if "D" in constants:
            g.emit("switch_mode()")  # D selects the ADC/SBC handlers
    elif transfer:
        _transfer(op, g, *transfer)
    elif in_place:
        register, operation = in_place
        reg = REGISTER_SLOTS[register]
        width = _register_width(register, g)
        g.emit(f"v = R[{reg}]" if width == 16 else f"v = R[{reg}] & 255")
        modify(g, operation, width)
        if reg == A and width == 8:
            g.emit(f"R[{A}] = R[{A}] & 65280 | t")
        else:
            g.emit(f"R[{reg}] = t")
    elif name == "XBA":
        g.emit(f"a = R[{A}]", f"R[{A}] = (a & 255) << 8 | a >> 8")
        g.nz("(a >> 8)", 8)
    elif name == "XCE":
        g.emit(f"c = R[{CF}]", f"R[{CF}] = R[{E}]", f"R[{E}] = c")
        with g.block("if c:"):
            g.emit(f"R[{P}] |= 48", f"R[{S}] = R[{S}] & 255 | 256")
        g.width_rules()
    elif name == "NOP":
        pass
    else:
        raise ValueError(f"no handler for {name} {op.mode}")
    g.emit(f"return {cyc}")


def _transfer(op: Opcode, g: Emitter, source: str, destination: str) -> None:
    src, dst = REGISTER_SLOTS[source], REGISTER_SLOTS[destination]
    if destination == "S":  # TCS/TXS set no flags; emulation keeps S in page 1
        g.emit(f"R[{S}] = R[{src}] & 255 | 256" if g.e else f"R[{S}] = R[{src}]")
        return
    # Writing C (all of B:A) or D moves 16 bits whatever M says.
    width = 16 if effects(op).writes & {"C", "D"} else _register_width(destination, g)
    if width == 16:
        g.emit(f"t = R[{dst}] = R[{src}]")
    elif dst == A:
        g.emit(f"t = R[{src}] & 255", f"R[{A}] = R[{A}] & 65280 | t")
    else:
        g.emit(f"t = R[{dst}] = R[{src}] & 255")
    g.nz("t", width)


# -- stack --------------------------------------------------------------------
def _push_register(op: Opcode, g: Emitter, cyc: int) -> None:
    (register,) = register_reads(op.mnemonic) - {"S"} or ("P",)  # PHP reads only S
    pushed, _ = stack_bytes(op, g.m, g.x, g.e)
    g.operand(0)
    g.advance(1)
    g.emit(f"s = R[{S}]")
    if register == "P":
        g.compose_p()
        g.push("p")
    elif register in ("DBR", "PBR"):  # kept in bank position
        g.push(f"R[{REGISTER_SLOTS[register]}] >> 16")
    elif register == "D":  # a 65816 addition: pushes without the page-1 wrap
        g.emit(f"v = R[{D}]")
        g.push("v >> 8", wrap=False)
        g.push("v & 255", wrap=False)
    else:
        g.emit(f"v = R[{REGISTER_SLOTS[register]}]")
        if pushed == 2:
            g.push("v >> 8")
        g.push("v & 255")
    g.store_stack(unwrapped=register == "D")
    g.emit(f"return {cyc}")


def _pull_register(op: Opcode, g: Emitter, cyc: int) -> None:
    name = op.mnemonic
    _, pulled = stack_bytes(op, g.m, g.x, g.e)
    g.operand(0)
    g.advance(1)
    g.emit(f"s = R[{S}]")
    if restores_flags(name):  # PLP
        g.pull("p")
        g.store_stack()
        g.decompose_p("p")
        g.emit(f"return {cyc}")
        return
    (register,) = register_writes(name) - {"S"}
    if register == "DBR":  # a 65816 addition: pulls without the page-1 wrap
        g.pull("v", wrap=False)
        g.store_stack(unwrapped=True)
        g.emit(f"R[{DB}] = v << 16")
        g.nz("v", 8)
    elif register == "D":
        g.pull("lo", wrap=False)
        g.pull("hi", wrap=False)
        g.store_stack(unwrapped=True)
        g.emit(f"t = R[{D}] = lo | hi << 8")
        g.nz("t", 16)
    else:
        reg = REGISTER_SLOTS[register]
        g.pull("lo")
        if pulled == 2:
            g.pull("hi")
            g.emit(f"t = R[{reg}] = lo | hi << 8")
        elif reg == A:
            g.emit("t = lo", f"R[{A}] = R[{A}] & 65280 | t")
        else:
            g.emit(f"t = R[{reg}] = lo")
        g.store_stack()
        g.nz("t", 8 * pulled)
    g.emit(f"return {cyc}")


def _push_effective(op: Opcode, g: Emitter, cyc: int) -> None:
    name = op.mnemonic
    if name == "PEA":
        g.operand(2)
        g.advance(3)
        g.emit("v = o")
    elif name == "PER":
        g.operand(2)
        g.advance(3)
        g.emit("v = pc24 + 3 + (o - 65536 if o & 32768 else o) & 65535")
    else:  # PEI: the pointer is read at D+o in bank 0, never page-wrapped
        g.operand(1)
        g.advance(2)
        g.emit(f"d = R[{D}]", "pa = d + o")
        g.read_word("v", "pa & 65535", "pa + 1 & 65535")
    g.emit(f"s = R[{S}]")
    g.push("v >> 8", wrap=False)
    g.push("v & 255", wrap=False)
    g.store_stack(unwrapped=True)
    if name == "PEI":
        extra = isa_cycles(op, m=g.m, x=g.x, emulation=g.e, dl_nonzero=True) - cyc
        g.emit(f"return {cyc + extra} if {DIRECT_PAGE_PENALTY} else {cyc}")
    else:
        g.emit(f"return {cyc}")


# -- jumps, calls, returns ----------------------------------------------------
def _jump(op: Opcode, g: Emitter, cyc: int) -> None:
    mode = op.mode.value
    if op.mode is Mode.REL16:  # BRL
        g.operand(2)
        g.emit(f"R[{PC}] = pc24 + 3 + (o - 65536 if o & 32768 else o) & 65535")
    elif mode == "ABS":
        g.operand(2)
        g.emit(f"R[{PC}] = o")
    elif mode == "LONG":
        g.operand(3)
        g.emit(f"R[{PC}] = o & 65535", f"R[{PB}] = o & 16711680")
    elif mode == "ABS_IND":
        g.operand(2)
        g.read_word("t", "o", "o + 1 & 65535")
        g.emit(f"R[{PC}] = t")
    elif mode == "ABS_X_IND":
        g.operand(2)
        g.emit(f"t = o + R[{X}]")
        g.emit("pb = pc24 & 16711680")
        g.read_word("w", "pb | (t & 65535)", "pb | (t + 1 & 65535)")
        g.emit(f"R[{PC}] = w")
    elif mode == "ABS_IND_L":
        g.operand(2)
        g.read("_p0", "o")
        g.read("_p1", "o + 1 & 65535")
        g.read("_p2", "o + 2 & 65535")
        g.emit(f"R[{PC}] = _p0 | _p1 << 8", f"R[{PB}] = _p2 << 16")
    else:
        raise ValueError(mode)
    g.emit(f"return {cyc}")


def _call(op: Opcode, g: Emitter, cyc: int) -> None:
    if op.mode is Mode.LONG:  # JSL
        g.operand(3)
        g.emit(f"s = R[{S}]", "r = pc24 + 3 & 65535")
        g.push("pc24 >> 16", wrap=False)
        g.push("r >> 8", wrap=False)
        g.push("r & 255", wrap=False)
        g.store_stack(unwrapped=True)
        g.emit(f"R[{PC}] = o & 65535", f"R[{PB}] = o & 16711680")
    elif op.mode.value == "ABS":
        g.operand(2)
        g.emit(f"s = R[{S}]", "r = pc24 + 2 & 65535")
        g.push("r >> 8")
        g.push("r & 255")
        g.store_stack()
        g.emit(f"R[{PC}] = o")
    else:  # JSR (a,x): pushes before reading the pointer, 65816-style (no page-1 wrap)
        g.operand(2)
        g.emit(f"s = R[{S}]", "r = pc24 + 2 & 65535")
        g.push("r >> 8", wrap=False)
        g.push("r & 255", wrap=False)
        g.store_stack(unwrapped=True)
        g.emit(f"t = o + R[{X}]")
        g.emit("pb = pc24 & 16711680")
        g.read_word("w", "pb | (t & 65535)", "pb | (t + 1 & 65535)")
        g.emit(f"R[{PC}] = w")
    g.emit(f"return {cyc}")


def _return_from(op: Opcode, g: Emitter, cyc: int) -> None:
    g.emit(f"s = R[{S}]")
    _, pulled = stack_bytes(op, emulation=g.e)
    if restores_flags(op.mnemonic):
        _return_from_interrupt(g)
    elif pulled == 2:  # RTS
        g.pull("lo")
        g.pull("hi")
        g.store_stack()
        g.emit(f"R[{PC}] = (lo | hi << 8) + 1 & 65535")
    else:  # RTL
        g.pull("lo", wrap=False)
        g.pull("hi", wrap=False)
        g.pull("bank", wrap=False)
        g.store_stack(unwrapped=True)
        g.emit(f"R[{PC}] = (lo | hi << 8) + 1 & 65535", f"R[{PB}] = bank << 16")
    g.emit(f"return {cyc}")


def _return_from_interrupt(g: Emitter) -> None:
    g.pull("p")
    g.pull("lo")
    g.pull("hi")
    if not g.e:
        g.pull("bank")
        g.emit(f"R[{PB}] = bank << 16")
    g.store_stack()
    g.emit(f"R[{PC}] = lo | hi << 8")
    g.decompose_p("p")


def _software_interrupt(op: Opcode, g: Emitter, cyc: int) -> None:
    vector = interrupt_vector(op.mnemonic, emulation=g.e)
    g.operand(1)  # the signature byte is read and skipped
    g.emit(f"s = R[{S}]", "r = pc24 + 2 & 65535")
    if not g.e:
        g.push("pc24 >> 16")
    g.push("r >> 8")
    g.push("r & 255")
    g.compose_p()
    g.push("p")  # emulation mode: the B bit (bit 4) is 1 in the pushed byte
    g.store_stack()
    g.emit(f"R[{P}] = R[{P}] & 247 | 4", "switch_mode()")
    g.read_word("t", str(vector), str(vector + 1))
    g.emit(f"R[{PC}] = t", f"R[{PB}] = 0")
    g.emit(f"return {cyc}")


# -- the rest -----------------------------------------------------------------
def _status_bits(op: Opcode, g: Emitter, cyc: int) -> None:
    g.operand(1)
    g.advance(2)
    g.compose_p()
    g.emit("p &= o ^ 255" if sets_widths_from_operand(op.mnemonic) == 0 else "p |= o")
    g.decompose_p("p")
    g.emit(f"return {cyc}")


def _block_move(op: Opcode, g: Emitter, cyc: int) -> None:
    step = 1 if op.mnemonic == "MVN" else -1
    mask = 255 if g.x else 65535
    g.operand(2)
    g.emit("dst = o & 255", "src = o >> 8", f"R[{DB}] = dst << 16",
           f"x = R[{X}]", f"y = R[{Y}]")
    g.read("v", "src << 16 | x")
    g.write("dst << 16 | y", "v")
    g.emit(f"R[{X}] = x + {step} & {mask}", f"R[{Y}] = y + {step} & {mask}",
           f"a = R[{A}]", f"R[{A}] = a - 1 & 65535")
    # One byte per step; the PC stays on the opcode until A runs out.
    g.emit(f"R[{PC}] = (pc24 & 65535) if a else (pc24 + 3 & 65535)")
    g.emit(f"return {cyc}")


def _halting(op: Opcode, g: Emitter, cyc: int) -> None:
    reason = "stp" if flow(op) == "halt" else "wai"
    g.operand(0)
    g.advance(1)
    g.emit(f"R[{HALT}] = {reason!r}", f"raise Halt({reason!r}, {cyc})")


def _wdm(op: Opcode, g: Emitter, cyc: int) -> None:
    g.operand(1)  # the reserved signature byte is an ordinary read
    g.advance(2)
    g.emit(f"return {cyc}")


_SPECIAL = {
    "PHA": _push_register, "PHX": _push_register, "PHY": _push_register,
    "PHP": _push_register, "PHB": _push_register, "PHK": _push_register,
    "PHD": _push_register,
    "PLA": _pull_register, "PLX": _pull_register, "PLY": _pull_register,
    "PLP": _pull_register, "PLB": _pull_register, "PLD": _pull_register,
    "PEA": _push_effective, "PEI": _push_effective, "PER": _push_effective,
    "JMP": _jump, "JML": _jump, "BRL": _jump,
    "JSR": _call, "JSL": _call,
    "RTS": _return_from, "RTL": _return_from, "RTI": _return_from,
    "BRK": _software_interrupt, "COP": _software_interrupt,
    "REP": _status_bits, "SEP": _status_bits,
    "MVN": _block_move, "MVP": _block_move,
    "STP": _halting, "WAI": _halting, "WDM": _wdm,
}
