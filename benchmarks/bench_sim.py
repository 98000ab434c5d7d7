"""Simulator speed: instructions per second on a tight 16-bit loop and a mixed program.

Usage: python benchmarks/bench_sim.py [--instructions N] [--repeats R]

Prints one line per workload and memory path: the best wall-clock rate of R runs
of N instructions (the run loop only; building the CPU is not timed) and the
CPU-time rate of the same run, which is steadier on a shared machine.
The programs are raw 65816 bytes (no assembler involved) so that this measures
the simulator alone.
"""

from __future__ import annotations

import argparse
import os
import time

from triforce.sim import CPU, CPUState, FlatBus, RecordingBus, SnesBus

# CLC ; XCE ; REP #$30                                   (native, 16-bit A/X/Y)
ENTER_NATIVE_16 = bytes([0x18, 0xFB, 0xC2, 0x30])

# loop: LDA $1000 ; CLC ; ADC $1002 ; STA $1000 ; DEX ; BNE loop ; BRA loop
TIGHT_LOOP = ENTER_NATIVE_16 + bytes([
    0xAD, 0x00, 0x10,       # 8004 LDA $1000
    0x18,                   # 8007 CLC
    0x6D, 0x02, 0x10,       # 8008 ADC $1002
    0x8D, 0x00, 0x10,       # 800B STA $1000
    0xCA,                   # 800E DEX
    0xD0, 0xF3,             # 800F BNE $8004
    0x80, 0xF1,             # 8011 BRA $8004
])

# Indexed and direct-page reads, JSR/RTS with stack traffic, long addressing,
# 8/16-bit switching inside the loop, nested counters.
MIXED_PROGRAM = ENTER_NATIVE_16 + bytes([
    0xA9, 0x00, 0x00,       # 8004 LDA #$0000
    0x5B,                   # 8007 TCD
    0xA2, 0x00, 0x01,       # 8008 LDX #$0100
    0xA0, 0x10, 0x00,       # 800B LDY #$0010      outer
    0xB9, 0x00, 0x20,       # 800E LDA $2000,Y     inner
    0x18,                   # 8011 CLC
    0x65, 0x10,             # 8012 ADC $10
    0x85, 0x10,             # 8014 STA $10
    0x20, 0x40, 0x80,       # 8016 JSR $8040
    0xE2, 0x20,             # 8019 SEP #$20
    0xBD, 0x00, 0x30,       # 801B LDA $3000,X
    0x49, 0xFF,             # 801E EOR #$FF
    0x9D, 0x00, 0x30,       # 8020 STA $3000,X
    0xC2, 0x20,             # 8023 REP #$20
    0x88,                   # 8025 DEY
    0xD0, 0xE6,             # 8026 BNE $800E
    0xCA,                   # 8028 DEX
    0xD0, 0xE0,             # 8029 BNE $800B
    0x80, 0xDB,             # 802B BRA $8008
]).ljust(0x40, b"\xEA") + bytes([
    0x48,                   # 8040 PHA
    0xAF, 0x00, 0x00, 0x7E,  # 8041 LDA $7E0000
    0x0A,                   # 8045 ASL A
    0x8F, 0x00, 0x00, 0x7E,  # 8046 STA $7E0000
    0x68,                   # 804A PLA
    0x60,                   # 804B RTS
])

WORKLOADS = {"tight 16-bit loop": TIGHT_LOOP, "mixed program": MIXED_PROGRAM}


def _buses(program: bytes):
    flat = FlatBus()
    flat.load(0x8000, program)
    yield "flat", flat
    yield "snes-lorom", SnesBus(program, "lorom")
    recorded = FlatBus()
    recorded.load(0x8000, program)
    yield "recording", RecordingBus(recorded)


def measure(bus, instructions: int, repeats: int) -> tuple[float, float]:
    """(best wall-clock rate, best CPU-time rate) in instructions per second."""
    cpu = CPU(bus, CPUState(pc=0x8000))
    cpu.run(10)  # enter native mode before timing
    best_wall = best_cpu = 0.0
    for _ in range(repeats):
        started_cpu = time.process_time()
        result = cpu.run(instructions)
        cpu_seconds = time.process_time() - started_cpu
        assert result.reason == "budget" and result.instructions == instructions
        best_wall = max(best_wall, instructions / result.seconds)
        if cpu_seconds > 0:
            best_cpu = max(best_cpu, instructions / cpu_seconds)
    return best_wall, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructions", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"load average: {load} on {os.cpu_count()} CPUs (wall figures drop when it exceeds the CPUs)")
    print(f"{'workload':<20} {'bus':<11} {'M instr/s (wall)':>17} {'M instr/s (cpu)':>16}")
    for name, program in WORKLOADS.items():
        for bus_name, bus in _buses(program):
            wall, cpu = measure(bus, args.instructions, args.repeats)
            print(f"{name:<20} {bus_name:<11} {wall / 1e6:>17.3f} {cpu / 1e6:>16.3f}")


if __name__ == "__main__":
    main()
