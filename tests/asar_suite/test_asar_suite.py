"""asar's own test suite, run against Triforce's assembler.

asar's test files are not part of this repository; point TRIFORCE_ASAR_TESTS at
a folder of them (RPGHacker/asar ``tests/``, with its ``include/`` and
``data/`` subfolders). Optionally TRIFORCE_ASAR_BASE_ROM names the 512 KiB base
ROM that ``+`` cases start from, and TRIFORCE_ASAR_MIN_RATE the pass rate to
require (default 0.95, the project target).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .runner import find_cases, run_case, summarize

SUITE = os.environ.get("TRIFORCE_ASAR_TESTS")

pytestmark = pytest.mark.skipif(
    not SUITE, reason="TRIFORCE_ASAR_TESTS is not set (a folder of asar's tests/*.asm files)")


def _base_rom() -> bytes | None:
    path = os.environ.get("TRIFORCE_ASAR_BASE_ROM")
    return Path(path).read_bytes() if path else None


@pytest.fixture(scope="module")
def results():
    folder = Path(SUITE)
    if not folder.is_dir():
        pytest.fail(f"TRIFORCE_ASAR_TESTS={SUITE} is not a folder")
    cases = find_cases(folder)
    if not cases:
        pytest.fail(f"no *.asm test files in {folder}")
    base_rom = _base_rom()
    return [run_case(p, base_rom=base_rom) for p in cases]


def test_no_python_exceptions(results):
    crashed = [f"{r.name}: {r.reasons[0]}" for r in results if r.status == "crash"]
    assert not crashed, "assembler raised or hung:\n" + "\n\n".join(crashed)


def test_pass_rate(results):
    summary = summarize(results)
    wanted = float(os.environ.get("TRIFORCE_ASAR_MIN_RATE", "0.95"))
    failures = "\n".join(f"{r.name}: {'; '.join(r.reasons)[:300]}"
                         for r in results if r.status == "fail")
    assert summary["rate"] >= wanted, (
        f"{summary['passed']}/{summary['total']} asar tests pass "
        f"({summary['rate']:.1%}, want {wanted:.0%}); failures:\n{failures}")


#: Suite tests whose stored expectations contradict asar 1.91, the version the
#: held-back hacks are built with (evidence in docs/asar-audit.md). Triforce
#: keeps 1.91's output for them; any other failure is a regression.
KNOWN_191_CONFLICTS = {
    "bankcross.asm": "1.9x warns mapper_already_set (W108) when the mapper changes",
    "checksum.asm": "1.9x warns mapper_already_set (W108) when the mapper changes",
    "mappers.asm": "1.9x warns mapper_already_set (W108) when the mapper changes",
    "math_pass.asm": "1.9x truncates fractions unless an `asar 1.9x` header turns math round off",
    "hirom_mirrors.asm": "the $6000 hirom mirror bound exists only in asar 2.0",
    "labels_static_fail.asm": "its 11th error (a bank crossing after a rejected fill) came from an "
                              "intermediate build; 1.91 never runs the rejected fill (10 errors)",
}


def test_only_known_191_conflicts_fail(results):
    unexpected = [f"{r.name}: {'; '.join(r.reasons)[:300]}" for r in results
                  if r.status == "fail" and r.name not in KNOWN_191_CONFLICTS]
    assert not unexpected, "asar tests failing for reasons other than 1.91 behaviour:\n" + "\n".join(unexpected)
