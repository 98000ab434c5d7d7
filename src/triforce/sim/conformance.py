"""Run SingleStepTests-format vectors (``.json`` or ``.json.gz``) against the simulator.

A vector is ``{"name", "initial", "final", "cycles"}``; ``initial``/``final`` hold
the registers (``pc s p a x y dbr d pbr e``) and ``ram`` as ``[[addr24, byte], ...]``.
One instruction is stepped; the final registers, every listed RAM byte and the
cycle count (the length of ``cycles``) must match.
Unreadable or malformed input is reported through diagnostics (codes S1xx) and
counted as failed, never raised.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from triforce.diagnostics import Diagnostic, SourceSpan, error
from triforce.sim.bus import FlatBus
from triforce.sim.cpu import CPU
from triforce.sim.state import REGISTER_NAMES, CPUState

# Diagnostic codes.
UNREADABLE = "S101"        # the file cannot be read
BAD_ARCHIVE = "S102"       # truncated or corrupt gzip data
BAD_JSON = "S103"          # not JSON / not UTF-8
BAD_LAYOUT = "S104"        # JSON, but not a list of vectors
BAD_VECTOR = "S105"        # one vector lacks a field or has a wrong type


@dataclass
class VectorFailure:
    """One vector the simulator disagreed with: ``differences`` are lines like
    ``a: expected $1234, got $1235``."""

    name: str
    differences: list[str]


@dataclass
class FileResult:
    name: str
    passed: int = 0
    failed: int = 0
    failures: list[VectorFailure] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.passed + self.failed


def load_vectors(path: Path) -> tuple[list | None, Diagnostic | None]:
    """The decoded vector list, or a diagnostic saying why there is none."""
    span = SourceSpan(file=str(path))
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, error(UNREADABLE, f"cannot read vector file: {exc.strerror or exc}", span)
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            return None, error(BAD_ARCHIVE, f"truncated or corrupt gzip data ({exc})", span)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, error(BAD_JSON, f"not valid JSON: {exc}", span)
    if not isinstance(data, list):
        return None, error(BAD_LAYOUT, "expected a JSON list of test vectors", span)
    return data, None


def run_vector_file(path, *, access: str | None = None, max_failures: int = 20) -> FileResult:
    """Run every vector in ``path``; keep details of the first ``max_failures`` failures."""
    path = Path(path)
    result = FileResult(name=path.name)
    vectors, problem = load_vectors(path)
    if problem is not None:
        result.failed = 1
        result.diagnostics.append(problem)
        return result
    runner = VectorRunner(access=access)
    for index, vector in enumerate(vectors):
        try:
            differences = runner.run(vector)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            result.failed += 1
            result.diagnostics.append(error(
                BAD_VECTOR, f"vector {index}: malformed ({type(exc).__name__}: {exc})",
                SourceSpan(file=str(path))))
            continue
        if differences:
            result.failed += 1
            if len(result.failures) < max_failures:
                name = vector.get("name", f"#{index}")
                result.failures.append(VectorFailure(str(name), differences))
        else:
            result.passed += 1
    return result


class VectorRunner:
    """Steps vectors on one reusable CPU over a flat 16 MiB bus."""

    def __init__(self, access: str | None = None, bus=None):
        self.bus = bus if bus is not None else FlatBus()
        self.cpu = CPU(self.bus, access=access)

    def run(self, vector: dict) -> list[str]:
        """Differences between the simulator and ``vector`` (empty: it passed)."""
        initial, final = vector["initial"], vector["final"]
        expected_cycles = len(vector["cycles"])
        init_ram = [(int(a) & 0xFFFFFF, int(v) & 0xFF) for a, v in initial["ram"]]
        final_ram = [(int(a) & 0xFFFFFF, int(v) & 0xFF) for a, v in final["ram"]]
        expected = CPUState.from_dict(final).to_dict()
        bus, cpu = self.bus, self.cpu
        for addr, value in init_ram:
            bus.write(addr, value)
        try:
            cpu.state = CPUState.from_dict(initial)
            cycles = cpu.step()
            got = cpu.state.to_dict()
            differences = [
                f"{name}: expected ${expected[name]:X}, got ${got[name]:X}"
                for name in REGISTER_NAMES if got[name] != expected[name]
            ]
            for addr, value in final_ram:
                actual = bus.read(addr)
                if actual != value:
                    differences.append(f"ram ${addr:06X}: expected ${value:02X}, got ${actual:02X}")
            if cycles != expected_cycles:
                differences.append(f"cycles: expected {expected_cycles}, got {cycles}")
        finally:
            for addr, _ in init_ram:
                bus.write(addr, 0)
            for addr, _ in final_ram:
                bus.write(addr, 0)
        return differences
