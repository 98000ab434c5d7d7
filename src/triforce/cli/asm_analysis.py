"""``triforce asm lint FILE`` and ``triforce asm equiv ORIGINAL CANDIDATE``."""

from __future__ import annotations

import json
import sys


def _width(text: str) -> int:
    """``8``/``16`` (the CLI's words) -> the P flag bit (1 = 8-bit); also accepts 1/0."""
    value = str(text).strip()
    if value in ("8", "1"):
        return 1
    if value in ("16", "0"):
        return 0
    raise ValueError(f"width must be 8 or 16, not {text!r}")


def register(sub) -> None:
    lint = sub.add_parser("lint", help="check asar source for width, stack, bank and carry mistakes")
    lint.add_argument("files", metavar="FILE", nargs="+", help="asar source file(s)")
    lint.add_argument("--m", default="8", metavar="8|16", help="accumulator width on entry (default 8)")
    lint.add_argument("--x", default="8", metavar="8|16", help="index width on entry (default 8)")
    lint.add_argument("--json", action="store_true", help="print the findings as JSON")
    lint.set_defaults(handler=_lint)

    equiv = sub.add_parser("equiv", help="prove two snippets equivalent in the simulator, or show a counterexample")
    equiv.add_argument("original", metavar="ORIGINAL", help="asar source of the original")
    equiv.add_argument("candidate", metavar="CANDIDATE", help="asar source of the rewrite")
    equiv.add_argument("--live-out", default=None, metavar="A,X,...",
                       help="what must match afterwards (A, B, X, Y, N, V, Z, C, flags, mem); default: everything")
    equiv.add_argument("--m", default="8", metavar="8|16", help="accumulator width on entry (default 8)")
    equiv.add_argument("--x", default="8", metavar="8|16", help="index width on entry (default 8)")
    equiv.add_argument("--states", type=int, default=1000, help="random states to run (default 1000)")
    equiv.add_argument("--seed", type=int, default=0)
    equiv.add_argument("--scratch", action="append", default=[], metavar="FIRST-LAST",
                       help="memory range that may differ, e.g. $00-$0F (repeatable)")
    equiv.add_argument("--json", action="store_true", help="print the result as JSON")
    equiv.set_defaults(handler=_equiv)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError as exc:
        print(f"triforce asm: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return None


def _lint(args) -> int:
    from triforce.analysis.lint import lint

    try:
        m, x = _width(args.m), _width(args.x)
    except ValueError as exc:
        print(f"triforce asm lint: {exc}", file=sys.stderr)
        return 2
    failed = False
    report = []
    for path in args.files:
        source = _read(path)
        if source is None:
            failed = True
            continue
        result = lint(source, filename=path, m=m, x=x)
        if args.json:
            report.append({"file": path, **result.to_dict()})
        else:
            for diag in result.diagnostics:
                print(diag.format())
        failed = failed or not result.ok
    if args.json:
        print(json.dumps(report if len(report) != 1 else report[0], indent=2))
    return 1 if failed else 0


def _parse_range(text: str) -> tuple[int, int]:
    def number(part: str) -> int:
        part = part.strip()
        if part.startswith("$"):
            return int(part[1:], 16)
        if part.lower().startswith("0x"):
            return int(part, 16)
        return int(part)
    first, sep, last = text.partition("-")
    return number(first), number(last if sep else first)


def _equiv(args) -> int:
    from triforce.analysis.equivalence import check_equivalence

    try:
        m, x = _width(args.m), _width(args.x)
        scratch = [_parse_range(r) for r in args.scratch]
    except ValueError as exc:
        print(f"triforce asm equiv: {exc}", file=sys.stderr)
        return 2
    original, candidate = _read(args.original), _read(args.candidate)
    if original is None or candidate is None:
        return 2
    live_out = None
    if args.live_out is not None:
        live_out = [item for item in args.live_out.replace(" ", "").split(",") if item]
    result = check_equivalence(original, candidate, live_out=live_out, m=m, x=x,
                               states=max(0, args.states), seed=args.seed, scratch=scratch)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.summary())
        if result.counterexample:
            state = result.counterexample["state"]
            regs = " ".join(f"{k}=${state[k]:X}" for k in ("a", "x_reg", "y", "p", "s", "dbr", "d"))
            print(f"counterexample entry: {regs} m={state['m']} x={state['x']}")
            ram = state.get("ram") or []
            if ram:
                print("  memory: " + ", ".join(f"${a:06X}=${v:02X}" for a, v in ram[:12])
                      + (" ..." if len(ram) > 12 else ""))
            for diff in result.counterexample["differences"]:
                print(f"  {diff['item']}: original {_fmt(diff.get('original'))}, candidate {_fmt(diff.get('candidate'))}")
        for diag in result.diagnostics:
            if diag.code != "E007":
                print(diag.format(), file=sys.stderr)
    if result.equivalent is True:
        return 0
    return 1 if result.equivalent is False else 2


def _fmt(value) -> str:
    return f"${value:X}" if isinstance(value, int) else str(value)
