"""Orchestration overhead per request, excluding model time and the checks themselves.

    python benchmarks/bench_orchestrator.py [--requests 300] [--states 1000]

A MockBackend with no delay stands in for the model (its own time is a few
microseconds per chunk), so what remains of a request is the orchestrator:
planning, messages, the streaming thread and queue, extracting blocks,
synthesis, the trace. Figures:

* ``core``: forced expert, an answer with no code (nothing to check), no log;
* ``with checks``: an optimization answer — its checks timed separately and
  subtracted (``Answer.overhead_ms``);
* ``with router``/``with store``: the real router and the SQLite request log
  added, to show what they cost on top (the router's own time is printed and
  subtracted: routing has its own target).

The issue's targets: overhead ≤ 5 ms/request; an equivalence check of a
30-instruction snippet on 1,000 states ≤ 1 s (measured last).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from triforce.backends.base import ChatMessage, ChatRequest
from triforce.backends.mock import MockBackend
from triforce.config import Config
from triforce.orchestrator import AskRequest, Orchestrator

PROSE = ("Direct page is a 256-byte window the D register can move anywhere in bank 0; "
         "instructions that use it are a byte shorter and a cycle faster. ") * 12
QUERY = ("Make this faster. A and the flags are free after this.\n```asm\n"
         "LDA $10\nCLC\nADC #$01\nSTA $10\nLDA $11\nADC #$00\nSTA $11\nRTS\n```")
REPLY = "Use INC with a carry check:\n```asm\nINC $10\nBNE +\nINC $11\n+\nRTS\n```\n" + PROSE

# 30 instructions: a clamp-and-accumulate over three bytes, and an equivalent rewrite
# (the ADC #$00 chains become INC on carry, so the checker runs every state to the end).
SNIPPET = """
LDA $20
CLC
ADC $21
STA $22
LDA $23
ADC #$00
STA $23
LDA $24
CMP #$40
BCC +
LDA #$40
+
STA $24
LDA $25
AND #$0F
ORA #$30
STA $25
LDX $26
INX
STX $26
LDY $27
DEY
STY $27
LDA $28
EOR #$FF
STA $28
LDA $29
ASL A
STA $29
RTS
"""
REWRITE = SNIPPET.replace("LDA $28\nEOR #$FF\nSTA $28", "LDA #$FF\nEOR $28\nSTA $28")


def model_time_ms(backend: MockBackend, n: int = 200) -> float:
    """What the mock model itself costs per call (iterating its stream directly)."""
    request = ChatRequest(messages=[ChatMessage("user", "q")])
    start = time.perf_counter()
    for _ in range(n):
        for _chunk in backend.chat(request):
            pass
    backend.requests.clear()
    return (time.perf_counter() - start) * 1000.0 / n


def timed(orch: Orchestrator, request: AskRequest, n: int, model_ms: float = 0.0,
          routes: list[float] | None = None) -> tuple[list[float], list[float]]:
    """Wall time per request, and the orchestration overhead: wall time minus the
    model's own time, the checks (timed inside the request) and the router's own
    time (its ``latency_ms``, collected into ``routes``)."""
    totals, overheads = [], []
    for _ in range(n):
        start = time.perf_counter()
        answer = orch.ask(request)
        wall = (time.perf_counter() - start) * 1000.0
        checks = sum(s.check_ms for s in answer.steps) + answer.trace["timing"].get("user_check_ms", 0.0)
        route_ms = float(answer.route.get("latency_ms") or 0.0)
        if routes is not None:
            routes.append(route_ms)
        totals.append(wall)
        overheads.append(wall - checks - route_ms
                         - model_ms * sum(len(s.attempts) for s in answer.steps))
    return totals, overheads


def report(name: str, totals: list[float], overheads: list[float] | None = None) -> None:
    def stats(values):
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        return f"mean {statistics.mean(values):7.3f}  p50 {statistics.median(values):7.3f}  p95 {p95:7.3f}"
    print(f"{name:34} wall ms      {stats(totals)}")
    if overheads is not None:
        print(f"{'':34} overhead ms  {stats(overheads)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--states", type=int, default=1000)
    args = parser.parse_args()
    n = args.requests

    prose_backend = MockBackend(PROSE, chunk_size=16)
    core = Orchestrator(config=Config(), store=False,
                        backend_factory=lambda e, r: prose_backend)
    request = AskRequest("What is direct page good for?", expert="veran")
    prose_ms = model_time_ms(prose_backend)
    timed(core, request, 10)                                   # warm up imports and caches
    report("core (no code, no log, forced)", *timed(core, request, n, prose_ms))

    code_backend = MockBackend(REPLY, chunk_size=16)
    checked = Orchestrator(config=Config(), store=False,
                           backend_factory=lambda e, r: code_backend)
    checked.limits.states = 200                               # the checks are subtracted anyway
    code_request = AskRequest(QUERY, expert="din")
    code_ms = model_time_ms(code_backend)
    timed(checked, code_request, 2)
    report("with checks (subtracted)", *timed(checked, code_request, max(10, n // 10), code_ms))

    try:
        routed = Orchestrator(config=Config(), store=False,
                              backend_factory=lambda e, r: prose_backend)
        routed.router()
        routed_request = AskRequest("What is direct page good for?")
        timed(routed, routed_request, 3)
        routes: list[float] = []
        report("with the real router", *timed(routed, routed_request, max(10, n // 10),
                                               prose_ms, routes))
        print(f"{'':34} router's own ms  mean {statistics.mean(routes):7.3f}  "
              f"p50 {statistics.median(routes):7.3f}  (subtracted above)")
    except Exception as exc:   # the router layer may be absent in a partial checkout
        print(f"with the real router: skipped ({type(exc).__name__}: {exc})")

    with tempfile.TemporaryDirectory() as folder:
        from triforce.store import Store

        logged = Orchestrator(config=Config(), store=Store(Path(folder) / "bench.db"),
                              backend_factory=lambda e, r: prose_backend)
        timed(logged, request, 5)
        report("with the SQLite request log", *timed(logged, request, n, prose_ms))

    from triforce.analysis.equivalence import check_equivalence

    instructions = sum(1 for line in SNIPPET.strip().splitlines() if line.strip() not in ("+",))
    check_equivalence(SNIPPET, REWRITE, states=50)
    start = time.perf_counter()
    result = check_equivalence(SNIPPET, REWRITE, states=args.states)
    elapsed = time.perf_counter() - start
    print(f"equivalence, {instructions}-instruction snippet: {result.states_tested} states in "
          f"{elapsed:.3f} s (equivalent={result.equivalent})")


if __name__ == "__main__":
    main()
