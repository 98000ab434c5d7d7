"""Router latency and cold start.

    python benchmarks/bench_router.py [--queries N] [--cold-runs N] [--cv]

Measures, over the queries of ../shared/routing/dev.jsonl:
- keyword path: KeywordClassifier.classify on the prose (target <= 0.1 ms median)
- embedding path: encoder + classifier for one query
- full decision: Router.route (text handling, keywords, embedding, ordering)
- cold start: wall time of `triforce route "..."` in a fresh process (target <= 1.5 s)
With --cv also the 5-fold cross-validated accuracy on dev.jsonl (slow: minutes).
Load average is printed: the figures are only comparable on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRIFORCE_SHARED", ROOT.parent / "shared"))


def timed(fn, items, repeat=1):
    """Wall and CPU time per call. On a shared machine the CPU time is the
    intrinsic cost; wall time adds waiting for a core."""
    samples = []
    cpu = []
    for item in items:
        for _ in range(repeat):
            start = time.perf_counter()
            start_cpu = time.thread_time()
            fn(item)
            cpu.append((time.thread_time() - start_cpu) * 1000.0)
            samples.append((time.perf_counter() - start) * 1000.0)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 4),
        "p90_ms": round(samples[int(len(samples) * 0.9) - 1], 4),
        "cpu_median_ms": round(statistics.median(cpu), 4),
        "n": len(samples),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--cv", action="store_true")
    args = parser.parse_args()

    from triforce.router import Router
    from triforce.router.evaluate import read_labelled
    from triforce.router.text import assembly_mnemonics, split_query

    rows = read_labelled(SHARED / "routing" / "dev.jsonl").rows[: args.queries]
    queries = [r["query"] for r in rows]
    mnemonics = assembly_mnemonics()
    prose = [split_query(q, mnemonics).prose for q in queries]
    results = {"load_average": os.getloadavg(), "queries": len(queries)}

    router = Router.load()
    router.route("warm up")  # loads the encoder once
    results["keyword_path"] = timed(router.keyword.classify, prose, repeat=5)
    featurizer = router.featurizer()
    code = [split_query(q, mnemonics).has_code for q in queries]
    results["embedding_path"] = timed(
        lambda i: router.model.predict_proba(featurizer.rows([prose[i]], [code[i]])), range(len(prose)))
    results["full_decision"] = timed(router.route, queries)
    multi = [r["query"] for r in rows if len(r["intents"]) > 1]
    results["full_decision_multi_intent"] = timed(router.route, multi)

    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, TRIFORCE_HOME=home)
        env.pop("OPENBLAS_NUM_THREADS", None)
        cold = []
        cold_cpu = []
        for _ in range(args.cold_runs):
            before = os.times()
            start = time.perf_counter()
            proc = subprocess.run(["triforce", "route", "this eats half my NMI budget"],
                                  capture_output=True, env=env, check=False)
            cold.append(time.perf_counter() - start)
            after = os.times()
            cold_cpu.append((after.children_user - before.children_user)
                            + (after.children_system - before.children_system))
            if proc.returncode != 0:
                print(proc.stderr.decode(), file=sys.stderr)
                return 1
        results["cold_start_s"] = {"median": round(statistics.median(cold), 3), "min": round(min(cold), 3),
                                   "cpu_median": round(statistics.median(cold_cpu), 3)}

    if args.cv:
        from triforce.router.encoder import MiniLMEncoder
        from triforce.router.training import (
            CachedEncoder,
            FitOptions,
            builtin_examples,
            cross_validate,
        )

        start = time.perf_counter()
        cv = cross_validate(read_labelled(SHARED / "routing" / "dev.jsonl").rows,
                            builtin_examples(router.table), router.table,
                            CachedEncoder(MiniLMEncoder()), FitOptions())
        results["cross_validation"] = {k: v for k, v in cv.report.to_dict().items()
                                       if k not in ("per_intent", "confusion")}
        results["cross_validation"]["threshold"] = cv.threshold
        results["cross_validation"]["seconds"] = round(time.perf_counter() - start, 1)
        print(cv.report.format(), file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
