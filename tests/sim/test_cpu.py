"""Behaviour the single-instruction vectors cover thinly: decimal mode, page
crossing, the emulation-mode stack, multi-byte block moves, interrupts, budgets."""

from __future__ import annotations

import pytest

from triforce.sim import CPU, CPUState, FlatBus

NATIVE_8 = 0x30    # P with M=1, X=1
NATIVE_16 = 0x00   # P with M=0, X=0


def machine(code: bytes, *, at: int = 0x8000, **regs):
    bus = FlatBus()
    bus.load(at, code)
    regs.setdefault("e", 0)
    regs.setdefault("p", NATIVE_8)
    cpu = CPU(bus, CPUState(pc=at & 0xFFFF, pbr=at >> 16, **regs))
    return cpu, bus


def flags(cpu) -> str:
    p = cpu.state.p
    return "".join(ch for ch, bit in zip("NVMXDIZC", (128, 64, 32, 16, 8, 4, 2, 1)) if p & bit)


# -- decimal mode -------------------------------------------------------------------
@pytest.mark.parametrize("a,operand,carry,result,carry_out", [
    (0x09, 0x01, 0, 0x10, 0),
    (0x99, 0x01, 0, 0x00, 1),
    (0x45, 0x55, 1, 0x01, 1),
    (0x79, 0x00, 1, 0x80, 0),
])
def test_adc_decimal_8bit(a, operand, carry, result, carry_out):
    cpu, _ = machine(bytes([0x69, operand]), a=a, p=NATIVE_8 | 0x08 | carry)
    assert cpu.step() == 2
    assert cpu.state.a == result and cpu.state.p & 1 == carry_out


def test_adc_decimal_overflow_flag_follows_the_binary_high_nibble():
    cpu, _ = machine(bytes([0x69, 0x00]), a=0x79, p=NATIVE_8 | 0x08 | 1)
    cpu.step()
    assert cpu.state.a == 0x80 and "V" in flags(cpu) and "N" in flags(cpu)


@pytest.mark.parametrize("a,operand,carry,result,carry_out", [
    (0x10, 0x01, 1, 0x09, 1),
    (0x00, 0x01, 1, 0x99, 0),
    (0x50, 0x25, 0, 0x24, 1),
])
def test_sbc_decimal_8bit(a, operand, carry, result, carry_out):
    cpu, _ = machine(bytes([0xE9, operand]), a=a, p=NATIVE_8 | 0x08 | carry)
    cpu.step()
    assert cpu.state.a == result and cpu.state.p & 1 == carry_out


def test_decimal_16bit_carries_through_four_digits():
    # CLC; ADC #$8766 with A=$1234 -> $0000 carry; then SEC; SBC #$0001 -> $9999 borrow
    cpu, _ = machine(bytes([0x18, 0x69, 0x66, 0x87, 0x38, 0xE9, 0x01, 0x00]),
                     a=0x1234, p=NATIVE_16 | 0x08)
    assert [cpu.step(), cpu.step()] == [2, 3]
    assert cpu.state.a == 0x0000 and flags(cpu).endswith("ZC")
    cpu.step()
    cpu.step()
    assert cpu.state.a == 0x9999 and not cpu.state.p & 1


def test_sed_cld_and_interrupts_switch_the_arithmetic():
    # SED ; CLC ; ADC #$05 ; CLD ; CLC ; ADC #$05 ; STP   ($05 + $05 = $10 decimal, + 5 binary)
    cpu, _ = machine(bytes([0xF8, 0x18, 0x69, 0x05, 0xD8, 0x18, 0x69, 0x05, 0xDB]), a=0x05)
    assert cpu.run(20).reason == "stp" and cpu.state.a == 0x15
    # SED ; BRK -> handler CLC ; ADC #$09 ; STP: BRK clears D, so the add is binary
    cpu, bus = machine(bytes([0xF8, 0x00, 0x00]), a=0x01)
    bus.load(0xFFE6, bytes([0x00, 0x90]))
    bus.load(0x9000, bytes([0x18, 0x69, 0x09, 0xDB]))
    assert cpu.run(20).reason == "stp" and cpu.state.a == 0x0A
    # the same through nmi() from outside the run
    cpu, bus = machine(bytes([0xF8, 0xDB]), a=0x01)
    bus.load(0xFFEA, bytes([0x00, 0x90]))
    bus.load(0x9000, bytes([0x18, 0x69, 0x09, 0xDB]))
    cpu.step()
    cpu.nmi()
    assert cpu.run(20).reason == "stp" and cpu.state.a == 0x0A


def test_binary_adc_sets_overflow_and_keeps_b():
    cpu, _ = machine(bytes([0x69, 0x01]), a=0xAB7F, p=NATIVE_8)
    cpu.step()
    assert cpu.state.a == 0xAB80 and "V" in flags(cpu) and "N" in flags(cpu)


# -- page crossing ------------------------------------------------------------------
@pytest.mark.parametrize("x_reg,p,expected", [
    (0x00, NATIVE_8, 4),    # same page
    (0x01, NATIVE_8, 5),    # $10FF + 1 crosses
    (0x00, 0x20, 5),        # 16-bit index always pays
])
def test_absolute_indexed_read_page_cross(x_reg, p, expected):
    cpu, _ = machine(bytes([0xBD, 0xFF, 0x10]), x=x_reg, p=p)  # LDA $10FF,X
    assert cpu.step() == expected


def test_indirect_indexed_read_page_cross_and_store_always_pays():
    cpu, bus = machine(bytes([0xB1, 0x20, 0x91, 0x20]), y=0x10)  # LDA ($20),Y ; STA ($20),Y
    bus.load(0x20, bytes([0xF8, 0x30]))                          # pointer $30F8 -> $3108
    bus.write(0x3108, 0x5A)
    assert cpu.step() == 6
    assert cpu.state.a == 0x5A
    assert cpu.step() == 6
    bus.load(0x20, bytes([0x00, 0x30]))
    cpu.state = CPUState(pc=0x8000, p=NATIVE_8, y=0x10, e=0)
    assert cpu.step() == 5


def test_direct_page_low_byte_costs_a_cycle():
    cpu, _ = machine(bytes([0xA5, 0x10, 0xA5, 0x10]), d=0x0001)
    assert cpu.step() == 4
    cpu.state = CPUState(pc=0x8000, p=NATIVE_8, e=0, d=0x0100)
    assert cpu.step() == 3


@pytest.mark.parametrize("e,at,expected", [
    (1, 0x80F0, 4),   # emulation, taken across a page: +1 +1
    (0, 0x80F0, 3),   # native never pays the page cross
    (1, 0x8010, 3),   # emulation, same page
])
def test_branch_taken_cycles(e, at, expected):
    cpu, _ = machine(bytes([0x80, 0x20]), at=at, e=e, p=0x34)
    assert cpu.step() == expected
    assert cpu.state.pc == (at + 2 + 0x20) & 0xFFFF


def test_branch_not_taken():
    cpu, _ = machine(bytes([0xF0, 0x20]), p=NATIVE_8)  # BEQ with Z clear
    assert cpu.step() == 2 and cpu.state.pc == 0x8002


# -- emulation-mode stack ---------------------------------------------------------------
def test_emulation_push_and_pull_wrap_inside_page_one():
    cpu, bus = machine(bytes([0x48, 0x68]), e=1, p=0x34, a=0x42, s=0x0100)  # PHA ; PLA
    cpu.step()
    assert bus.read(0x0100) == 0x42 and cpu.state.s == 0x01FF
    cpu.state = CPUState(pc=0x8001, e=1, p=0x34, s=0x01FF)
    cpu.step()
    assert cpu.state.a == 0x42 and cpu.state.s == 0x0100


def test_emulation_pea_leaves_page_one_during_the_instruction():
    cpu, bus = machine(bytes([0xF4, 0x34, 0x12]), e=1, p=0x34, s=0x0100)  # PEA $1234
    cpu.step()
    assert bus.read(0x0100) == 0x12 and bus.read(0x00FF) == 0x34
    assert cpu.state.s == 0x01FE


def test_emulation_forces_stack_page_and_widths_on_load():
    cpu, _ = machine(b"", e=1, p=0x04, s=0x3456, x=0x1234)
    st = cpu.state
    assert st.s == 0x0156 and st.p & 0x30 == 0x30 and st.x == 0x34


def test_xce_and_sep_width_rules():
    # REP #$30 ; LDX #$1234 ; SEP #$10 ; SEC ; XCE
    cpu, _ = machine(bytes([0xC2, 0x30, 0xA2, 0x34, 0x12, 0xE2, 0x10, 0x38, 0xFB]), s=0x1FF0)
    cpu.step()
    cpu.step()
    assert cpu.state.x == 0x1234
    cpu.step()
    assert cpu.state.x == 0x34 and cpu.state.xf == 1 and cpu.state.m == 0
    cpu.step()
    cpu.step()
    st = cpu.state
    assert st.e == 1 and st.m == 1 and st.s == 0x01F0 and st.p & 1 == 0
    assert cpu.mode_index == 8  # the emulation table (D clear)


# -- block moves ---------------------------------------------------------------------------
def test_mvn_moves_every_byte_seven_cycles_each():
    # MVN $7E,$7F (asar order: source bank, destination bank -> bytes dest, src) ; STP
    cpu, bus = machine(bytes([0x54, 0x7F, 0x7E, 0xDB]), p=NATIVE_16, a=4, x=0x1000, y=0x2000)
    bus.load(0x7E1000, b"hello")
    result = cpu.run(100)
    assert result.reason == "stp"
    assert bytes(bus.memory[0x7F2000:0x7F2005]) == b"hello"
    st = cpu.state
    assert (st.a, st.x, st.y, st.dbr) == (0xFFFF, 0x1005, 0x2005, 0x7F)
    assert result.instructions == 6 and result.cycles == 5 * 7 + 3


def test_mvp_moves_downwards_with_8bit_index_wrap():
    cpu, bus = machine(bytes([0x44, 0x00, 0x00, 0xDB]), p=NATIVE_8 & ~0x20, a=2, x=0x01, y=0x81)
    bus.load(0x0000, bytes([0xA1, 0xB2, 0xC3]))
    bus.write(0x00FF, 0xEE)
    cpu.run(10)
    assert bus.read(0x81) == 0xB2 and bus.read(0x80) == 0xA1 and bus.read(0x7F) == 0xEE
    assert (cpu.state.x, cpu.state.y) == (0xFE, 0x7E)


# -- interrupts ---------------------------------------------------------------------------------
def _vectors(bus):
    for vector, target in ((0xFFEA, 0x9000), (0xFFEE, 0x9100), (0xFFE6, 0x9200), (0xFFE4, 0x9300),
                           (0xFFFA, 0xA000), (0xFFFE, 0xA100), (0xFFF4, 0xA300)):
        bus.load(vector, target.to_bytes(2, "little"))


def test_nmi_native_pushes_bank_and_rti_returns():
    cpu, bus = machine(b"", at=0x128000, p=NATIVE_8 | 0x08, s=0x1FFF)
    _vectors(bus)
    bus.write(0x9000, 0x40)  # RTI
    assert cpu.nmi() == 8
    st = cpu.state
    assert (st.pbr, st.pc, st.s) == (0, 0x9000, 0x1FFB)
    assert st.p & 0x04 and not st.p & 0x08
    assert bytes(bus.memory[0x1FFC:0x2000]) == bytes([NATIVE_8 | 0x08, 0x00, 0x80, 0x12])
    assert cpu.step() == 7
    st = cpu.state
    assert (st.pbr, st.pc, st.s, st.p) == (0x12, 0x8000, 0x1FFF, NATIVE_8 | 0x08)


def test_nmi_emulation_pushes_b_clear_and_rti_returns():
    cpu, bus = machine(b"", e=1, p=0x34 & ~0x04, s=0x01FF)
    _vectors(bus)
    bus.write(0xA000, 0x40)
    assert cpu.nmi() == 7
    assert cpu.state.pc == 0xA000 and cpu.state.s == 0x01FC
    assert bus.read(0x01FD) == 0x20  # B (bit 4) clear in the pushed status
    assert cpu.step() == 6
    assert cpu.state.pc == 0x8000 and cpu.state.s == 0x01FF


@pytest.mark.parametrize("e,cycles,target", [(0, 8, 0x9100), (1, 7, 0xA100)])
def test_irq_respects_i_flag(e, cycles, target):
    p = 0x34 if e else NATIVE_8 | 0x04
    cpu, bus = machine(bytes([0x40]), e=e, p=p, s=0x01FF)  # handler target unused; RTI at $8000
    _vectors(bus)
    bus.write(target, 0x40)  # RTI
    assert cpu.irq() == 0 and cpu.state.pc == 0x8000
    cpu.state = CPUState(pc=0x8000, p=p & ~0x04, e=e, s=0x01FF)
    assert cpu.irq() == cycles and cpu.state.pc == target and cpu.state.p & 0x04
    pushed_p = bus.read(0x01FD) if e else bus.read(0x01FC)
    assert pushed_p & 0x04 == 0 and (not e or pushed_p & 0x10 == 0)
    cpu.step()  # RTI restores the I flag that was clear
    assert cpu.state.pc == 0x8000 and not cpu.state.p & 0x04 and cpu.state.s == 0x01FF


def test_wdm_skips_its_signature_byte():
    cpu, _ = machine(bytes([0x42, 0x99, 0xEA]))
    assert cpu.step() == 2 and cpu.state.pc == 0x8002


@pytest.mark.parametrize("opcode,e,target,pushed_pc", [
    (0x00, 0, 0x9200, 0x8002), (0x02, 0, 0x9300, 0x8002),
    (0x00, 1, 0xA100, 0x8002), (0x02, 1, 0xA300, 0x8002),
])
def test_brk_and_cop_vectors(opcode, e, target, pushed_pc):
    cpu, bus = machine(bytes([opcode, 0xEA]), e=e, p=0x34 if e else NATIVE_8, s=0x01FF)
    _vectors(bus)
    assert cpu.step() == (7 if e else 8)
    st = cpu.state
    assert st.pc == target and st.pbr == 0 and st.p & 0x04
    ret = bus.read(0x01FE) | bus.read(0x01FF) << 8 if e else bus.read(0x01FD) | bus.read(0x01FE) << 8
    assert ret == pushed_pc
    if e:
        assert bus.read(0x01FD) & 0x10  # BRK/COP push B set in emulation mode


def test_wai_stops_run_and_irq_wakes_it():
    cpu, bus = machine(bytes([0xCB, 0xEA, 0xDB]), p=NATIVE_8 | 0x04)  # WAI ; NOP ; STP
    result = cpu.run(10)
    assert result.reason == "wai" and cpu.halted == "wai" and cpu.state.pc == 0x8001
    assert cpu.run(10).reason == "wai" and cpu.step() == 0
    cpu.irq()  # I=1: not taken, but ends the wait
    result = cpu.run(10)
    assert result.reason == "stp" and result.instructions == 2


# -- budgets and stops ------------------------------------------------------------------------
def test_budget_stops_an_endless_loop():
    cpu, _ = machine(bytes([0x80, 0xFE]))  # BRA *
    result = cpu.run(max_instructions=1000)
    assert (result.reason, result.instructions, result.cycles) == ("budget", 1000, 3000)
    assert cpu.run(0).instructions == 0


def test_stop_at_and_stop_on_brk():
    cpu, _ = machine(bytes([0xEA, 0xEA, 0x00, 0x00]))
    result = cpu.run(100, stop_at=[0x008001])
    assert (result.reason, result.instructions, cpu.state.pc) == ("stop_at", 1, 0x8001)
    result = cpu.run(100, stop_on=("brk",))
    assert (result.reason, result.instructions, cpu.state.pc) == ("brk", 1, 0x8002)


def test_stp_halts_until_state_is_reloaded():
    cpu, _ = machine(bytes([0xDB, 0xEA]))
    assert cpu.run(5).reason == "stp"
    assert cpu.step() == 0 and cpu.state.pc == 0x8001
    cpu.state = cpu.state
    assert cpu.step() == 2


def test_reset_enters_emulation_mode():
    cpu, bus = machine(b"", p=NATIVE_16, x=0x1234, d=0x300, dbr=5, s=0x1FFF)
    bus.load(0xFFFC, bytes([0x00, 0x90]))
    cpu.reset()
    st = cpu.state
    assert (st.e, st.pc, st.pbr, st.dbr, st.d, st.x, st.s) == (1, 0x9000, 0, 0, 0, 0x34, 0x01FF)
    assert st.p & 0x34 == 0x34


def test_state_round_trip():
    st = CPUState(a=0x1234, x=5, y=6, s=0x1FF, d=0x300, dbr=0x7E, pbr=0x80, pc=0x8123, p=0x8C, e=0)
    assert CPUState.from_dict(st.to_dict()) == st
    cpu, _ = machine(b"")
    cpu.state = st
    assert cpu.state == st
