"""The declared instruction effects agree with the simulator and the oracle vectors.

For every opcode, in native mode with each M/X width and in emulation mode,
from random states, one instruction runs and:
- every register and flag the table does not declare written is unchanged;
- constant flags (CLC, SEI, REP/SEP bits...) hold their declared values;
- S moves by exactly the declared stack delta, and only stack bytes are written;
- PC lands on the next instruction (or the branch target when the condition holds);
- changing a register the table does not declare read changes nothing else.
The hardware-derived vectors in ``cpu65816/oracle/v1`` are checked the same way.
"""

from __future__ import annotations

import gzip
import json
import random

import pytest

from triforce.isa import (
    BRANCHES,
    EFFECTS,
    MNEMONICS,
    OPCODES,
    Mode,
    by_mnemonic,
    effects,
    is_return,
    stack_bytes,
    stack_delta,
)
from triforce.isa.semantics import (
    CLEARED,
    FLAGS,
    OPERAND_CLEARS,
    OPERAND_SETS,
    SET,
    mode_reads,
)
from triforce.sim import CPU, CPUState

FLAG_BITS = dict(zip("NVMXDIZC", (0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01), strict=True))
CONFIGS = [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (1, 1, 1)]   # (e, m, x)
STATES_PER_CONFIG = 8
PERTURBED = ("A", "B", "X", "Y", "D", "DBR")


class HashedBus:
    """A 16 MiB bus whose unwritten bytes are a fixed hash of the address and a seed,
    so two runs from the same seed see the same memory; writes are logged."""

    def __init__(self) -> None:
        self.seed = 0
        self.cells: dict[int, int] = {}
        self.writes: list[tuple[int, int]] = []

    def reset(self, seed: int) -> None:
        self.seed = seed
        self.cells.clear()
        self.writes.clear()

    def read(self, addr: int) -> int:
        addr &= 0xFFFFFF
        value = self.cells.get(addr)
        if value is None:
            value = ((addr ^ self.seed) * 0x9E3779B1 >> 11) & 0xFF
        return value

    def write(self, addr: int, value: int) -> None:
        self.cells[addr & 0xFFFFFF] = value & 0xFF
        self.writes.append((addr & 0xFFFFFF, value & 0xFF))


def test_every_mnemonic_has_one_row():
    assert set(EFFECTS) == set(MNEMONICS) and len(EFFECTS) == 92


def test_table_facts():
    assert effects("CLC").flags == {"C": CLEARED} and effects("SEC").flags == {"C": SET}
    assert effects("REP").flags["M"] == OPERAND_CLEARS and effects("SEP").flags["X"] == OPERAND_SETS
    assert effects("BNE").condition == ("Z", 0) and effects("BCS").condition == ("C", 1)
    assert effects("ASL", Mode.ACC).writes == {"A"} and effects("ASL", Mode.DP).writes == frozenset()
    assert effects("ASL", Mode.DP).writes_memory and "D" in effects("ASL", Mode.DP).reads
    assert effects(OPCODES[0x89]).flags.keys() == {"Z"}           # BIT #imm
    assert [stack_delta("PHA", m=m) for m in (1, 0)] == [-1, -2]
    assert stack_delta("PHX", x=0) == -2 and stack_delta("PHX", x=0, emulation=True) == -1
    assert stack_bytes("JSL") == (3, 0) and stack_delta("PEA") == -2 and stack_delta("PHK") == -1
    assert stack_delta("BRK") == -4 and stack_delta("BRK", emulation=True) == -3
    assert stack_delta("RTI") == 4 and stack_delta("RTL") == 3 and is_return("rts")
    assert not effects("JMP").falls_through and effects("BRK").falls_through
    assert effects("WAI").falls_through and not effects("STP").falls_through


EDGE_VALUES = (0x0000, 0x00FF, 0x0100, 0x7FFF, 0x8000, 0xFF00, 0xFFFF)


def _value(rng: random.Random) -> int:
    """A 16-bit value, edges (carries, wraps, signs) 40% of the time."""
    return rng.choice(EDGE_VALUES) if rng.random() < 0.4 else rng.randrange(0x10000)


def test_control_flow_columns_agree():
    """PC is declared written exactly when control can go elsewhere; PBR when it can
    change bank; every conditional branch names its flag."""
    for name, row in EFFECTS.items():
        elsewhere = row.flow not in ("next", "wait", "halt")
        block_move = set(by_mnemonic(name)) == {Mode.BLOCK}
        assert ("PC" in row.writes) == (elsewhere or block_move), name
        long_forms = {Mode.LONG, Mode.ABS_IND_L} & set(by_mnemonic(name))
        if "PBR" in row.writes:
            assert long_forms or row.flow in ("return", "interrupt"), name
        assert (row.flow == "branch") == (row.condition is not None), name
        assert (row.flow == "branch") == (name in BRANCHES and name != "BRA"), name


def _random_state(rng: random.Random, e: int, m: int, x: int, fixed: int | None = None) -> CPUState:
    """A random state; ``fixed`` pins A, X and Y to one edge value (wraps every time)."""
    p = rng.randrange(256) & ~0x30 | (m << 5) | (x << 4)
    a, x_reg, y = (fixed, fixed, fixed) if fixed is not None else (_value(rng), _value(rng), _value(rng))
    return CPUState(
        a=a, x=x_reg, y=y,
        s=(0x100 | rng.randrange(256)) if e else rng.randrange(0x10000),
        d=rng.choice((0, rng.randrange(0x10000))), dbr=rng.randrange(256),
        pbr=rng.randrange(256), pc=rng.randrange(0x10000), p=p, e=e,
    ).normalized()


def _execute(cpu: CPU, bus: HashedBus, seed: int, opcode: int, state: CPUState):
    bus.reset(seed)
    bus.cells[state.pc24] = opcode
    cpu.state = state
    cpu.step()
    return cpu.state, list(bus.writes), cpu.halted


def _register(state: CPUState, name: str) -> int:
    return {"A": state.a & 0xFF, "B": state.a >> 8, "X": state.x, "Y": state.y, "S": state.s,
            "D": state.d, "DBR": state.dbr, "PBR": state.pbr, "PC": state.pc}[name]


def _perturb(state: CPUState, name: str, rng: random.Random) -> CPUState:
    other = state.copy()
    flip = rng.randrange(1, 256)
    if name == "A":
        other.a ^= flip
    elif name == "B":
        other.a ^= flip << 8
    elif name in ("X", "Y"):
        setattr(other, name.lower(), getattr(other, name.lower()) ^ (flip << (8 * rng.randrange(2))))
    elif name == "D":
        other.d ^= flip << (8 * rng.randrange(2))
    else:
        other.dbr ^= flip
    return other.normalized()


def _read_sets(fx, m: int) -> set[str]:
    reads = set(fx.reads)
    if "C" in reads or ("A" in reads and m == 0):
        reads |= {"A", "B"}
    return reads


def _written_registers(fx, m: int) -> set[str]:
    writes = set(fx.writes)
    if "C" in writes or ("A" in writes and m == 0):
        writes |= {"A", "B"}
    return writes


def _check_step(op, fx, before: CPUState, after: CPUState, *, read, writes, halted,
                where: str) -> None:
    """``read(addr24)`` gives the memory the instruction saw; ``writes`` its
    bus writes (None: unknown); ``halted`` whether the CPU stopped or waits."""
    e, m, x = before.e, before.m, before.xf
    length = op.length(m, x)
    written = _written_registers(fx, m)
    for name in ("A", "B", "X", "Y", "S", "D", "DBR", "PBR"):
        if name not in written:
            assert _register(after, name) == _register(before, name), f"{where}: {name} changed"
    operand = read((before.pbr << 16) | ((before.pc + 1) & 0xFFFF))   # REP/SEP's, a branch's
    for flag, bit in FLAG_BITS.items():
        kind = fx.flags.get(flag)
        old, new = before.p & bit, after.p & bit
        if kind is None:
            assert new == old, f"{where}: flag {flag} changed"
        elif kind in (CLEARED, SET):
            assert new == (bit if kind == SET else 0), f"{where}: flag {flag} not {kind}"
        elif kind in (OPERAND_CLEARS, OPERAND_SETS) and not (e and flag in "MX"):
            named = operand & bit
            expect = (bit if kind == OPERAND_SETS else 0) if named else old
            assert new == expect, f"{where}: flag {flag} ignores the operand"
    if "E" not in fx.flags:
        assert after.e == before.e, f"{where}: E changed"
    pushed, pulled = stack_bytes(op, m, x, bool(e))
    if pushed or pulled:
        delta = stack_delta(op, m, x, bool(e))
        expect = (before.s + delta) & 0xFFFF
        if e:
            expect = 0x100 | (expect & 0xFF)
        assert after.s == expect, f"{where}: S moved {after.s - before.s}, declared {delta}"
    nxt = (before.pc + length) & 0xFFFF
    repeats = fx.flow == "next" and "PC" in fx.writes     # MVN/MVP: once per byte moved
    if repeats:
        assert after.pc in (before.pc, nxt), f"{where}: block move PC"
    elif fx.flow in ("next", "wait", "halt"):
        assert (after.pbr, after.pc) == (before.pbr, nxt), f"{where}: PC not at the next instruction"
    if fx.flow == "branch":
        flag, value = fx.condition
        taken = bool(before.p & FLAG_BITS[flag]) == bool(value)
        if op.mode is Mode.REL8:
            target = (nxt + operand - (256 if operand & 0x80 else 0)) & 0xFFFF
            assert after.pc == (target if taken else nxt), f"{where}: branch went wrong way"
    assert halted == (fx.flow in ("wait", "halt")), f"{where}: halt state"
    if writes is not None and not fx.writes_memory and not repeats:
        assert len(writes) == pushed, f"{where}: {len(writes)} bytes written, {pushed} pushed"
        assert all(addr >> 16 == 0 for addr, _ in writes), f"{where}: push outside bank 0"


def test_simulator_agrees_with_declared_effects():
    bus = HashedBus()
    cpu = CPU(bus, access="bus")
    rng = random.Random(816)
    checked = perturbed = 0
    observed: dict[str, set[str]] = {name: set() for name in EFFECTS}   # what really changed
    observed_reads: dict[str, set[str]] = {name: set() for name in EFFECTS}
    for op in OPCODES:
        fx = effects(op)
        for e, m, x in CONFIGS:
            for index in range(STATES_PER_CONFIG):
                seed = rng.randrange(1 << 24)
                before = _random_state(rng, e, m, x, (0x0000, 0xFFFF, None)[min(index, 2)])
                after, writes, halted = _execute(cpu, bus, seed, op.opcode, before)
                where = f"{op.opcode:02X} {op.mnemonic} {op.mode.value} e={e} m={m} x={x}"
                bus.reset(seed)   # restore the memory the checks read operands from
                _check_step(op, fx, before, after, read=bus.read, writes=writes,
                            halted=halted is not None, where=where)
                checked += 1
                changes = _changes(before, after, op.length(before.m, before.xf))
                observed[op.mnemonic] |= changes
                if before.m and "B" in changes:
                    observed[op.mnemonic].add("C")     # all 16 bits, even with an 8-bit A
                reads = _read_sets(fx, before.m)
                for name in PERTURBED:
                    other = _perturb(before, name, rng)
                    if _register(other, name) == _register(before, name):
                        continue
                    after2, writes2, _ = _execute(cpu, bus, seed, op.opcode, other)
                    differs = _differences(after, writes, after2, writes2, ignore=name)
                    if name in reads:
                        if differs and name not in mode_reads(op):
                            observed_reads[op.mnemonic].add(name)
                            if name == "B" and before.m:
                                observed_reads[op.mnemonic].add("C")
                    else:
                        assert not differs, f"{where}: {name} not declared read, {differs} differ"
                        perturbed += 1
    assert checked == 256 * len(CONFIGS) * STATES_PER_CONFIG and perturbed > checked
    # The converse: nothing is declared read or written that never matters.
    for name, row in EFFECTS.items():
        declared = {"A", "B"} if row.reads & {"A", "C", "@"} else set()
        declared |= row.reads & {*PERTURBED, "C"}
        assert declared <= observed_reads[name], f"{name}: declared read, never mattered: " \
            f"{declared - observed_reads[name]}"
    # The converse: nothing is declared written that never changes (no blanket declarations).
    for name, row in EFFECTS.items():
        declared = {"A", "B"} if row.writes & {"A", "C", "@"} else set()
        declared |= (row.writes - {"A", "@"}) | set(row.flags)
        assert declared <= observed[name], f"{name}: declared but never seen: {declared - observed[name]}"


def _differences(after, writes, after2, writes2, *, ignore: str) -> list[str]:
    """What differs between two runs' outcomes, leaving out the perturbed register."""
    differs = [reg for reg in ("A", "B", "X", "Y", "S", "D", "DBR", "PBR", "PC")
               if reg != ignore and _register(after2, reg) != _register(after, reg)]
    if (after2.p, after2.e) != (after.p, after.e):
        differs.append("flags")
    if writes2 != writes:
        differs.append("memory writes")
    return differs


def _changes(before: CPUState, after: CPUState, length: int) -> set[str]:
    changed = {name for name in ("A", "B", "X", "Y", "S", "D", "DBR", "PBR")
               if _register(after, name) != _register(before, name)}
    changed |= {flag for flag, bit in FLAG_BITS.items() if (after.p ^ before.p) & bit}
    if after.e != before.e:
        changed.add("E")
    if after.pc != (before.pc + length) & 0xFFFF:
        changed.add("PC")
    return changed


def test_oracle_vectors_agree_with_declared_effects(shared):
    """Initial vs final registers of the hardware-derived vectors: nothing undeclared moves."""
    files = sorted((shared / "cpu65816" / "oracle" / "v1").glob("*.json.gz"))
    assert len(files) == 512
    total = 0
    for path in files:
        for test in json.loads(gzip.decompress(path.read_bytes())):
            init, final = test["initial"], test["final"]
            ram = dict(init["ram"])
            op = OPCODES[ram[(init["pbr"] << 16) | init["pc"]]]
            fx = effects(op)
            before = CPUState.from_dict(init).normalized()
            after = CPUState.from_dict(final)
            # The vectors list no bus writes of unchanged bytes, nor a halt flag.
            _check_step(op, fx, before, after, read=lambda addr, ram=ram: ram.get(addr, 0), writes=None,
                        halted=fx.flow in ("wait", "halt"), where=test["name"])
            total += 1
    assert total > 10_000


@pytest.mark.parametrize("flag", FLAGS)
def test_every_flag_has_a_writer(flag):
    assert any(flag in row.flags for row in EFFECTS.values())
