"""``triforce serve``: the OpenAI- and Ollama-compatible HTTP API and the dashboard."""

from __future__ import annotations

import os
import sys


def register(sub) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve the OpenAI- and Ollama-compatible API and the dashboard",
        description="Serve Triforce over HTTP: /v1/chat/completions and /v1/models (OpenAI), "
                    "/api/chat, /api/generate, /api/tags, /api/ps (Ollama), /v1/route, /health, "
                    "/metrics and a routing dashboard at /. Binds to 127.0.0.1 unless told "
                    "otherwise; any other address needs --api-key.",
    )
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8765)")
    parser.add_argument("--api-key", default=None,
                        help="require 'Authorization: Bearer KEY' (default: $TRIFORCE_API_KEY)")
    parser.add_argument("--backend", default=None, help="backend for every request (e.g. mock, ollama)")
    parser.add_argument("--base-url", default=None, help="the backend's URL")
    parser.add_argument("--model", default=None, help="the backend's model name")
    parser.add_argument("--tier", choices=("fast", "balanced", "quality"), default=None)
    parser.add_argument("--cors-origin", action="append", default=None, metavar="ORIGIN",
                        help="allow browser requests from ORIGIN (repeatable; CORS is off by default)")
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="largest max_tokens a request may ask for (default 8192)")
    parser.add_argument("--per-client-concurrency", type=int, default=None,
                        help="requests one client may run at once (default 8)")
    parser.add_argument("--request-timeout", type=float, default=None, dest="request_timeout_s",
                        help="seconds one request may take in all (default 600)")
    parser.add_argument("--route-processes", type=int, default=None, metavar="N",
                        help="router processes for /v1/route (default: 2 on a multi-core POSIX "
                             "machine with the embedding router, else 0 = router threads only)")
    parser.add_argument("--log-level", default="info",
                        choices=("critical", "error", "warning", "info", "debug"))
    parser.set_defaults(handler=run)


#: BLAS libraries start a thread per core for every matrix product; the server
#: already runs many requests at once, so nested pools only fight over the cores
#: (the router's encoder ran ~10x slower under load). One BLAS thread per request
#: thread unless the user says otherwise; set before numpy is first imported.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _route_processes(args, config) -> int | None:
    """The flag, else the config's ``[server] route_processes``, else 2 on a multi-core
    machine (the engine forks them only for an embedding router, and only where the
    platform can fork). Measured on 2 cores with queries the router model had not seen
    (``benchmarks/bench_server.py --held-out``): router threads alone 199 req/s, two
    router processes 267 req/s."""
    if args.route_processes is not None:
        return args.route_processes
    if "route_processes" in config.section("server") or (os.cpu_count() or 1) < 2:
        return None   # the config's value (or the one-core default) stands
    return 2


def run(args) -> int:
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    from triforce.config import load_config
    from triforce.diagnostics import has_errors
    from triforce.server.settings import ServerSettings, check_settings

    config = load_config()
    for diagnostic in config.diagnostics:
        print(diagnostic.format(), file=sys.stderr)
    settings = ServerSettings.from_config(
        config.section("server"),
        host=args.host, port=args.port,
        api_key=args.api_key or os.environ.get("TRIFORCE_API_KEY") or None,
        backend=args.backend, base_url=args.base_url, model=args.model, tier=args.tier,
        cors_origins=tuple(args.cors_origin) if args.cors_origin else None,
        max_tokens=args.max_tokens, per_client_concurrency=args.per_client_concurrency,
        request_timeout_s=args.request_timeout_s,
        route_processes=_route_processes(args, config),
    )
    problems = check_settings(settings)
    for diagnostic in problems:
        print(diagnostic.format(), file=sys.stderr)
    if has_errors(problems):
        return 2

    import uvicorn

    from triforce.server.app import create_app

    app = create_app(settings, config=config)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"triforce: serving on http://{host}:{settings.port}/ (dashboard at /, "
          f"OpenAI API at /v1, Ollama API at /api)", file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=int(settings.port), log_level=args.log_level,
                timeout_keep_alive=5, limit_concurrency=settings.max_connections,
                timeout_graceful_shutdown=5, server_header=False)
    return 0
