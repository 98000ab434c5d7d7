"""``triforce route`` (QUERY, --jsonl, fit FILE, eval FILE) and ``triforce stats``.

The library is imported inside the handlers so ``triforce route`` starts fast.
"""

from __future__ import annotations

import json
import os
import sys

QUERY_ECHO_CHARS = 2000  # a 1 MB query is not echoed back whole


def register(sub) -> None:
    p = sub.add_parser(
        "route",
        help="show which expert(s) a query goes to; `route fit FILE` / `route eval FILE`",
        description=(
            "Route a query: `triforce route QUERY [--json]`; `triforce route --jsonl` reads "
            '{"query": ...} lines on stdin; `triforce route fit FILE.jsonl` learns the classifier '
            "and thresholds; `triforce route eval FILE.jsonl` reports accuracy."
        ),
    )
    p.add_argument("words", nargs="*", metavar="QUERY", help="the query (or: fit FILE, eval FILE)")
    p.add_argument("--json", action="store_true", help="print the decision (or report) as JSON")
    p.add_argument("--jsonl", action="store_true", help="route JSON lines from stdin")
    p.add_argument("--top-k", type=int, default=None, help="at most K experts, the K most likely")
    p.add_argument("--conversation", default=None, help="conversation id (records transitions)")
    p.add_argument("--previous-expert", default=None, help="expert of the previous turn")
    p.add_argument("--no-record", action="store_true", help="do not record in the statistics store")
    p.add_argument("--folds", type=int, default=5, help="fit: cross-validation folds (default 5)")
    p.add_argument("--out", default=None, help="fit: where to save the model (default: user data dir)")
    p.add_argument("--no-builtin", action="store_true", help="fit: train on FILE only, without the packaged examples")
    p.set_defaults(handler=_route)

    s = sub.add_parser("stats", help="routing statistics from the user store")
    s.add_argument("--json", action="store_true", help="print the RoutingStats fields as JSON")
    s.set_defaults(handler=_stats)


def _prepare_numpy() -> None:
    # One BLAS thread: the router's matrices are small, and extra threads only
    # fight over the cores with the rest of the system.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _print_diagnostics(diags) -> None:
    for d in diags:
        print(d.format(), file=sys.stderr)


def _route(args) -> int:
    _prepare_numpy()
    words = args.words
    if words and words[0] in ("fit", "eval") and len(words) == 2 and not args.jsonl:
        return _fit(args, words[1]) if words[0] == "fit" else _eval(args, words[1])
    if args.jsonl:
        if words:
            print("triforce route: give either QUERY or --jsonl, not both", file=sys.stderr)
            return 2
        return _route_jsonl(args)
    if words:
        query = " ".join(words)
    elif not sys.stdin.isatty():
        query = sys.stdin.buffer.read()
    else:
        print("triforce route: no query (give QUERY, pipe text on stdin, or use --jsonl)", file=sys.stderr)
        return 2
    from triforce.config import load_config
    from triforce.router import Router

    config = load_config()
    _print_diagnostics(config.diagnostics)
    router = Router.load(config)
    _print_diagnostics(router.diagnostics)
    decision = router.route(query, top_k=args.top_k, previous_expert=args.previous_expert)
    _record(args, [decision])
    _print_diagnostics(decision.diagnostics)
    if args.json:
        print(json.dumps(decision.to_dict(query_chars=QUERY_ECHO_CHARS), ensure_ascii=False))
    else:
        plan = " -> ".join(decision.intents)
        experts = " -> ".join(decision.experts)
        print(f"{plan}   ({experts})   confidence {decision.confidence:.2f}   "
              f"[{decision.path}, {decision.latency_ms:.1f} ms]")
    return 0


def _record(args, decisions) -> None:
    if args.no_record:
        return
    from triforce.store import Store, StoreError

    try:
        store = Store()
        for decision in decisions:
            store.record_route(decision, conversation_id=args.conversation, source="cli")
    except (StoreError, OSError) as exc:
        print(f"triforce route: statistics not recorded: {exc}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - sqlite3 errors: statistics must never break routing
        print(f"triforce route: statistics not recorded: {type(exc).__name__}: {exc}", file=sys.stderr)


def _route_jsonl(args) -> int:
    from triforce.config import load_config
    from triforce.router import Router

    config = load_config()
    _print_diagnostics(config.diagnostics)
    router = Router.load(config)
    _print_diagnostics(router.diagnostics)
    failures = 0
    out = sys.stdout
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw.decode("utf-8"))
            if not isinstance(item, dict) or not isinstance(item.get("query"), str):
                raise TypeError('expected an object with a string "query"')
        except (UnicodeDecodeError, ValueError, TypeError) as exc:
            failures += 1
            message = f"line {number}: {exc}"
            out.write(json.dumps({"line": number, "error": {"code": "R041", "message": message}}) + "\n")
            continue
        decision = router.route(item["query"], top_k=args.top_k)
        _record(args, [decision])
        line = {
            "query": item["query"],
            "intents": decision.intents,
            "experts": decision.experts,
            "confidence": round(decision.confidence, 4),
        }
        if decision.diagnostics:
            line["diagnostics"] = [d.to_dict() for d in decision.diagnostics]
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
    return 1 if failures else 0


def _load_labelled(path, router):
    from triforce.router.evaluate import read_labelled

    labelled = read_labelled(path, router.table.intents)
    _print_diagnostics(labelled.diagnostics)
    if not labelled.rows:
        print(f"triforce route: no labelled queries in {path}", file=sys.stderr)
        return None
    return labelled


def _eval(args, path) -> int:
    from triforce.config import load_config
    from triforce.router import Router
    from triforce.router.evaluate import evaluate

    router = Router.load(load_config())
    _print_diagnostics(router.diagnostics)
    labelled = _load_labelled(path, router)
    if labelled is None:
        return 1
    decisions = [router.route(r["query"], top_k=args.top_k) for r in labelled.rows]
    report = evaluate([r["intents"] for r in labelled.rows], [d.intents for d in decisions], router.table.intents)
    latencies = sorted(d.latency_ms for d in decisions)
    median = latencies[len(latencies) // 2]
    if args.json:
        data = report.to_dict()
        data["latency_ms_median"] = round(median, 3)
        print(json.dumps(data))
    else:
        print(report.format())
        print(f"\nmedian routing latency {median:.2f} ms")
    return 1 if labelled.diagnostics else 0


def _fit(args, path) -> int:
    from triforce.config import load_config
    from triforce.router import Router
    from triforce.router.core import user_model_path
    from triforce.router.encoder import EncoderUnavailable, MiniLMEncoder
    from triforce.router.training import FitOptions, fit

    router = Router.load(load_config())
    labelled = _load_labelled(path, router)
    if labelled is None:
        return 1
    try:
        encoder = MiniLMEncoder(router.settings.encoder)
    except EncoderUnavailable as exc:
        print(f"triforce route fit: {exc}", file=sys.stderr)
        return 1
    options = FitOptions(folds=max(2, args.folds))
    model, cv = fit(labelled.rows, router.table, encoder, options, with_builtin=not args.no_builtin,
                    progress=lambda msg: print(msg, file=sys.stderr))
    out = args.out or str(user_model_path())
    model.save(out)
    if args.json:
        print(json.dumps({
            "model": out, "threshold": model.meta.get("threshold"),
            "cross_validation": cv.report.to_dict() if cv else None,
            "cross_validation_full_model": cv.full_report.to_dict() if cv and cv.full_report else None,
            "fast_path": cv.fast.to_dict() if cv and cv.fast else None,
        }))
    else:
        if cv is not None:
            print(f"{options.folds}-fold cross-validation on {path} "
                  f"(threshold {cv.threshold}, min confidence {cv.min_confidence}):")
            print(cv.report.format())
            if cv.fast is not None:
                fast = cv.fast
                print(f"\nfast path: answered {fast.share:.1%} of held-out queries without the encoder "
                      f"(gate {fast.gate:.2f}, blend {fast.blend:.2f}); exact {fast.accuracy:.1%} on them "
                      f"vs {fast.full_accuracy:.1%} for the full model")
            if cv.full_report is not None:
                print(f"full model alone (no fast path): exact {cv.full_report.exact:.1%}, "
                      f"first intent {cv.full_report.top1:.1%}")
        print(f"\nmodel saved to {out}")
    return 0


def _stats(args) -> int:
    from triforce.store import Store, StoreError

    try:
        stats = Store().routing_stats()
    except StoreError as exc:
        print(f"triforce stats: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(stats))
        return 0
    total = stats["total_queries"]
    lat = stats["latency_ms"]
    print(f"total queries   {total}")
    print(f"fallback rate   {stats['fallback_rate']:.1%}")
    print(f"routing latency avg {lat['avg']:.2f} ms   p50 {lat['p50']:.2f} ms   p95 {lat['p95']:.2f} ms")
    if stats["expert_distribution"]:
        print("expert distribution")
        share = sum(stats["expert_distribution"].values()) or 1
        for expert, count in stats["expert_distribution"].items():
            print(f"  {expert:<10}{count:>7}  {count / share:6.1%}")
    if stats["intent_confidence_avg"]:
        print("average confidence per intent")
        for intent, value in stats["intent_confidence_avg"].items():
            print(f"  {intent:<14}{value:.2f}")
    if stats["transitions"]:
        print("transitions")
        for source, targets in stats["transitions"].items():
            for target, count in targets.items():
                print(f"  {source} -> {target}  {count}")
    return 0
