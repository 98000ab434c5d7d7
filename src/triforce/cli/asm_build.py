"""``triforce asm build SRC [ROM]``: assemble like ``asar SRC ROM``."""

from __future__ import annotations

import sys


def parse_define(text: str) -> tuple[str, str]:
    """asar's -D forms: ``name``, ``name=value``, a leading ``!``, spaces around ``=``."""
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("!").strip()
    return name, value.strip() if sep else ""


def register(sub) -> None:
    parser = sub.add_parser("build", help="assemble an asar source into a ROM (like `asar SRC ROM`)")
    parser.add_argument("src", metavar="SRC", help="asar source file")
    parser.add_argument("rom", metavar="ROM", nargs="?", help="ROM to patch (created when absent)")
    parser.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                        help="extra folder for incsrc/incbin (repeatable)")
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                        help="define !NAME (repeatable)")
    parser.add_argument("--symbols", nargs=2, metavar=("FORMAT", "FILE"),
                        help="write a symbol file (FORMAT: wla)")
    parser.add_argument("--allow-any-path", action="store_true",
                        help="let incsrc/incbin reach files outside the source and -I folders")
    parser.add_argument("--no-title-check", action="store_true", help="ignore `check title`")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from triforce.asm.build import build

    defines = {}
    for raw in args.defines:
        name, value = parse_define(raw)
        if not name:
            print(f"triforce asm build: invalid -D {raw!r}", file=sys.stderr)
            return 1
        defines[name] = value
    result = build(args.src, args.rom, include_dirs=args.include_dirs, defines=defines,
                   allow_any_path=args.allow_any_path,
                   symbols=tuple(args.symbols) if args.symbols else None,
                   title_check=not args.no_title_check)
    for line in result.prints:
        print(line)
    for diag in result.diagnostics:
        print(diag.format(), file=sys.stderr)
    return 0 if result.ok else 1
