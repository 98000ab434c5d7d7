"""assemble(disassemble(bytes)) == bytes, with triforce's own assembler.

Seeded random instruction streams cover every opcode at both widths (REP/SEP
in the stream flip M/X as they go), at ROM, RAM and bank-edge addresses, with
and without symbols.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from triforce.disasm import assemble_source, check_listing, disassemble, disassemble_rom, roundtrip
from triforce.disasm.fuzz import random_stream
from triforce.isa import OPCODES


def _assembler_problem() -> str | None:
    try:
        from triforce.asm import assemble
    except ImportError as exc:
        return f"triforce.asm.assemble is not importable: {exc}"
    probe = assemble("lorom\norg $008000\nLDA.w $0010\n")
    if not probe.ok or b"".join(w.data for w in probe.writes) != b"\xAD\x10\x00":
        return "triforce.asm.assemble does not assemble `LDA.w $0010` to AD 10 00 yet"
    return None


@pytest.fixture(scope="module", autouse=True)
def _needs_assembler():
    problem = _assembler_problem()
    if problem:
        pytest.xfail(problem)


def _explain(trip) -> str:
    errors = [d.format() for d in trip.diagnostics if d.is_error][:5]
    if trip.mismatch_offset is None:
        return f"errors: {errors}"
    addr = trip.disassembly.start_addr + trip.mismatch_offset
    near = [i for i in trip.disassembly.instructions if i.addr <= addr < i.addr + i.length]
    return f"first difference at ${addr:06X} in {near[0].text if near else '?'}; errors: {errors}"


@pytest.mark.parametrize("m,x", [(1, 1), (0, 0), (0, 1), (1, 0)])
def test_every_opcode_alone_at_every_width(m, x):
    for opcode, op in enumerate(OPCODES):
        raw = bytes([opcode, 0x81, 0x7F, 0xC3])[:op.length(m, x)]
        [ins] = disassemble(raw, start_addr=0x00A000, m=m, x=x).instructions
        out, diags = assemble_source(ins.to_source())
        assert out == raw, f"{ins.text}: {[d.format() for d in diags][:3]}"


@pytest.mark.parametrize("seed", range(8))
def test_random_streams(seed):
    m, x = seed & 1, (seed >> 1) & 1
    data = random_stream(seed, 600, m=m, x=x)
    trip = roundtrip(data, m=m, x=x)
    assert trip.ok, _explain(trip)


def test_random_bytes_are_a_stream_too():
    rng = random.Random(1234)
    data = bytes(rng.randrange(256) for _ in range(3000))
    trip = roundtrip(data)
    assert trip.ok, _explain(trip)


@pytest.mark.parametrize("start,mapper", [
    (0x808000, "lorom"),      # FastROM mirror
    (0x00FF00, "lorom"),      # branches wrap round the bank's end; the listing runs on into bank $01
    (0x7E2000, None),         # WRAM code: assembled with base
    (0xC00000, "hirom"),
    (0x400000, "hirom"),
    (0x008000, "sa1"),
    (0x018000, "sfxrom"),
    (0x408000, "exlorom"),
    (0x400000, "exhirom"),
    (0x123456, "norom"),
])
def test_streams_at_other_addresses_and_mappers(start, mapper):
    length = 0x600
    data = random_stream(start, 2000, start_addr=start)[:length]
    trip = roundtrip(data, start_addr=start, mapper=mapper)
    assert trip.ok, _explain(trip)


def test_streams_with_symbols():
    rng = random.Random(7)
    # Leave out PLD/TCD/PLB/MVN/MVP so that the D and DB given below stay known.
    data = random_stream(7, 500, exclude=frozenset({0x2B, 0x5B, 0xAB, 0x54, 0x44}))
    plain = disassemble(data)
    symbols: dict[int, str] = {}
    for n, ins in enumerate(plain.instructions):
        if ins.target is not None and rng.random() < 0.5:
            symbols.setdefault(ins.target, f"sym_{n}")
        if rng.random() < 0.1:
            symbols.setdefault(ins.addr, f"here_{n}")
    for low in range(0, 0x2000, 0x40):
        symbols.setdefault(0x7E0000 | low, f"ram_{low:04X}")
    dis = disassemble(data, symbols=symbols, d=0, db=0x7E)
    assert sum(1 for i in dis.instructions if i.label and i.label.startswith(("sym_", "ram_"))) > 20
    assert any(i.label_offset for i in dis.instructions)  # ram_0040+2 and the like
    trip = check_listing(dis)
    assert trip.ok, _explain(trip)


def test_rom_listing_round_trips():
    rom = bytearray(0x40000)
    for bank in range(8):
        chunk = random_stream(100 + bank, 3000)[:0x8000]
        rom[bank * 0x8000:bank * 0x8000 + len(chunk)] = chunk
    for at in (0x008000, 0x038123, 0x87C000):
        dis = disassemble_rom(bytes(rom), at, count=400)
        assert dis.ok
        trip = check_listing(dis)
        assert trip.ok, _explain(trip)


def test_mismatch_is_reported():
    dis = disassemble(bytes.fromhex("A912EA"))
    # A listing whose text no longer matches its bytes: NOP assembles to EA, not 34.
    dis.instructions[1] = replace(dis.instructions[1], raw=b"\x34")
    trip = check_listing(dis)
    assert not trip.ok and trip.mismatch_offset == 2
    assert "D403" in [d.code for d in trip.diagnostics]


def test_source_that_does_not_assemble_is_reported():
    out, diags = assemble_source("lorom\norg $008000\nLDA.q $12\n")
    assert out is None and "D402" in [d.code for d in diags]


@pytest.mark.parametrize("start,raw,target", [
    (0x00FFF0, "8020", 0x000012),      # BRA forward past the bank's end
    (0x00FFF0, "820070", 0x006FF3),    # BRL likewise
    (0x7E0010, "80BE", 0x7EFFD0),      # BRA backward past the bank's start (WRAM code)
    (0x808000, "62F07F", 0x80FFF3),    # PER
])
def test_branches_that_wrap_round_the_bank(start, raw, target):
    data = bytes.fromhex(raw)
    [ins] = disassemble(data, start_addr=start).instructions
    assert ins.target == target
    trip = roundtrip(data, start_addr=start)
    assert trip.ok, _explain(trip)


def test_long_listings_are_split_where_asar_needs_a_new_org():
    # 34 KiB of WRAM code: more than one LoROM bank of ROM to assemble it in.
    # (Structure only: assembling 34K lines would make this test slow; the bank
    # crossing itself is assembled above, at $00FF00.)
    listing = disassemble(b"\xEA" * 0x8800, start_addr=0x7EFC00).to_source(comments=False)
    placements = [line for line in listing.splitlines() if line.startswith(("org", "base"))]
    assert placements == ["org $808000", "base $7EFC00", "org $818000", "base $7F0000",
                          "org $828000", "base $7F8000"]
