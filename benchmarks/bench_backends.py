"""Backend overhead and adapter-switch time (targets of issue 7).

    python benchmarks/bench_backends.py [--requests 300] [--switches 400] [--no-local]

1. Overhead per request of our client code, excluding model time: the ollama
   and openai backends stream a canned 32-token reply from httpx's in-process
   transport (no socket, no model), so what is timed is request building,
   httpx, stream parsing and chunk objects. Target <= 2 ms. For reference the
   same against a real local HTTP server (tests/fixtures/fake_ollama.py), where
   the socket and the server's own Python are added, and the cost of
   ``Resolver.resolve`` for a warm resolver.
2. Local backend (transformers + PEFT) on the tiny test model: median time to
   switch between two resident adapters (``set_adapter``). Target <= 5 ms.
   Needs torch/transformers/peft/tokenizers; builds the tiny model under
   ~/.cache/triforce like the tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

WORDS = [f"w{i} " for i in range(32)]


def _ms(values: list[float]) -> dict:
    values = sorted(values)
    return {"median_ms": round(statistics.median(values) * 1000, 4),
            "p95_ms": round(values[int(0.95 * (len(values) - 1))] * 1000, 4), "n": len(values)}


def _ollama_transport():
    import httpx

    lines = [json.dumps({"model": "m", "created_at": "2024-01-01T00:00:00Z",
                         "message": {"role": "assistant", "content": w}, "done": False}) for w in WORDS]
    lines.append(json.dumps({"model": "m", "created_at": "2024-01-01T00:00:00Z",
                             "message": {"role": "assistant", "content": ""}, "done": True,
                             "prompt_eval_count": 10, "eval_count": 32}))
    body = ("\n".join(lines) + "\n").encode()
    return httpx.MockTransport(lambda request: httpx.Response(
        200, content=body, headers={"content-type": "application/x-ndjson"}))


def _openai_transport():
    import httpx

    events = [{"choices": [{"index": 0, "delta": {"content": w}}]} for w in WORDS]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 10, "completion_tokens": 32}})
    body = ("".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n").encode()
    return httpx.MockTransport(lambda request: httpx.Response(
        200, content=body, headers={"content-type": "text/event-stream"}))


def _time_requests(backend, request, n: int) -> list[float]:
    from triforce.backends.base import collect

    for _ in range(10):                      # warm up the client and the connection pool
        collect(backend.chat(request))
    times = []
    for _ in range(n):
        started = time.perf_counter()
        text, final = collect(backend.chat(request))
        times.append(time.perf_counter() - started)
        assert final is not None and text
    return times


def bench_overhead(n: int) -> dict:
    from fake_ollama import FakeOllama

    from triforce.backends.base import ChatMessage, ChatRequest
    from triforce.backends.ollama import OllamaBackend
    from triforce.backends.openai_compat import OpenAIBackend
    from triforce.config import load_config
    from triforce.experts import Resolver

    request = ChatRequest([ChatMessage("system", "s" * 800), ChatMessage("user", "optimize this")],
                          model="m", adapter=None)
    out = {}
    with OllamaBackend("http://bench.invalid", transport=_ollama_transport()) as backend:
        out["ollama_in_process"] = _ms(_time_requests(backend, request, n))
    with OpenAIBackend("http://bench.invalid", transport=_openai_transport(), flavor="vllm") as backend:
        vllm_request = ChatRequest(request.messages, model="base", adapter="din")
        out["openai_in_process"] = _ms(_time_requests(backend, vllm_request, n))
    with FakeOllama({"m:latest": 1}, reply=lambda model, messages: "".join(WORDS).strip()) as fake:
        with OllamaBackend(fake.url) as backend:
            out["ollama_local_http_server"] = _ms(_time_requests(backend, ChatRequest(
                request.messages, model="m"), max(50, n // 3)))
    resolver = Resolver(load_config([]))
    resolver.probe_timeout = 0.05
    started = time.perf_counter()
    resolver.resolve("din")
    first = time.perf_counter() - started
    times = []
    for _ in range(n):
        started = time.perf_counter()
        resolver.resolve("din")
        times.append(time.perf_counter() - started)
    out["resolver_first_resolve_ms"] = round(first * 1000, 2)
    out["resolver_warm_resolve"] = _ms(times)
    resolver.close()
    return out


def bench_local_switch(switches: int) -> dict:
    from tiny_models import ensure_hf

    from triforce.backends.local import LocalBackend

    models = ensure_hf()
    backend = LocalBackend(str(models.base), {n: str(models.adapter(n)) for n in ("din", "nayru")},
                           max_adapters=2, threads=1)
    backend.preload("din")
    backend.preload("nayru")
    backend.switch_ms.clear()
    names = ("din", "nayru")
    with backend._lock:
        for index in range(switches):
            backend._activate(names[index % 2])
    stats = backend.stats()
    # One greedy request per adapter, to show the switch in the context of a real request.
    from triforce.backends.base import ChatMessage, ChatRequest, collect

    request_ms = {}
    for name in names:
        started = time.perf_counter()
        collect(backend.chat(ChatRequest([ChatMessage("user", "optimize")], adapter=name,
                                         temperature=0, max_tokens=8)))
        request_ms[name] = round((time.perf_counter() - started) * 1000, 2)
    backend.close()
    return {"switch_median_ms": round(stats["switch_ms_median"], 4),
            "switch_p95_ms": round(stats["switch_ms_p95"], 4), "switches": stats["switches"],
            "adapter_load_median_ms": round(stats["load_ms_median"], 2),
            "request_8_tokens_ms": request_ms}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--switches", type=int, default=400)
    parser.add_argument("--no-local", action="store_true", help="skip the transformers+PEFT part")
    args = parser.parse_args(argv)
    result = {"overhead": bench_overhead(args.requests)}
    if not args.no_local:
        try:
            result["local_adapter_switch"] = bench_local_switch(args.switches)
        except ImportError as exc:
            result["local_adapter_switch"] = f"skipped: {exc}"
    print(json.dumps(result, indent=2))
    overhead = result["overhead"]["ollama_in_process"]["median_ms"]
    print(f"\nbackend overhead (ollama, in-process transport): {overhead:.3f} ms median "
          f"(target <= 2 ms): {'OK' if overhead <= 2 else 'MISSED'}")
    local = result.get("local_adapter_switch")
    if isinstance(local, dict):
        print(f"local adapter switch: {local['switch_median_ms']:.3f} ms median "
              f"(target <= 5 ms): {'OK' if local['switch_median_ms'] <= 5 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
