"""``triforce asm ...``: the toolchain commands, each registered by its own module."""

from __future__ import annotations

import importlib

ASM_COMMAND_MODULES = (
    "triforce.cli.asm_build",      # build
    "triforce.cli.asm_disasm",     # disasm
    "triforce.cli.asm_sim",        # conformance, cycles, run
    "triforce.cli.asm_analysis",   # lint, equiv
)


def register(sub) -> None:
    parser = sub.add_parser("asm", help="65816 toolchain: build, disasm, cycles, run, lint, equiv, conformance")
    asm_sub = parser.add_subparsers(dest="asm_command", metavar="ASM_COMMAND")
    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])
    for name in ASM_COMMAND_MODULES:
        importlib.import_module(name).register(asm_sub)
