"""The ``triforce`` command: a thin dispatcher over the library.

Each command module exposes ``register(subparsers)`` and imports the library
lazily inside its handlers so that ``triforce route`` starts fast. A handler
returns the exit code. No traceback ever reaches the user: unexpected errors
print one line (``TRIFORCE_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Top-level command modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "triforce.cli.ask",
    "triforce.cli.route",
    "triforce.cli.experts",
    "triforce.cli.serve",
    "triforce.cli.asm",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triforce",
        description="Local mixture-of-experts assistant for SNES 65816 assembly.",
    )
    from triforce import __version__

    parser.add_argument("--version", action="version", version=f"triforce {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code = handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed: not an error worth a message.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as exc:  # the last line of defence: never show a traceback
        if os.environ.get("TRIFORCE_DEBUG"):
            raise
        print(f"triforce: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("triforce: rerun with TRIFORCE_DEBUG=1 for details", file=sys.stderr)
        return 70
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
