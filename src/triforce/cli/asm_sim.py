"""``triforce asm conformance | cycles | run``: the simulator and cycle counter."""

from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    conf = sub.add_parser("conformance", help="run SingleStepTests-format vectors (.json/.json.gz)")
    conf.add_argument("files", nargs="+", metavar="FILE", help="vector files")
    conf.add_argument("--details", type=int, default=3, metavar="N",
                      help="show the differences of the first N failing vectors per file (default 3)")
    conf.set_defaults(handler=_conformance)

    cyc = sub.add_parser("cycles", help="bytes and cycles per line, with ranges where data decides")
    cyc.add_argument("file", metavar="FILE", help="asar source or a listing of instructions ('-': stdin)")
    cyc.add_argument("--m", type=int, choices=(8, 16), default=8, help="accumulator width at entry")
    cyc.add_argument("--x", type=int, choices=(8, 16), default=8, help="index width at entry")
    cyc.add_argument("--emulation", action="store_true", help="emulation mode (6502 timing rules)")
    cyc.add_argument("--d", metavar="VALUE", help="the D register, if known (else DL penalties are a range)")
    cyc.set_defaults(handler=_cycles)

    run = sub.add_parser("run", help="run a program in the simulator until STP or the budget")
    run.add_argument("program", metavar="PROGRAM", help="asar source, or a raw binary with --bin")
    run.add_argument("--bin", action="store_true", help="PROGRAM is a raw binary")
    run.add_argument("--load", default="$008000", metavar="ADDR", help="where --bin is loaded (default $008000)")
    run.add_argument("--start", metavar="ADDR", help="entry point (default: the load address)")
    run.add_argument("--map", choices=("flat", "lorom", "hirom"),
                     help="memory map (default: flat for --bin, lorom for a source)")
    run.add_argument("--max-instructions", type=int, default=1_000_000, metavar="N",
                     help="instruction budget (default 1000000)")
    run.add_argument("--stats", action="store_true", help="print instruction count and speed")
    run.add_argument("--trace", type=int, metavar="N",
                     help="print the first and last N instructions executed (slower)")
    run.set_defaults(handler=_run)


def _err(message: str) -> int:
    print(f"triforce asm: {message}", file=sys.stderr)
    return 1


# -- conformance ------------------------------------------------------------------
def _conformance(args) -> int:
    from triforce.sim.conformance import run_vector_file

    passed = failed = 0
    for name in args.files:
        result = run_vector_file(name)
        for diag in result.diagnostics:
            print(diag.format(), file=sys.stderr)
        passed += result.passed
        failed += result.failed
        print(f"{result.name}: {result.passed}/{result.total}")
        for failure in result.failures[:max(0, args.details)]:
            print(f"  {failure.name}: " + "; ".join(failure.differences))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


# -- cycles -------------------------------------------------------------------------
def _read_text(name: str) -> tuple[str | None, str]:
    if name == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        return Path(name).read_text(encoding="utf-8"), name
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}"


def _cycles(args) -> int:
    from triforce.analysis.cycles import count_cycles
    from triforce.sim.program import parse_address

    text, filename = _read_text(args.file)
    if text is None:
        return _err(filename)
    dl_nonzero = None
    if args.d is not None:
        try:
            dl_nonzero = (parse_address(args.d) & 0xFF) != 0
        except ValueError as exc:
            return _err(f"--d: {exc}")
    report = count_cycles(text, m=1 if args.m == 8 else 0, x=1 if args.x == 8 else 0,
                          emulation=args.emulation, dl_nonzero=dl_nonzero, filename=filename)
    for diag in report.diagnostics:
        print(diag.format(), file=sys.stderr)
    if not report.lines:
        return _err(f"{filename}: no instructions found")
    print(f"{'line':>5} {'bytes':>5} {'cycles':>7}  source")
    for line in report.lines:
        print(f"{line.line:>5} {line.size:>5} {line.cycles:>7}  {line.text}")
    print(f"total: {report.total_bytes} bytes, {report.total_cycles} cycles")
    notes = sorted({note for line in report.lines for note in line.notes})
    if notes:
        print("ranges: " + "; ".join(notes))
    return 0


# -- run ----------------------------------------------------------------------------
def _run(args) -> int:
    from triforce.sim.program import load_binary, load_source, parse_address, run_program

    if args.max_instructions < 0:
        return _err("--max-instructions must be 0 or more")
    try:
        load = parse_address(args.load)
        start = parse_address(args.start) if args.start else None
    except ValueError as exc:
        return _err(str(exc))
    path = Path(args.program)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return _err(f"cannot read {args.program}: {exc.strerror or exc}")
    if args.bin:
        program = load_binary(raw, load, args.map or "flat")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _err(f"{args.program} is not UTF-8 text; pass --bin for a binary")
        program = load_source(text, filename=str(path), mapper=args.map or "lorom")
    for diag in program.diagnostics:
        print(diag.format(), file=sys.stderr)
    if not program.ok:
        return 1
    if args.trace is not None:
        if args.trace < 0:
            return _err("--trace must be 0 or more")
        result, state = _traced(program, start, args.max_instructions, args.trace)
    else:
        result, state = run_program(program, start, args.max_instructions)
    print(state.format())
    print(f"stop: {result.reason} after {result.instructions} instructions, {result.cycles} cycles")
    if args.stats:
        rate = result.instructions / result.seconds if result.seconds > 0 else 0.0
        print(f"instructions: {result.instructions}")
        print(f"instructions/s: {rate:.0f}")
    rom_writes = getattr(program.bus, "rom_writes", None)
    if rom_writes:
        print(f"note: {len(rom_writes)} write(s) to ROM ignored, first at ${rom_writes[0][0]:06X}")
    return 0


def _traced(program, start, max_instructions: int, keep: int):
    from triforce.sim.program import make_cpu
    from triforce.sim.trace import trace

    cpu = make_cpu(program, start)
    traced = trace(cpu, max_instructions, keep)
    for entry in traced.head:
        print(entry.format())
    if traced.skipped:
        print(f"... {traced.skipped} instructions not shown ...")
    for entry in traced.tail:
        print(entry.format())
    return traced.result, cpu.state
