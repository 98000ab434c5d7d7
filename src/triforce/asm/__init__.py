"""The asar-dialect assembler: ``assemble(source) -> AssemblyResult``, ``build(src, rom)``."""

from __future__ import annotations

from triforce.asm.assembler import AssemblyResult, assemble
from triforce.asm.build import BuildResult, build
from triforce.asm.context import LineRecord, Write

__all__ = ["AssemblyResult", "BuildResult", "LineRecord", "Write", "assemble", "build"]
