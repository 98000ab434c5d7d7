"""Every shared SingleStepTests-format vector passes: registers, RAM and cycle counts."""

from __future__ import annotations

import pytest

from tests.conftest import shared_dir
from triforce.sim import RecordingBus
from triforce.sim.bus import FlatBus
from triforce.sim.conformance import VectorRunner, load_vectors, run_vector_file

VECTOR_SETS = ("cpu65816/sst/v1", "cpu65816/oracle/v1")


def _vector_files():
    root = shared_dir()
    return sorted(p for sub in VECTOR_SETS for p in (root / sub).glob("*.json.gz"))


def _file_id(path):
    return f"{path.parent.parent.name}/{path.name}"


def test_vector_sets_present(shared):
    counts = {sub: len(list((shared / sub).glob("*.json.gz"))) for sub in VECTOR_SETS}
    assert counts == {"cpu65816/sst/v1": 84, "cpu65816/oracle/v1": 512}


@pytest.mark.parametrize("path", _vector_files(), ids=_file_id)
def test_vector_file(path):
    result = run_vector_file(path)
    details = [f"{f.name}: {f.differences}" for f in result.failures[:3]]
    assert result.failed == 0, details
    assert result.passed > 0 and not result.diagnostics


@pytest.mark.parametrize("access", ["paged", "bus"])
def test_other_memory_paths_agree(access):
    """The page-table and bus-call handlers (used for SnesBus / RecordingBus) run
    the same vectors; a sample of each file keeps this quick."""
    runner = VectorRunner(access=access)
    failures = []
    for path in _vector_files():
        vectors, problem = load_vectors(path)
        assert problem is None
        for vector in vectors[:6]:
            differences = runner.run(vector)
            if differences:
                failures.append((path.name, vector["name"], differences))
    assert failures == []


def test_writes_stay_within_listed_addresses():
    """Through a RecordingBus, every byte an instruction writes is one the vector lists."""
    recorder = RecordingBus(FlatBus())
    runner = VectorRunner(bus=recorder)
    assert runner.cpu.access == "bus"
    stray = []
    for path in _vector_files():
        vectors, _ = load_vectors(path)
        for vector in vectors[:4]:
            recorder.clear()
            assert runner.run(vector) == []
            listed = {addr for addr, _ in vector["final"]["ram"]}
            extra = set(recorder.writes) - listed  # includes the runner's own set-up/clean-up
            if extra:
                stray.append((vector["name"], sorted(extra)))
    assert stray == []
