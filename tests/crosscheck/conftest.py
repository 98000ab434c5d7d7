"""Harness for the independent assemblers from Debian: ca65 (+ld65) and 64tass.

Each fixture is a function ``source -> bytes`` that assembles a flat binary
from a source whose first line fixes the address (``.org``/``* =``), or skips
the test with the reason when the tool is not installed
(``scripts/setup.d/10-debian-asm-tools.sh`` installs both).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

_LD65_CONFIG = """MEMORY { ROM: start=$0000, size=$1000000, fill=no; }
SEGMENTS { CODE: load=ROM, type=ro; }
"""
_TIMEOUT_S = 60


class ToolFailed(AssertionError):
    pass


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT_S)
    if proc.returncode != 0:
        raise ToolFailed(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian packages cc65 / 64tass; "
                    f"scripts/setup.d/10-debian-asm-tools.sh installs them)")


@pytest.fixture
def ca65(tmp_path):
    _need("ca65", "ld65")

    def assemble(source: str) -> bytes:
        (tmp_path / "src.s").write_text(source)
        (tmp_path / "flat.cfg").write_text(_LD65_CONFIG)
        _run(["ca65", "-o", "src.o", "src.s"], tmp_path)
        _run(["ld65", "-C", "flat.cfg", "-o", "out.bin", "src.o"], tmp_path)
        return (tmp_path / "out.bin").read_bytes()

    return assemble


@pytest.fixture
def tass64(tmp_path):
    _need("64tass")

    def assemble(source: str) -> bytes:
        (tmp_path / "src.asm").write_text(source)
        _run(["64tass", "-q", "--nostart", "-o", "out.bin", "src.asm"], tmp_path)
        return (tmp_path / "out.bin").read_bytes()

    return assemble
