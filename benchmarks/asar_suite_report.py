"""Pass rate of Triforce's assembler over a folder of asar-format tests.

    python benchmarks/asar_suite_report.py [FOLDER] [--base-rom ROM] [-v] [--json]

FOLDER defaults to $TRIFORCE_ASAR_TESTS (asar's tests/ folder, kept outside the
repository). Prints one line per test (pass/FAIL/skip/CRASH), the reasons for
failures with -v, and the summary: strict pass rate (bytes, error and warning
counts and prints all as asar's runner checks) and the lenient one (bytes, and
whether there were errors at all).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from asar_suite.runner import find_cases, run_case, summarize


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=os.environ.get("TRIFORCE_ASAR_TESTS"))
    parser.add_argument("--base-rom", default=os.environ.get("TRIFORCE_ASAR_BASE_ROM"),
                        help="the 512 KiB ROM that '+' tests start from (commercial; optional)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print failure reasons")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if not args.folder or not Path(args.folder).is_dir():
        parser.error("give a folder of asar tests (or set TRIFORCE_ASAR_TESTS)")
    base_rom = Path(args.base_rom).read_bytes() if args.base_rom else None
    started = time.perf_counter()
    results = [run_case(p, base_rom=base_rom) for p in find_cases(Path(args.folder))]
    elapsed = time.perf_counter() - started
    summary = summarize(results)
    if args.json:
        print(json.dumps({"summary": summary, "seconds": round(elapsed, 2), "results": [
            {"name": r.name, "status": r.status, "lenient_pass": r.lenient_pass,
             "reasons": r.reasons} for r in results]}, indent=2))
        return 0
    labels = {"pass": "pass ", "fail": "FAIL ", "skip": "skip ", "crash": "CRASH"}
    for r in results:
        print(f"{labels[r.status]} {r.name}")
        if args.verbose and r.status in ("fail", "crash", "skip"):
            for reason in r.reasons:
                print("        " + reason.replace("\n", "\n        "))
    print(f"\n{summary['passed']}/{summary['total']} passed ({summary['rate']:.1%}) strict; "
          f"{summary['lenient_passed']}/{summary['total']} lenient; "
          f"{summary['crashed']} crashed; {summary['skipped']} skipped; {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
