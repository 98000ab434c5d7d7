"""The body of one instruction handler: operation semantics per opcode.

Cycle counts are never stated here: each handler returns the count that
:func:`triforce.isa.cycles` gives for its opcode row at the handler's M/X/E,
plus the data-dependent penalties (DL != 0, index page crossing, branch taken)
that the same function prices.
"""

from __future__ import annotations

from triforce.isa import BRANCHES, Mode, Opcode, branch_condition, effects
from triforce.isa import cycles as isa_cycles
from triforce.isa.queries import compared_register, loaded_register, register_reads
from triforce.sim.addressing import DIRECT_PAGE_PENALTY, resolve
from triforce.sim.emit import CF, DB, NV, PB, PC, VF, ZV, A, D, Emitter, S, X, Y

#: Where the generated code keeps each register the isa names (emit.py's layout).
REGISTER_SLOTS = {"A": A, "X": X, "Y": Y, "S": S, "D": D, "DBR": DB, "PBR": PB, "PC": PC}

#: How a handler tests each status flag, indexed by the value a branch wants:
#: N and Z live in the last result (NV, ZV), C and V as 0/1 (see emit.py).
_FLAG_TEST = {
    "N": (f"not R[{NV}] & 128", f"R[{NV}] & 128"),
    "V": (f"not R[{VF}]", f"R[{VF}]"),
    "C": (f"not R[{CF}]", f"R[{CF}]"),
    "Z": (f"R[{ZV}]", f"not R[{ZV}]"),
}


def _cycles(op: Opcode, g: Emitter, **facts) -> int:
    return isa_cycles(op, m=g.m, x=g.x, emulation=g.e, **facts)


def _width(op: Opcode, g: Emitter) -> int:
    flag = g.m if op.width == "m" or op.mode is Mode.IMM_M else g.x
    return 8 if flag else 16


def _return(g: Emitter, base: int, terms: list[tuple[str, int]]) -> None:
    terms = [(cond, extra) for cond, extra in terms if extra]
    if not terms:
        g.emit(f"return {base}")
    elif len(terms) == 1:
        cond, extra = terms[0]
        g.emit(f"return {base + extra} if {cond} else {base}")
    else:
        g.emit(f"return {base} + " + " + ".join(f"({extra} if {cond} else 0)" for cond, extra in terms))


def emit_handler(op: Opcode, g: Emitter) -> None:
    """Emit the statements of ``op``'s handler into ``g``."""
    # The opcode table says how each form touches memory; immediates read their operand.
    if op.access == "r" or op.mode in (Mode.IMM_M, Mode.IMM_X):
        _read_instruction(op, g)
    elif op.access == "w":
        _store_instruction(op, g)
    elif op.access == "rmw":
        _rmw_instruction(op, g)
    elif op.mnemonic in BRANCHES:
        _branch(op, g)
    else:
        # Imported here because handlers_misc builds on this module's helpers.
        from triforce.sim.handlers_misc import emit_misc
        emit_misc(op, g)


# -- loads, arithmetic, compares ----------------------------------------------
def _read_instruction(op: Opcode, g: Emitter) -> None:
    width = _width(op, g)
    length = op.length(g.m, g.x)
    base = _cycles(op, g)
    terms: list[tuple[str, int]] = []
    if op.mode in (Mode.IMM_M, Mode.IMM_X):
        g.operand(width // 8, "v")
        g.advance(length)
    else:
        where = resolve(g, op.mode, length)
        if width == 8:
            g.read("v", "ea")
        else:
            g.read_word("v", "ea", where.hi)
        if where.dp_penalty:
            terms.append((DIRECT_PAGE_PENALTY, _cycles(op, g, dl_nonzero=True) - base))
        if where.page_cross and "p" in op.penalties:
            terms.append((where.page_cross, _cycles(op, g, page_crossed=True) - base))
    alu(g, op.mnemonic, width, copies_nv="V" in effects(op).flags)
    _return(g, base, terms)


def alu(g: Emitter, name: str, width: int, copies_nv: bool = True) -> None:
    """Apply a read operation to the operand value ``v``. ``copies_nv``: BIT copies
    the operand's top bits to N and V (not BIT #imm, per its effects)."""
    mask = 255 if width == 8 else 65535
    sign = width - 1
    loaded, compared = loaded_register(name), compared_register(name)
    if loaded:
        reg = REGISTER_SLOTS[loaded]
        if width == 8 and reg == A:
            g.emit(f"R[{A}] = R[{A}] & 65280 | v")
        else:
            g.emit(f"R[{reg}] = v")
        g.nz("v", width)
    elif name in ("ORA", "AND", "EOR"):
        pyop = {"ORA": "|", "AND": "&", "EOR": "^"}[name]
        if width == 16:
            g.emit(f"t = R[{A}] {pyop} v", f"R[{A}] = t")
        else:
            g.emit(f"a = R[{A}]", f"t = (a {pyop} v) & 255", f"R[{A}] = a & 65280 | t")
        g.nz("t", width)
    elif compared:
        reg = REGISTER_SLOTS[compared]
        src = f"R[{reg}]" if width == 16 else f"(R[{reg}] & 255)"
        g.emit(f"t = {src} - v", f"R[{CF}] = 1 if t >= 0 else 0", f"t &= {mask}")
        g.nz("t", width)
    elif name == "BIT":
        src = f"R[{A}]" if width == 16 else f"R[{A}] & 255"
        g.emit(f"R[{ZV}] = v & {src}" if width == 16 else f"R[{ZV}] = v & R[{A}] & 255")
        if copies_nv:
            g.emit(f"R[{NV}] = v" if width == 8 else f"R[{NV}] = v >> 8",
                   f"R[{VF}] = v >> {sign - 1} & 1")
    elif name in ("ADC", "SBC"):
        _add(g, name, width)
    else:
        raise ValueError(name)


def _add(g: Emitter, name: str, width: int) -> None:
    mask = 255 if width == 8 else 65535
    helper = f"{name.lower()}{width}_decimal"
    if width == 8:
        g.emit(f"a = R[{A}]", "l = a & 255")
    else:
        g.emit(f"l = R[{A}]")
    if g.decimal:  # the handler table already encodes the D flag
        g.emit(f"t, R[{CF}], R[{VF}] = {helper}(l, v, R[{CF}])")
    else:
        if name == "SBC":
            g.emit(f"v ^= {mask}")
        g.emit(f"t = l + v + R[{CF}]",
               f"R[{VF}] = (~(l ^ v) & (l ^ t)) >> {width - 1} & 1",
               f"R[{CF}] = t >> {width}",
               f"t &= {mask}")
    g.emit(f"R[{A}] = a & 65280 | t" if width == 8 else f"R[{A}] = t")
    g.nz("t", width)


# -- stores -------------------------------------------------------------------
def _store_instruction(op: Opcode, g: Emitter) -> None:
    width = _width(op, g)
    length = op.length(g.m, g.x)
    base = _cycles(op, g)
    where = resolve(g, op.mode, length)
    # STA/STX/STY store the register they read; STZ reads none and stores zero.
    source = register_reads(op.mnemonic)
    value = f"R[{REGISTER_SLOTS[next(iter(source))]}]" if source else "0"
    if width == 8:
        g.write("ea", value if value == "0" else f"{value} & 255")
    else:
        if value != "0":
            g.emit(f"v = {value}")
            value = "v"
        g.write("ea", "0" if value == "0" else "v & 255")
        g.emit(f"ea = {where.hi}")
        g.write("ea", "0" if value == "0" else "v >> 8")
    terms = []
    if where.dp_penalty:
        terms.append((DIRECT_PAGE_PENALTY, _cycles(op, g, dl_nonzero=True) - base))
    _return(g, base, terms)


# -- read-modify-write --------------------------------------------------------
def modify(g: Emitter, name: str, width: int) -> None:
    """``t`` = ``name`` applied to ``v`` (shifts, INC/DEC, TSB/TRB), flags set."""
    mask = 255 if width == 8 else 65535
    if name == "ASL":
        g.emit(f"R[{CF}] = v >> {width - 1}", f"t = v << 1 & {mask}")
    elif name == "LSR":
        g.emit(f"R[{CF}] = v & 1", "t = v >> 1")
    elif name == "ROL":
        g.emit(f"t = v << 1 | R[{CF}]", f"R[{CF}] = t >> {width}", f"t &= {mask}")
    elif name == "ROR":
        g.emit(f"t = v >> 1 | R[{CF}] << {width - 1}", f"R[{CF}] = v & 1")
    elif name == "INC":
        g.emit(f"t = v + 1 & {mask}")
    elif name == "DEC":
        g.emit(f"t = v - 1 & {mask}")
    elif name in ("TSB", "TRB"):
        acc = f"R[{A}]" if width == 16 else f"(R[{A}] & 255)"
        g.emit(f"acc = {acc}", f"R[{ZV}] = v & acc")
        g.emit("t = v | acc" if name == "TSB" else f"t = v & (acc ^ {mask})")
        return  # TSB/TRB touch only Z
    else:
        raise ValueError(name)
    g.nz("t", width)


def _rmw_instruction(op: Opcode, g: Emitter) -> None:
    width = _width(op, g)
    base = _cycles(op, g)
    where = resolve(g, op.mode, op.length(g.m, g.x))
    if width == 8:
        g.read("v", "ea")
        modify(g, op.mnemonic, 8)
        g.write("ea", "t")
    else:
        g.emit(f"eh = {where.hi}")
        g.read_word("v", "ea", "eh")
        modify(g, op.mnemonic, 16)
        g.write("eh", "t >> 8")      # the chip writes the high byte first
        g.write("ea", "t & 255")
    terms = []
    if where.dp_penalty:
        terms.append((DIRECT_PAGE_PENALTY, _cycles(op, g, dl_nonzero=True) - base))
    _return(g, base, terms)


# -- branches -----------------------------------------------------------------
def _branch(op: Opcode, g: Emitter) -> None:
    base = _cycles(op, g)
    taken = _cycles(op, g, branch_taken=True)
    crossed = _cycles(op, g, branch_taken=True, page_crossed=True)
    g.operand(1)
    condition = branch_condition(op.mnemonic)
    if condition is None:  # BRA
        _branch_taken(g, taken, crossed)
        return
    flag, value = condition
    cond = _FLAG_TEST[flag][value]
    with g.block(f"if {cond}:"):
        _branch_taken(g, taken, crossed)
    g.advance(2)
    g.emit(f"return {base}")


def _branch_taken(g: Emitter, taken: int, crossed: int) -> None:
    g.emit("n = pc24 + 2 & 65535",
           "t = n + (o - 256 if o & 128 else o) & 65535",
           f"R[{PC}] = t")
    if crossed != taken:
        g.emit(f"return {crossed} if (t ^ n) & 65280 else {taken}")
    else:
        g.emit(f"return {taken}")
