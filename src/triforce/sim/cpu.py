"""The 65816 CPU: registers, stepping, running with a budget, interrupts.

Instruction semantics live in generated handlers (see :mod:`.codegen`); this
class owns the register list they share, picks the memory variant for the bus,
and implements what happens between instructions (NMI, IRQ, reset).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from triforce.isa import OPCODES
from triforce.isa import cycles as isa_cycles
from triforce.isa.vectors import vector
from triforce.sim.bus import FlatBus
from triforce.sim.codegen import VARIANTS, compiled_factory
from triforce.sim.emit import (
    CF, DB, HALT, MODE, NV, PB, PC, REGISTER_SLOTS, VF, ZV, A, D, E, P, S, X, Y,
)
from triforce.sim.state import CPUState

#: Hardware interrupt vectors in bank 0: (emulation, native).
NMI_VECTORS = (vector("NMI", emulation=True), vector("NMI", emulation=False))
IRQ_VECTORS = (vector("IRQ", emulation=True), vector("IRQ", emulation=False))
RESET_VECTOR = vector("RESET", emulation=True)

#: ``run(stop_on=...)`` names and the opcodes they stop in front of.
STOP_OPCODES = {"brk": 0x00, "cop": 0x02}


@dataclass(frozen=True)
class RunResult:
    """Why :meth:`CPU.run` returned: ``stp``, ``wai``, ``budget``, ``stop_at``,
    ``brk`` or ``cop``; how many instructions and cycles ran; wall time of the loop."""

    reason: str
    instructions: int
    cycles: int
    seconds: float = 0.0


class CPU:
    """A 65816 on a bus.

    ``access`` forces how handlers reach memory (``flat``, ``paged`` or ``bus``);
    by default a plain :class:`FlatBus` is indexed directly, a bus offering
    ``page_tables()`` is used through its pages, and anything else through its
    ``read``/``write`` methods.
    A block move (MVN/MVP) moves one byte per step, as the chip does between
    interrupt checks, so each byte counts as one instruction against a budget.
    """

    def __init__(self, bus, state: CPUState | None = None, *, access: str | None = None):
        self.bus = bus
        self.cycles = 0
        self.instructions = 0
        self.access = access or _default_access(bus)
        if self.access not in VARIANTS:
            raise ValueError(f"unknown access {self.access!r}; expected one of {VARIANTS}")
        memory = read_pages = write_pages = None
        if self.access == "flat":
            memory = bus.memory
        elif self.access == "paged":
            read_pages, write_pages = bus.page_tables()
        self._r = [0] * REGISTER_SLOTS
        build = compiled_factory(self.access)
        self._switch_mode, self._step, self._run_fast, self._run_checked = build(
            self._r, memory, read_pages, write_pages, bus.read, bus.write)
        self.state = state if state is not None else CPUState()

    # -- registers ----------------------------------------------------------
    @property
    def state(self) -> CPUState:
        r = self._r
        p = (r[P] & 0x3C) | (r[NV] & 0x80) | (0 if r[ZV] else 2) | int(r[CF]) | (int(r[VF]) << 6)
        return CPUState(a=r[A], x=r[X], y=r[Y], s=r[S], d=r[D], dbr=r[DB] >> 16,
                        pbr=r[PB] >> 16, pc=r[PC], p=p, e=r[E])

    @state.setter
    def state(self, value: CPUState) -> None:
        st = value.normalized()
        r = self._r
        r[A], r[X], r[Y], r[S], r[D] = st.a, st.x, st.y, st.s, st.d
        r[DB], r[PB], r[PC], r[E] = st.dbr << 16, st.pbr << 16, st.pc, st.e
        r[P], r[NV], r[ZV] = st.p, st.p, 0 if st.p & 2 else 1
        r[CF], r[VF] = st.p & 1, (st.p >> 6) & 1
        r[HALT] = None
        r[MODE] = -1
        self._switch_mode()

    @property
    def halted(self) -> str | None:
        """``"stp"`` after STP, ``"wai"`` while waiting for an interrupt, else None."""
        return self._r[HALT]

    @property
    def mode_index(self) -> int:
        """Which handler table is active (see ``codegen.TABLE_MODES``)."""
        return self._r[MODE]

    # -- execution ----------------------------------------------------------
    def step(self) -> int:
        """Execute one instruction (one byte of a block move); return its cycles.
        A stopped or waiting CPU does nothing and returns 0."""
        if self._r[HALT]:
            return 0
        n = self._step()
        self.cycles += n
        self.instructions += 1
        return n

    def run(self, max_instructions: int = 1_000_000, stop_at=None, stop_on=()) -> RunResult:
        """Run until STP, WAI, the budget, a PC in ``stop_at`` (24-bit addresses,
        checked before each instruction) or an opcode named in ``stop_on``
        (``"brk"``/``"cop"``: stops in front of it, without executing it)."""
        if self._r[HALT]:
            return RunResult(self._r[HALT], 0, 0)
        budget = max(0, int(max_instructions))
        stop_pcs = frozenset(int(a) & 0xFFFFFF for a in (stop_at or ()))
        stop_ops = {STOP_OPCODES[name]: name for name in stop_on}
        started = time.perf_counter()
        if stop_pcs or stop_ops:
            reason, count, cyc = self._run_checked(budget, stop_pcs, stop_ops)
        else:
            reason, count, cyc = self._run_fast(budget)
        seconds = time.perf_counter() - started
        self.cycles += cyc
        self.instructions += count
        return RunResult(reason, count, cyc, seconds)

    # -- between instructions ----------------------------------------------
    def nmi(self) -> int:
        """Take a non-maskable interrupt now; returns its cycles."""
        return self._interrupt(NMI_VECTORS)

    def irq(self) -> int:
        """Assert IRQ: taken when I=0 (returns its cycles); with I=1 it only ends a WAI."""
        if self._r[P] & 0x04:
            if self._r[HALT] == "wai":
                self._r[HALT] = None
            return 0
        return self._interrupt(IRQ_VECTORS)

    def reset(self) -> None:
        """The RESET line: emulation mode, M=X=I=1, D=0, DBR=PBR=DP=0, PC from $FFFC."""
        r = self._r
        r[E] = 1
        r[P] = (r[P] | 0x34) & ~0x08
        r[S] = 0x100 | (r[S] & 0xFF)
        r[X] &= 0xFF
        r[Y] &= 0xFF
        r[D] = r[DB] = r[PB] = 0
        r[PC] = self.bus.read(RESET_VECTOR) | (self.bus.read(RESET_VECTOR + 1) << 8)
        r[HALT] = None
        self._switch_mode()

    def _interrupt(self, vectors: tuple[int, int]) -> int:
        r, bus = self._r, self.bus
        if r[HALT] == "stp":
            return 0
        r[HALT] = None
        emulation = bool(r[E])
        status = self.state.p
        if emulation:
            status &= ~0x10  # hardware interrupts push B=0
        pushed = [r[PC] >> 8, r[PC] & 0xFF, status]
        if not emulation:
            pushed.insert(0, r[PB] >> 16)
        s = r[S]
        for value in pushed:
            bus.write(s, value)
            s = ((s - 1) & 0xFF) | 0x100 if emulation else (s - 1) & 0xFFFF
        r[S] = s
        r[P] = (r[P] & ~0x08) | 0x04
        vector = vectors[0 if emulation else 1]
        r[PC] = bus.read(vector) | (bus.read(vector + 1) << 8)
        r[PB] = 0
        self._switch_mode()  # D was cleared
        # The hardware sequence is BRK's without the signature fetch; same count.
        spent = isa_cycles(OPCODES[0x00], emulation=emulation)
        self.cycles += spent
        return spent


def _default_access(bus) -> str:
    if isinstance(bus, FlatBus) and bus.is_plain:
        return "flat"
    if hasattr(bus, "page_tables"):
        return "paged"
    return "bus"


__all__ = ["CPU", "RunResult", "NMI_VECTORS", "IRQ_VECTORS", "RESET_VECTOR"]
