"""Router latency and cold start.

    python benchmarks/bench_router.py [--queries N] [--cold-runs N] [--cv]

Measures, over the queries of ../shared/routing/dev.jsonl:
- keyword path: KeywordClassifier.classify on the prose (target <= 0.1 ms median)
- overall: Router.route as shipped (fast path when the encoder-free head is
  sure, else the full model); the share of queries the fast path took and the
  median of each path
- full decision: Router.route with the full model forced for every query
  (text handling, keywords, encoder, classifier, ordering; target <= 10 ms median)
- multi-intent: both routers on the queries labelled with several intents
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


def summary(samples: list[float], cpu: list[float] | None = None) -> dict:
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)
    out = {
        "median_ms": round(statistics.median(ordered), 4),
        "mean_ms": round(statistics.fmean(ordered), 4),
        "p90_ms": round(ordered[max(0, int(len(ordered) * 0.9) - 1)], 4),
        "n": len(ordered),
    }
    if cpu:
        out["cpu_median_ms"] = round(statistics.median(cpu), 4)
    return out


def timed(fn, items, repeat=1):
    """Wall and CPU time per call, plus each call's result. On a shared
    machine the CPU time is the intrinsic cost; wall time adds waiting for a core."""
    samples, cpu, results = [], [], []
    for item in items:
        for _ in range(repeat):
            start = time.perf_counter()
            start_cpu = time.thread_time()
            result = fn(item)
            cpu.append((time.thread_time() - start_cpu) * 1000.0)
            samples.append((time.perf_counter() - start) * 1000.0)
            results.append(result)
    return summary(samples, cpu), samples, results


def held_out_timing(router, rows) -> dict:
    """Fit on four fifths of dev.jsonl (+ the built-in examples), with the
    packaged model's thresholds and gate, and route the other fifth: the fast
    path's share and the latency mix on queries the model has not seen."""
    from triforce.router import Router
    from triforce.router.training import fit_held_out

    model, held = fit_held_out(rows, router.table, router.encoder(), router.model)
    fold_router = Router(router.table, model=model, encoder=router.encoder())
    queries = [rows[i]["query"] for i in sorted(held)]
    overall, samples, decisions = timed(fold_router.route, queries)
    fast = [t for t, d in zip(samples, decisions) if d.path.startswith("fast")]
    encoded = [t for t, d in zip(samples, decisions) if not d.path.startswith("fast")]
    return {"overall": overall, "fast_path": dict(summary(fast), share=round(len(fast) / len(samples), 4)),
            "encoder_path": summary(encoded),
            "exact": round(sum(d.intents == rows[i]["intents"] for i, d in zip(sorted(held), decisions))
                           / len(held), 4)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--held-out", action="store_true",
                        help="also time a model fitted without one fifth of dev.jsonl on that fifth")
    args = parser.parse_args()

    from triforce.router import Router, RouterSettings
    from triforce.router.evaluate import read_labelled
    from triforce.router.text import assembly_mnemonics, split_query

    rows = read_labelled(SHARED / "routing" / "dev.jsonl").rows[: args.queries]
    queries = [r["query"] for r in rows]
    mnemonics = assembly_mnemonics()
    prose = [split_query(q, mnemonics).prose for q in queries]
    results = {"load_average": os.getloadavg(), "queries": len(queries)}

    router = Router.load()
    if router.model is None or router.encoder() is None:
        print(f"router model or encoder missing: {router.diagnostics}", file=sys.stderr)
        return 1
    results["model"] = {"encoder_layers": router.encoder().layers, "pooled_layers": router.encoder().pool_layers,
                        "fast_head": router.model.fast is not None,
                        "fast_gate": router.model.fast.gate if router.model.fast else None}
    router.route("warm up")
    results["keyword_path"] = timed(router.keyword.classify, prose, repeat=5)[0]

    overall, samples, decisions = timed(router.route, queries)
    results["overall"] = overall
    fast = [t for t, d in zip(samples, decisions) if d.path.startswith("fast")]
    encoded = [t for t, d in zip(samples, decisions) if d.path.startswith("embedding")]
    # In-sample: the packaged model was fitted on these queries, so its fast head
    # is surer of them than of new ones (--held-out and --cv give honest shares).
    results["fast_path"] = dict(summary(fast), share_in_sample=round(len(fast) / len(samples), 4))
    results["encoder_path_as_shipped"] = summary(encoded)

    full_router = Router(router.table, model=router.model, settings=RouterSettings(mode="embedding"),
                         encoder=router.encoder())
    results["full_decision"] = timed(full_router.route, queries)[0]
    multi = [r["query"] for r in rows if len(r["intents"]) > 1]
    results["multi_intent_overall"] = timed(router.route, multi)[0]
    results["multi_intent_full"] = timed(full_router.route, multi)[0]

    if args.held_out:
        results["held_out_fifth"] = held_out_timing(router, read_labelled(SHARED / "routing" / "dev.jsonl").rows)

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
        options = FitOptions()
        cv = cross_validate(read_labelled(SHARED / "routing" / "dev.jsonl").rows,
                            builtin_examples(router.table), router.table,
                            CachedEncoder(MiniLMEncoder(layers=options.encoder_layers,
                                                        pool_layers=options.encoder_pool)), options)
        results["cross_validation"] = {k: v for k, v in cv.report.to_dict().items()
                                       if k not in ("per_intent", "confusion")}
        results["cross_validation"]["threshold"] = cv.threshold
        if cv.full_report is not None:
            results["cross_validation"]["full_model_only"] = {
                k: v for k, v in cv.full_report.to_dict().items() if k not in ("per_intent", "confusion")}
        if cv.fast is not None:
            results["cross_validation"]["fast_path"] = cv.fast.to_dict()
        results["cross_validation"]["seconds"] = round(time.perf_counter() - start, 1)
        print(cv.report.format(), file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
