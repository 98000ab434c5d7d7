"""HTTP server overhead per request and /v1/route throughput.

    python benchmarks/bench_server.py [--requests 300] [--seconds 5] [--clients 8]

Starts ``triforce serve --backend mock`` in a subprocess (its own interpreter,
as in real use; a private TRIFORCE_HOME) and drives it over keep-alive
connections from this process. Figures:

* ``overhead``: per non-streaming ``/v1/chat/completions`` request, the time
  the client waited minus the time ``Orchestrator.ask`` ran for it (the
  server's ``Server-Timing: orchestrator;dur=`` header; the orchestrator's own
  work, its SQLite request log included, is its figure, not the server's).
  What remains is the server: HTTP parsing, validation, the worker-thread hop,
  JSON encoding, plus the client's own request handling (counted, so the
  figure errs high). Median and p95; the orchestrator's median is printed too.
* ``CPU``: the server process's CPU time per request (``/proc``), minus the CPU
  time of the same ``Orchestrator.ask`` run directly in this process. Unlike
  wall time it does not grow when other work shares the cores.
* ``route``: ``POST /v1/route`` requests per second with ``--clients``
  concurrent keep-alive connections for ``--seconds`` seconds, cycling through
  the 300 different queries of ``shared/routing/dev.jsonl``, once per router
  mode (``keyword``: patterns only; ``auto``: the embedding classifier);
  printed beside it, what ``Router.route`` alone costs per query (no HTTP).

Targets (issue 5): overhead ≤ 5 ms/request; ≥ 200 route requests/s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# As `triforce serve` does: one BLAS thread per request thread (see cli/serve.py),
# set before numpy is imported so the router measured here matches the server's.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import httpx

SHARED = Path(os.environ.get("TRIFORCE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
FALLBACK_QUERIES = [
    "optimize this loop for fewer cycles: ldx #0 / inx / cpx #10 / bne -",
    "write a DMA routine that copies 2 KiB to VRAM",
    "why does my NMI handler crash after a few frames?",
    "what does this routine at $80C0 do?",
    "map the RAM usage of my hack",
    "hello, how are you?",
]


def load_queries() -> list[str]:
    """The labelled routing queries (all different, as real traffic is), if present."""
    path = SHARED / "routing" / "dev.jsonl"
    if not path.is_file():
        return FALLBACK_QUERIES
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["query"] for line in handle if line.strip()]


QUERIES = load_queries()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(home: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "triforce", "serve", "--port", str(port), "--backend", "mock",
         "--log-level", "warning", "--per-client-concurrency", "64"],
        env={**os.environ, "TRIFORCE_HOME": home}, cwd=home,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read()}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start within 60 s")


def server_timing(response: httpx.Response) -> dict[str, float]:
    """``Server-Timing: orchestrator;dur=12.3, queue;dur=0.1`` -> {name: ms}."""
    out = {}
    for part in response.headers.get("server-timing", "").split(","):
        name, _, dur = part.strip().partition(";dur=")
        if name and dur:
            out[name] = float(dur)
    return out


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def orchestrator_cpu_per_request(home: str, requests: int) -> float:
    """CPU seconds one ``Orchestrator.ask`` costs in this process: the same request, the
    same mock backend (through the same resolver) and a SQLite store of its own."""
    from pathlib import Path

    from triforce.config import Config
    from triforce.orchestrator import AskRequest, Orchestrator
    from triforce.store import Store

    orchestrator = Orchestrator(config=Config(), store=Store(Path(home) / "direct.db"))
    request = {"query": "explain LDA", "expert": "veran", "backend": "mock", "source": "bench"}
    for _ in range(20):
        orchestrator.ask(AskRequest(**request))
    start = time.process_time()
    for _ in range(requests):
        orchestrator.ask(AskRequest(**request))
    return (time.process_time() - start) / requests


def router_seconds_per_query(queries: list[str], mode: str) -> float:
    """What ``Router.route`` alone costs per query in one thread (no HTTP), for scale."""
    from triforce.config import Config
    from triforce.router import Router

    router = Router.load(Config(data={"router": {"mode": mode}}))
    for query in queries[:5]:
        router.route(query)
    start = time.perf_counter()
    for query in queries:
        router.route(query)
    return (time.perf_counter() - start) / len(queries)


def measure_in_process(home: str, requests: int) -> dict:
    """The same request through the ASGI app in this process (no sockets, no second
    interpreter): what the server's own code adds to ``Orchestrator.ask``."""
    from triforce.config import Config
    from triforce.orchestrator import Orchestrator
    from triforce.server.app import create_app
    from triforce.server.settings import ServerSettings
    from triforce.store import Store

    store = Store(Path(home) / "in-process.db")
    config = Config(data={"router": {"mode": "keyword"}})
    app = create_app(ServerSettings(backend="mock"), store=store, config=config,
                     orchestrator=Orchestrator(config=config, store=store))
    body = {"model": "triforce/veran", "messages": [{"role": "user", "content": "explain LDA"}]}
    overheads = []

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for i in range(requests + 20):
                start = time.perf_counter()
                response = await client.post("/v1/chat/completions", json=body)
                elapsed_ms = (time.perf_counter() - start) * 1000.0
                response.raise_for_status()
                if i >= 20:
                    overheads.append(elapsed_ms - server_timing(response)["orchestrator"])

    asyncio.run(run())
    app.state.engine.close()
    overheads.sort()
    return {"median_ms": statistics.median(overheads),
            "p95_ms": overheads[int(0.95 * (len(overheads) - 1))]}


def measure_overhead(url: str, requests: int, pid: int | None = None) -> dict:
    body = {"model": "triforce/veran", "messages": [{"role": "user", "content": "explain LDA"}]}
    overheads, totals, asks = [], [], []
    cpu_start = None
    with httpx.Client(base_url=url, timeout=60) as client:
        for i in range(requests + 20):
            if i == 20 and pid is not None:
                cpu_start = process_cpu_seconds(pid)
            start = time.perf_counter()
            response = client.post("/v1/chat/completions", json=body)
            elapsed_ms = (time.perf_counter() - start) * 1000.0
            response.raise_for_status()
            if i < 20:
                continue   # warm-up: imports, first connections, SQLite page cache
            orchestrator_ms = server_timing(response)["orchestrator"]
            totals.append(elapsed_ms)
            asks.append(orchestrator_ms)
            overheads.append(elapsed_ms - orchestrator_ms)
    overheads.sort()
    server_cpu = (process_cpu_seconds(pid) - cpu_start) / requests if cpu_start is not None else None
    return {
        "server_cpu_ms": server_cpu * 1000.0 if server_cpu is not None else None,
        "requests": requests,
        "total_median_ms": statistics.median(totals),
        "orchestrator_median_ms": statistics.median(asks),
        "overhead_median_ms": statistics.median(overheads),
        "overhead_p95_ms": overheads[int(0.95 * (len(overheads) - 1))],
    }


async def measure_route(url: str, seconds: float, clients: int, pid: int) -> dict:
    done = 0
    errors = 0
    stop_at = 0.0   # set after the warm-up

    async def worker(index: int, client: httpx.AsyncClient):
        nonlocal done, errors
        n = index
        while time.perf_counter() < stop_at:
            response = await client.post("/v1/route", json={"query": QUERIES[n % len(QUERIES)]})
            n += 1
            if response.status_code == 200:
                done += 1
            else:
                errors += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        for query in QUERIES[:5]:   # warm-up
            warm = await client.post("/v1/route", json={"query": query})
            if warm.status_code != 200:
                return {"unavailable": warm.text}
        cpu_start = process_cpu_seconds(pid)
        start = time.perf_counter()
        stop_at = start + seconds
        await asyncio.gather(*(worker(i, client) for i in range(clients)))
        elapsed = time.perf_counter() - start
        cpu = process_cpu_seconds(pid) - cpu_start
    return {"requests": done, "errors": errors, "seconds": elapsed, "per_second": done / elapsed,
            "server_cpu_ms": cpu * 1000.0 / max(done, 1)}


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def route_figures(mode: str, seconds: float, clients: int) -> dict:
    """/v1/route throughput with ``[router] mode = MODE`` and the router's own cost."""
    with tempfile.TemporaryDirectory() as home:
        Path(home, "triforce.toml").write_text(f'[router]\nmode = "{mode}"\n', encoding="utf-8")
        process, url = start_server(home)
        try:
            route = asyncio.run(measure_route(url, seconds, clients, process.pid))
        finally:
            stop_server(process)
    if "unavailable" not in route:
        route["router_ms"] = router_seconds_per_query(QUERIES[:60], mode) * 1000.0
    return route


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--router-modes", default="keyword,auto",
                        help="comma-separated [router] modes to measure /v1/route with")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as home:
        process, url = start_server(home)
        try:
            overhead = measure_overhead(url, args.requests, process.pid)
        finally:
            stop_server(process)
        direct_cpu_ms = orchestrator_cpu_per_request(home, args.requests) * 1000.0
        in_process = measure_in_process(home, args.requests)
    routes = {mode: route_figures(mode, args.seconds, args.clients)
              for mode in args.router_modes.split(",") if mode}

    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"non-streaming chat, mock backend, {overhead['requests']} requests: "
          f"client total median {overhead['total_median_ms']:.2f} ms, of which "
          f"Orchestrator.ask {overhead['orchestrator_median_ms']:.2f} ms; "
          f"server overhead median {overhead['overhead_median_ms']:.2f} ms, "
          f"p95 {overhead['overhead_p95_ms']:.2f} ms (target <= 5 ms)")
    cpu_overhead_ms = overhead["server_cpu_ms"] - direct_cpu_ms
    print(f"CPU per request: server process {overhead['server_cpu_ms']:.2f} ms, the same "
          f"Orchestrator.ask alone {direct_cpu_ms:.2f} ms; server CPU overhead "
          f"{cpu_overhead_ms:.2f} ms (does not grow with other load on the machine)")
    print(f"in-process (ASGI, no sockets): server code adds median {in_process['median_ms']:.2f} "
          f"ms, p95 {in_process['p95_ms']:.2f} ms to Orchestrator.ask")
    ok = overhead["overhead_median_ms"] <= 5.0
    for mode, route in routes.items():
        if "unavailable" in route:
            print(f"/v1/route [{mode}]: not measured: {route['unavailable']}")
            ok = False
            continue
        print(f"/v1/route [router mode {mode}]: {route['requests']} requests in "
              f"{route['seconds']:.2f} s with {args.clients} clients = {route['per_second']:.0f} "
              f"req/s, {route['errors']} errors (target >= 200 req/s); server CPU "
              f"{route['server_cpu_ms']:.2f} ms/request (= {1000.0 / route['server_cpu_ms']:.0f} "
              f"req/s per free core); Router.route alone, one thread, no HTTP: "
              f"{route['router_ms']:.2f} ms/query")
        ok = ok and route["per_second"] >= 200 and not route["errors"]
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
