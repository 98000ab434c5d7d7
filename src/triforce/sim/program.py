"""Loading a program onto a bus and running it from a start address.

What ``triforce asm run`` does, as a library:

- a raw binary goes to ``load`` (default $008000) on a :class:`FlatBus`
  (``mapper="flat"``, every address plain RAM) or through the SNES map
  (``"lorom"``/``"hirom"``: the bytes are poked through :class:`SnesBus`, ROM
  areas included);
- an asar source is assembled with :func:`triforce.asm.assemble`; its ROM
  image sits on a :class:`SnesBus` (LoROM unless ``mapper`` says otherwise,
  ``flat`` puts each written block at its SNES address on a FlatBus). The
  default start is the first byte the source wrote.
The CPU starts in emulation mode (S=$01FF, P=$34, other registers 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from triforce.diagnostics import Diagnostic, error
from triforce.sim.bus import FlatBus, SnesBus
from triforce.sim.cpu import CPU, RunResult
from triforce.sim.state import CPUState

DEFAULT_LOAD = 0x008000
MAPS = ("flat", "lorom", "hirom")

NO_ASSEMBLER = "S301"     # sources need triforce.asm
ASSEMBLY_FAILED = "S302"  # the source has errors
EMPTY_PROGRAM = "S303"    # nothing to run

_ADDRESS = re.compile(
    r"^(?:\$(?P<dollar>[0-9a-f]{1,2}:[0-9a-f]{1,4}|[0-9a-f]{1,6})"
    r"|0x(?P<hex>[0-9a-f]{1,6})|(?P<suffix>[0-9a-f]{1,6})h|(?P<dec>\d+))$",
    re.IGNORECASE,
)


def parse_address(text: str) -> int:
    """``$008000``, ``$00:8000``, ``0x8000``, ``8000h`` or decimal; ValueError otherwise."""
    match = _ADDRESS.match(text.strip())
    if not match:
        raise ValueError(f"not an address: {text!r} (use $008000, 0x8000, 8000h or decimal)")
    dollar = match.group("dollar")
    if dollar is not None:
        bank, _, offset = dollar.rpartition(":")
        value = (int(bank, 16) << 16 if bank else 0) | int(offset, 16)
    elif match.group("hex") is not None:
        value = int(match.group("hex"), 16)
    elif match.group("suffix") is not None:
        value = int(match.group("suffix"), 16)
    else:
        value = int(match.group("dec"))
    if value > 0xFFFFFF:
        raise ValueError(f"address {text!r} is beyond 24 bits")
    return value


@dataclass
class LoadedProgram:
    bus: object = None
    start: int = DEFAULT_LOAD
    size: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.bus is not None and not any(d.is_error for d in self.diagnostics)


def load_binary(data: bytes, load: int = DEFAULT_LOAD, mapper: str = "flat") -> LoadedProgram:
    if mapper not in MAPS:
        raise ValueError(f"unknown map {mapper!r}; expected one of {MAPS}")
    if not data:
        return LoadedProgram(diagnostics=[error(EMPTY_PROGRAM, "the binary is empty")])
    bus = FlatBus() if mapper == "flat" else SnesBus(b"", mapper)
    bus.load(load, data)
    return LoadedProgram(bus, load, len(data))


def load_source(text: str, *, filename: str = "<input>", mapper: str = "lorom") -> LoadedProgram:
    if mapper not in MAPS:
        raise ValueError(f"unknown map {mapper!r}; expected one of {MAPS}")
    try:
        from triforce.asm import assemble
    except ImportError:
        return LoadedProgram(diagnostics=[error(
            NO_ASSEMBLER, "running a source needs the assembler (triforce.asm); use --bin for a binary")])
    result = assemble(text, filename=filename)
    diagnostics = list(result.diagnostics)
    if not result.ok:
        diagnostics.append(error(ASSEMBLY_FAILED, "the source did not assemble"))
        return LoadedProgram(diagnostics=diagnostics)
    if not result.writes:
        diagnostics.append(error(EMPTY_PROGRAM, "the source emits no bytes"))
        return LoadedProgram(diagnostics=diagnostics)
    if mapper == "flat":
        bus = FlatBus()
        for write in result.writes:
            bus.load(write.snes_addr, write.data)
    else:
        bus = SnesBus(result.rom, mapper)
    size = sum(len(w.data) for w in result.writes)
    return LoadedProgram(bus, result.writes[0].snes_addr, size, diagnostics)


def make_cpu(program: LoadedProgram, start: int | None = None) -> CPU:
    """A CPU on the program's bus, in emulation mode at ``start`` (default: the program's)."""
    entry = program.start if start is None else start
    return CPU(program.bus, CPUState(pc=entry & 0xFFFF, pbr=(entry >> 16) & 0xFF))


def run_program(program: LoadedProgram, start: int | None = None,
                max_instructions: int = 1_000_000) -> tuple[RunResult, CPUState]:
    """Run until STP, WAI or the budget; the result and the final registers."""
    cpu = make_cpu(program, start)
    result = cpu.run(max_instructions)
    return result, cpu.state
