"""``triforce asm disasm ROM --at ADDR``: print asar source for ROM bytes.

The output assembles back to the same bytes (it starts with the mapper and an
``org`` line). Errors are one line on stderr and exit code 1; the library is
imported inside the handler so that other commands start fast.
"""

from __future__ import annotations

import argparse
import sys

_MAX_ROM_BYTES = 16 * 1024 * 1024 + 512


def register(sub) -> None:
    p = sub.add_parser(
        "disasm",
        help="disassemble ROM bytes at an SNES address into asar source",
        description="Disassemble a ROM (copier header detected as asar does) at an SNES "
                    "address; prints asar source that assembles back into the same bytes. "
                    "Addresses are hex: $008000, 0x008000, 008000 or 00:8000.",
    )
    p.add_argument("rom", metavar="ROM", help="ROM image (.sfc/.smc) or any binary file")
    p.add_argument("--at", required=True, metavar="ADDR", help="SNES address to start at (hex)")
    p.add_argument("--count", type=_positive_int, default=32, metavar="N",
                   help="number of instructions (default 32)")
    p.add_argument("--m", type=int, choices=(8, 16), default=8,
                   help="accumulator width at the start (default 8)")
    p.add_argument("--x", type=int, choices=(8, 16), default=8,
                   help="index register width at the start (default 8)")
    p.add_argument("--mapper", default="lorom",
                   help="lorom, hirom, exlorom, exhirom, sa1, fullsa1rom, sfxrom or norom "
                        "(default lorom)")
    p.add_argument("--symbols", metavar="FILE",
                   help="symbol file: WLA .sym ([labels] bb:aaaa name) or name = $addr lines")
    p.add_argument("--db", metavar="BANK", help="data bank at the start (hex), for labels")
    p.add_argument("--dp", metavar="ADDR", help="direct page at the start (hex), for labels")
    p.add_argument("--syntax", choices=("asar", "ca65", "64tass"), default="asar",
                   help="assembler syntax of the output (default asar)")
    p.add_argument("--no-comments", action="store_true",
                   help="omit the address/bytes comment on each line")
    p.set_defaults(handler=_run)


def _positive_int(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _fail(message: str) -> int:
    print(f"triforce asm disasm: error: {message}", file=sys.stderr)
    return 1


def _hex_arg(text: str | None, what: str, limit: int) -> tuple[int | None, str | None]:
    if text is None:
        return None, None
    from triforce.disasm.symbols import parse_address

    value = parse_address(text)
    if value is None or value > limit:
        return None, f"bad {what}: {text!r} (expected hex up to ${limit:X}, e.g. $008000)"
    return value, None


def _run(args) -> int:
    from pathlib import Path

    from triforce.disasm import disassemble_rom, load_symbols

    at, problem = _hex_arg(args.at, "address", 0xFFFFFF)
    if problem:
        return _fail(problem)
    db, problem = _hex_arg(args.db, "data bank", 0xFF)
    if problem:
        return _fail(problem)
    dp, problem = _hex_arg(args.dp, "direct page", 0xFFFF)
    if problem:
        return _fail(problem)

    rom_path = Path(args.rom)
    try:
        if not rom_path.exists():
            return _fail(f"ROM not found: {args.rom}")
        if not rom_path.is_file():
            return _fail(f"not a file: {args.rom}")
        if rom_path.stat().st_size > _MAX_ROM_BYTES:
            return _fail(f"{args.rom} is larger than any SNES ROM (16 MiB)")
        rom = rom_path.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.rom}: {exc.strerror or exc}")

    symbols = None
    if args.symbols:
        table = load_symbols(args.symbols)
        for diag in table.diagnostics:
            print(diag.format(), file=sys.stderr)
        if not table.ok:
            return 1
        symbols = table.symbols

    result = disassemble_rom(rom, at, mapper=args.mapper, count=args.count,
                             m=1 if args.m == 8 else 0, x=1 if args.x == 8 else 0,
                             symbols=symbols, db=db, d=dp)
    for diag in result.diagnostics:
        # These point at SNES addresses (in the message), not at source lines.
        print(f"{args.rom}: {diag.severity.value}[{diag.code}]: {diag.message}", file=sys.stderr)
    if not result.ok:
        return 1
    sys.stdout.write(result.to_source(comments=not args.no_comments, dialect=args.syntax))
    return 0
