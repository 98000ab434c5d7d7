"""Assemble the generated handlers into one factory function per memory variant.

For every handler table (native M/X = 00, 01, 10, 11 and emulation) and every
opcode, :func:`triforce.sim.handlers.emit_handler` writes a straight-line
function; identical bodies are shared. The factory closes them over the CPU's
register list ``R`` and its memory, and also defines the run loops, so the hot
path is: fetch opcode, index the active table ``T``, call.

The source is compiled once per variant per process (the compiled factory is a
pure function of the variant, so it is memoised).
"""

from __future__ import annotations

import functools

from triforce.isa import OPCODES
from triforce.sim import alu
from triforce.sim.emit import MODE, PB, PC, E, Emitter, P
from triforce.sim.handlers import emit_handler

VARIANTS = ("flat", "paged", "bus")

#: Handler tables as (emulation, m, x, decimal), in the order of the mode index:
#: native tables at M<<2 | X<<1 | D (= P >> 3 & 7), emulation tables at 8 + D.
TABLE_MODES = tuple((False, m, x, d) for m in (0, 1) for x in (0, 1) for d in (0, 1)) + (
    (True, 1, 1, 0), (True, 1, 1, 1))
EMULATION_TABLE = 8


class Halt(Exception):
    """Raised by STP/WAI handlers: ``args = (reason, cycles)``."""


def _fetch_opcode(variant: str, addr: str) -> str:
    if variant == "flat":
        return f"M[{addr}]"
    if variant == "bus":
        return f"rd({addr})"
    return f"RP[{addr} >> 13][{addr} & 8191]"


def factory_source(variant: str) -> str:
    """Python source of ``build(R, M, RP, WP, rd, wr)`` for one memory variant."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown memory variant {variant!r}")
    bodies: dict[str, str] = {}
    tables: list[list[str]] = []
    for index, (emulation, m, x, decimal) in enumerate(TABLE_MODES):
        names = []
        for op in OPCODES:
            g = Emitter(variant, emulation, m, x, decimal)
            emit_handler(op, g)
            body = g.source()
            if body not in bodies:
                bodies[body] = f"op_{op.opcode:02x}_{index}"
            names.append(bodies[body])
        tables.append(names)

    out = ["def build(R, M, RP, WP, rd, wr):"]
    for body, name in bodies.items():
        out.append(f"    def {name}(pc24):")
        out.extend("    " + line for line in body.split("\n"))
    out.append("    TABLES = (")
    for names in tables:
        out.append("        [" + ", ".join(names) + "],")
    out.append("    )")
    out.append("    T = TABLES[0]")
    fetch = _fetch_opcode(variant, "a")
    out.append(f"""
    def switch_mode():
        # T is the active table, a cell shared with the loops below: switching
        # tables is one rebinding, reading it costs what a constant list would.
        nonlocal T
        k = {EMULATION_TABLE} + (R[{P}] >> 3 & 1) if R[{E}] else R[{P}] >> 3 & 7
        if k != R[{MODE}]:
            R[{MODE}] = k
            T = TABLES[k]

    def step():
        a = R[{PB}] | R[{PC}]
        try:
            return T[{fetch}](a)
        except Halt as h:
            return h.args[1]

    def run_fast(budget):
        cyc = 0
        n = 0
        try:
            for n in range(1, budget + 1):
                a = R[{PB}] | R[{PC}]
                cyc += T[{fetch}](a)
        except Halt as h:
            return h.args[0], n, cyc + h.args[1]
        return "budget", n, cyc

    def run_checked(budget, stop_pcs, stop_ops):
        cyc = 0
        for n in range(budget):
            a = R[{PB}] | R[{PC}]
            if a in stop_pcs:
                return "stop_at", n, cyc
            op = {fetch}
            if op in stop_ops:
                return stop_ops[op], n, cyc
            try:
                cyc += T[op](a)
            except Halt as h:
                return h.args[0], n + 1, cyc + h.args[1]
        return "budget", budget, cyc

    return switch_mode, step, run_fast, run_checked
""")
    return "\n".join(out)


@functools.lru_cache(maxsize=None)
def compiled_factory(variant: str):
    """The ``build`` function for ``variant`` (compiled on first use)."""
    namespace = {
        "Halt": Halt,
        "adc8_decimal": alu.adc8_decimal, "adc16_decimal": alu.adc16_decimal,
        "sbc8_decimal": alu.sbc8_decimal, "sbc16_decimal": alu.sbc16_decimal,
    }
    code = compile(factory_source(variant), f"<triforce.sim handlers: {variant}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, see factory_source
    return namespace["build"]


__all__ = ["Halt", "TABLE_MODES", "VARIANTS", "compiled_factory", "factory_source"]
