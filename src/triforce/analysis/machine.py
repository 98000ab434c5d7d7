"""The test machine the equivalence checker (and the library tests) run code on.

It follows the benchmark format (``bench/FORMAT.md``): a LoROM image built
from ``lorom`` / ``org $00C000`` / context / ``org $008000`` / the block; a
routine (code with RTS/RTL) is called with a return address that points at an
``STP`` in the highest free ROM byte of the entry bank, pushed as JSR or JSL
would; a straight-line snippet runs until it falls off its end. One
:class:`SnesBus` per program is reused for every run and put back to zero
afterwards, since building a bus (16 MiB of plain memory) costs far more than
a short run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.analysis.source import parse_source
from triforce.diagnostics import Diagnostic, SourceSpan, error
from triforce.isa import MNEMONICS, is_jump, is_return, mnemonics_where
from triforce.isa.queries import jump_for_call, return_for_call, subroutine_return

STP_OPCODE = 0xDB
DEFAULT_STACK = 0x01FF
DEFAULT_BUDGET = 200_000


@dataclass
class Built:
    """An assembled program ready to run."""

    ok: bool
    diagnostics: list[Diagnostic]
    rom: bytes = b""
    entry: int = 0x008000          # 24-bit address of the first instruction
    size: int = 0                  # bytes the block emits (context excluded)
    call: str | None = None        # "jsr", "jsl" or None (straight-line snippet)
    stop_address: int = 0          # where the run ends (the STP)
    labels: dict = field(default_factory=dict)


def canonical(addr: int) -> int:
    """One name for each byte of the machine: low WRAM mirrors -> $7E, banks $80+ of
    the system area -> $00."""
    addr &= 0xFFFFFF
    bank, offset = addr >> 16, addr & 0xFFFF
    if (bank & 0x7F) < 0x40 and offset < 0x2000:
        return 0x7E0000 | offset
    if (bank & 0x7F) < 0x40 and offset < 0x8000:
        return offset
    if bank >= 0x80 and bank not in (0xFE, 0xFF) and offset >= 0x8000:
        return addr & 0x7FFFFF
    return addr


def is_rom(addr: int) -> bool:
    bank, offset = (addr >> 16) & 0xFF, addr & 0xFFFF
    return offset >= 0x8000 and bank not in (0x7E, 0x7F)


def is_routine(source: str) -> tuple[bool, str | None]:
    """(is called and returns, "jsl" when it returns only with RTL else "jsr").

    Code with a return instruction is a routine, and so is code whose last
    instruction jumps away (a tail call: the routine it reaches returns for it);
    anything else is a straight-line snippet that runs off its end.
    """
    instructions = [s for s in parse_source(source) if s.is_instruction]
    mnemonics = {s.mnemonic for s in instructions}
    calls = _calls()
    # RTS/RTL name the call they answer; RTI (or both kinds) is entered like JSR.
    returns = {name for name in mnemonics if subroutine_return(name)}
    if len(returns) == 1:
        (ret,) = returns
        return True, next(c for c in calls if return_for_call(c) == ret).lower()
    if returns or any(name in MNEMONICS and is_return(name) for name in mnemonics):
        return True, _NEAR_CALL
    last = instructions[-1].mnemonic if instructions else ""
    if last in MNEMONICS and is_jump(last):
        # JML is a tail call into a JSL routine; JMP, BRA and BRL stay near.
        return True, next((c for c in calls if jump_for_call(c) == last), _NEAR_CALL).lower()
    return False, None


#: How code that is not tied to a long return is entered.
_NEAR_CALL = "jsr"


def _calls() -> list[str]:
    """The call instructions (JSL, JSR), from the isa."""
    return sorted(mnemonics_where(lambda row: row.flow == "call"))


def external_stubs(*sources: str) -> str:
    """``Name: RTS`` (``RTL`` for JSL/JML targets) for every call or jump target the
    sources name but none of them defines: external routines that return at once,
    so code that calls into the game can still be run."""
    import re

    from triforce.analysis.source import parse_operand

    statements = [s for source in sources for s in parse_source(source)]
    defined = {label for s in statements for label in s.labels}
    # Each call, and the jump that stands for it in tail position, maps to the call
    # whose return the stub must use (JSR/JMP -> RTS, JSL/JML -> RTL).
    call_of = {name: name for name in _calls()} | {jump_for_call(c): c for c in _calls()}
    stubs: dict[str, str] = {}
    for statement in statements:
        if statement.mnemonic in call_of:
            operand = parse_operand(statement)
            name = operand.base
            if operand.kind == "addr" and not operand.indirect and operand.value is None \
                    and re.fullmatch(r"[A-Za-z_]\w*", name) and name not in defined:
                stubs.setdefault(name, return_for_call(call_of[statement.mnemonic]))
    return "".join(f"{name}:\n    {ret}\n" for name, ret in stubs.items())


def _has_origin(source: str) -> bool:
    return any(s.directive in ("org", "freecode", "freedata", "freespace") for s in parse_source(source))


def build(block: str, *, context: str = "", context_org: int = 0x00C000, org: int = 0x008000,
          call: str | None = "auto", filename: str = "<input>", side: str = "code") -> Built:
    """Assemble ``block`` (after ``context``) as the benchmark format does."""
    from triforce.asm import assemble

    if call == "auto":
        routine, call = is_routine(block)
        if not routine:
            call = None
    header = "lorom\n"
    context_part = f"org ${context_org:06X}\n{context}\n" if context.strip() else ""
    block_part = block if _has_origin(block) else f"org ${org:06X}\n{block}"
    # Straight-line code runs until it falls off its end, where this STP waits.
    tail = "" if call else "\nSTP\n"
    source = header + context_part + block_part + "\n" + tail
    context_result = assemble(header + context_part, filename=filename) if context_part else None
    result = assemble(source, filename=filename)
    if not result.ok and context_part:
        alone = assemble(header + block_part + "\n" + tail, filename=filename)
        if alone.ok:
            result, context_result = alone, None
    if not result.ok:
        diags = [d for d in result.diagnostics if d.is_error]
        return Built(False, [error("E001" if side == "original" else "E002",
                                   f"the {side} does not assemble: {diags[0].message if diags else 'error'}",
                                   diags[0].span if diags else SourceSpan(filename))] + list(result.diagnostics))
    context_bytes = sum(len(w.data) for w in context_result.writes) if context_result else 0
    total = sum(len(w.data) for w in result.writes)
    size = total - context_bytes - (0 if call else 1)
    block_lines = [line for line in result.lines if line.data]
    if context_result is not None:
        context_addresses = {line.snes_addr for line in context_result.lines if line.data}
        block_lines = [line for line in block_lines if line.snes_addr not in context_addresses]
    if not block_lines or size <= 0:
        return Built(False, [error("E012", f"the {side} emits no code", SourceSpan(filename))])
    entry = block_lines[0].snes_addr
    rom = bytearray(result.rom)
    if call:
        stop = _free_rom_byte(result, entry)
        if stop is None:
            return Built(False, [error("E011", f"no free ROM byte for the return address in bank ${entry >> 16:02X}")])
        offset = _lorom_offset(stop)
        if len(rom) <= offset:
            rom.extend(bytes(offset + 1 - len(rom)))
        rom[offset] = STP_OPCODE
    else:
        last = block_lines[-1]
        stop = last.snes_addr  # the appended STP is the last emitted line
    return Built(True, list(result.diagnostics), bytes(rom), entry, size, call, stop, dict(result.labels))


def _lorom_offset(addr: int) -> int:
    return ((addr >> 16) & 0x7F) * 0x8000 + (addr & 0x7FFF)


def _free_rom_byte(result, entry: int) -> int | None:
    bank = entry & 0xFF0000
    used: set[int] = set()
    for write in result.writes:
        for i in range(len(write.data)):
            used.add((write.snes_addr + i) & 0xFFFFFF)
    for addr in range(bank | 0xFFFF, bank | 0x7FFF, -1):
        if addr not in used and (addr | 0x800000) not in used and (addr & 0x7FFFFF) not in used:
            return addr
    return None


@dataclass
class EntryState:
    """A starting state in the benchmark's terms (``x_reg`` is the X register)."""

    a: int = 0
    x_reg: int = 0
    y: int = 0
    s: int = DEFAULT_STACK
    d: int = 0
    dbr: int = 0
    p: int = 0                # extra flag bits (N V D I Z C); M/X come from m/x
    m: int = 1
    x: int = 1
    e: int = 0
    ram: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict, *, m: int = 1, x: int = 1, e: int = 0) -> "EntryState":
        ram = {}
        for item in data.get("ram", []) or []:
            ram[canonical(int(item[0]))] = int(item[1]) & 0xFF
        return cls(a=int(data.get("a", 0)) & 0xFFFF, x_reg=int(data.get("x_reg", 0)) & 0xFFFF,
                   y=int(data.get("y", 0)) & 0xFFFF, s=int(data.get("s", DEFAULT_STACK)) & 0xFFFF,
                   d=int(data.get("d", 0)) & 0xFFFF, dbr=int(data.get("dbr", 0)) & 0xFF,
                   p=int(data.get("p", 0)) & 0xCF, m=int(data.get("m", m)) & 1,
                   x=int(data.get("x", x)) & 1, e=int(data.get("e", e)) & 1, ram=ram)

    def to_dict(self) -> dict:
        return {"a": self.a, "x_reg": self.x_reg, "y": self.y, "s": self.s, "d": self.d,
                "dbr": self.dbr, "p": self.p, "m": self.m, "x": self.x, "e": self.e,
                "ram": [[addr, value] for addr, value in sorted(self.ram.items())]}

    def copy(self) -> "EntryState":
        return EntryState(self.a, self.x_reg, self.y, self.s, self.d, self.dbr, self.p,
                          self.m, self.x, self.e, dict(self.ram))


@dataclass
class Outcome:
    """What one run left behind."""

    reason: str                   # "ok", "budget", "wai", "stp", "brk", "cop", ...
    cycles: int
    instructions: int
    a: int = 0
    x: int = 0
    y: int = 0
    s: int = 0
    d: int = 0
    dbr: int = 0
    p: int = 0
    e: int = 0
    writes: dict[int, int] = field(default_factory=dict)   # canonical addr -> final value
    reads: set[int] = field(default_factory=set)           # canonical addrs read (code fetches excluded)
    rom_writes: list[tuple[int, int]] = field(default_factory=list)
    stack_floor: int = 0          # lowest canonical stack byte the run wrote contiguously

    @property
    def finished(self) -> bool:
        return self.reason == "ok"


class _WriteTap:
    """A write page that records each store (address -> value) and passes it on."""

    __slots__ = ("page", "base", "log")

    def __init__(self, page, base: int, log: dict):
        self.page, self.base, self.log = page, base, log

    def __setitem__(self, offset: int, value: int) -> None:
        self.page[offset] = value
        self.log[self.base + offset] = value


class _TappedBus:
    """The SNES bus seen through its pages, with every write page tapped: reads
    run at memory speed, writes are logged (enough for the bulk of the runs;
    the discovery runs record reads too, through a RecordingBus)."""

    def __init__(self, bus):
        from triforce.sim.bus import PAGE_BITS

        self.bus = bus
        self.writes: dict[int, int] = {}
        read_pages, write_pages = bus.page_tables()
        self._pages = (read_pages, [_WriteTap(page, i << PAGE_BITS, self.writes)
                                    for i, page in enumerate(write_pages)])

    def page_tables(self):
        return self._pages

    def read(self, addr: int) -> int:
        return self.bus.read(addr)

    def write(self, addr: int, value: int) -> None:
        self.bus.write(addr, value)
        self.writes[addr & 0xFFFFFF] = value & 0xFF


class Machine:
    """Runs one built program from entry states, on a bus reused between runs."""

    def __init__(self, built: Built, *, budget: int = DEFAULT_BUDGET, hooks=None):
        from triforce.sim import CPU, CPUState, RecordingBus, SnesBus

        self.built = built
        self.budget = budget
        self.bus = SnesBus(built.rom, "lorom")
        for addr16, (read, write) in (hooks or {}).items():
            self.bus.add_hook(addr16, read=read, write=write)
        self.recorder = RecordingBus(self.bus)
        self.tapped = _TappedBus(self.bus)
        self._state_class = CPUState
        # One CPU per access path, kept for all runs: building the handler
        # tables costs more than a short run.
        self.cpu = CPU(self.recorder, CPUState(), access="bus")
        self.fast_cpu = CPU(self.tapped, CPUState(), access="paged")
        self._pages = self.bus.page_tables()   # the untapped pages, for setting up states

    def run(self, state: EntryState, *, record_reads: bool = True) -> Outcome:
        """Run from ``state``. Without ``record_reads`` the run is faster and
        ``Outcome.reads`` stays empty."""
        bus, built = self.bus, self.built
        recorder = self.recorder if record_reads else self.tapped
        read_pages, write_pages = self._pages
        touched = list(state.ram)
        for addr, value in state.ram.items():
            write_pages[addr >> 13][addr & 0x1FFF] = value
        s = state.s
        entry = built.entry
        if built.call == "jsr":
            ret = (built.stop_address - 1) & 0xFFFF
            bus.write(0x7E0000 | s, ret >> 8)
            bus.write(0x7E0000 | ((s - 1) & 0xFFFF), ret & 0xFF)
            touched += [0x7E0000 | s, 0x7E0000 | ((s - 1) & 0xFFFF)]
            s = (s - 2) & 0xFFFF
        elif built.call == "jsl":
            ret = (built.stop_address - 1) & 0xFFFF
            bus.write(0x7E0000 | s, (built.stop_address >> 16) & 0xFF)
            bus.write(0x7E0000 | ((s - 1) & 0xFFFF), ret >> 8)
            bus.write(0x7E0000 | ((s - 2) & 0xFFFF), ret & 0xFF)
            touched += [0x7E0000 | ((s - i) & 0xFFFF) for i in range(3)]
            s = (s - 3) & 0xFFFF
        p = (state.p & 0xCF) | (state.m << 5) | (state.x << 4)
        cpu_state = self._state_class(a=state.a, x=state.x_reg, y=state.y, s=s, d=state.d,
                                      dbr=state.dbr, pbr=entry >> 16, pc=entry & 0xFFFF,
                                      p=p, e=state.e)
        if record_reads:
            recorder.clear()
        else:
            recorder.writes.clear()
        bus.rom_writes.clear()
        cpu = self.cpu if record_reads else self.fast_cpu
        cpu.state = cpu_state
        result = cpu.run(self.budget, stop_at=(built.stop_address,), stop_on=("brk", "cop"))
        reason = "ok" if result.reason == "stop_at" else result.reason
        final = cpu.state
        writes = {}
        for addr in recorder.writes:
            name = canonical(addr)
            if not is_rom(name):
                writes[name] = read_pages[addr >> 13][addr & 0x1FFF]
        reads = {canonical(addr) for addr in recorder.reads} if record_reads else set()
        outcome = Outcome(
            reason=reason, cycles=result.cycles, instructions=result.instructions,
            a=final.a, x=final.x, y=final.y, s=final.s, d=final.d, dbr=final.dbr,
            p=final.p, e=final.e, writes=writes, reads=reads,
            rom_writes=list(bus.rom_writes),
        )
        outcome.stack_floor = _stack_floor(writes, 0x7E0000 | s)
        # Put the bus back to zero for the next run.
        for addr in list(recorder.writes) + touched:
            write_pages[addr >> 13][addr & 0x1FFF] = 0
        bus.rom_writes.clear()
        return outcome


def _stack_floor(writes: dict[int, int], entry_sp: int) -> int:
    """Lowest address of the run of written bytes going down from the entry S:
    the bytes pushes used ("stack scratch", never compared)."""
    addr = entry_sp
    while addr in writes and addr > 0x7E0000:
        addr -= 1
    return addr + 1


__all__ = ["Built", "EntryState", "Machine", "Outcome", "build", "canonical", "external_stubs", "is_rom",
           "is_routine"]
