"""Process metrics in the Prometheus text exposition format (version 0.0.4).

Counters live in a :class:`Metrics` object owned by the app (no globals) and
are updated once per finished request from its :class:`Answer`: the API that
served it, its status and latency, the experts that ran, whether the router
fell back to the general model, and the backend errors its steps hit.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                     120.0, 300.0)
ROUTE_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in sorted(labels.items()))
    return "{" + inner + "}"


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


class Histogram:
    def __init__(self, buckets=LATENCY_BUCKETS_S):
        self.buckets = tuple(buckets)
        self.counts = [0] * len(self.buckets)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.total += 1
        self.sum += value
        for index, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[index] += 1


class Metrics:
    def __init__(self):
        self._lock = threading.Lock()
        self.started = time.time()
        self.requests: Counter = Counter()          # (api, status)
        self.latency: dict[str, Histogram] = {}      # api -> seconds
        self.experts: Counter = Counter()            # expert -> steps run
        self.routed = 0
        self.fallbacks = 0
        self.backend_errors: Counter = Counter()     # (backend, kind)
        self.http_errors: Counter = Counter()        # Triforce error code
        self.route_calls = 0
        self.route_latency = Histogram(ROUTE_BUCKETS_S)
        self.disconnects = 0

    def observe_answer(self, api: str, answer_dict: dict | None, status: str, seconds: float) -> None:
        """Record one finished orchestration (``answer_dict``: ``Answer.to_dict()`` or None)."""
        with self._lock:
            self.requests[(api, status)] += 1
            self.latency.setdefault(api, Histogram()).observe(seconds)
            if not answer_dict:
                return
            route = answer_dict.get("route") or {}
            intents = route.get("intents") or []
            if intents and route.get("path") != "forced":   # a forced expert is no routing
                self.routed += 1
                if list(intents) == ["general"]:
                    self.fallbacks += 1
            for step in answer_dict.get("steps") or []:
                expert = step.get("expert")
                if expert:
                    self.experts[expert] += 1
                backend = step.get("fallback_from")
                if backend:   # a backend failed and another one answered
                    self.backend_errors[(backend, "fallback")] += 1
                if step.get("status") in ("error", "timeout"):
                    self.backend_errors[(step.get("backend") or "unknown", step["status"])] += 1

    def observe_route(self, seconds: float = 0.0) -> None:
        with self._lock:
            self.route_calls += 1
            self.route_latency.observe(seconds)

    def observe_error(self, code: str) -> None:
        with self._lock:
            self.http_errors[code] += 1

    def observe_disconnect(self) -> None:
        with self._lock:
            self.disconnects += 1

    def render(self, *, in_flight: int = 0, statistics: dict | None = None) -> str:
        """The exposition text; ``in_flight`` and the statistics writer's figures
        (``Engine.statistics_health()``) are sampled by the caller."""
        statistics = statistics or {}
        out: list[str] = []

        def family(name: str, kind: str, help_text: str, samples):
            out.append(f"# HELP {name} {help_text}")
            out.append(f"# TYPE {name} {kind}")
            for suffix, labels, value in samples:
                out.append(f"{name}{suffix}{_labels(**labels)} {_number(value)}")

        with self._lock:
            family("triforce_requests_total", "counter", "Finished chat/generate requests.",
                   [("", {"api": api, "status": status}, n)
                    for (api, status), n in sorted(self.requests.items())])
            samples = []
            for api, hist in sorted(self.latency.items()):
                # observe() counts a value in every bucket it fits: already cumulative.
                for bound, count in zip(hist.buckets, hist.counts):
                    samples.append(("_bucket", {"api": api, "le": _number(bound)}, count))
                samples.append(("_bucket", {"api": api, "le": "+Inf"}, hist.total))
                samples.append(("_sum", {"api": api}, round(hist.sum, 6)))
                samples.append(("_count", {"api": api}, hist.total))
            family("triforce_request_duration_seconds", "histogram",
                   "Wall time of chat/generate requests.", samples)
            family("triforce_expert_steps_total", "counter", "Plan steps run, per expert.",
                   [("", {"expert": e}, n) for e, n in sorted(self.experts.items())])
            family("triforce_routed_requests_total", "counter",
                   "Requests the router planned (forced experts excluded).",
                   [("", {}, self.routed)])
            family("triforce_fallback_requests_total", "counter",
                   "Requests routed to the general fallback.", [("", {}, self.fallbacks)])
            family("triforce_fallback_ratio", "gauge", "Fallbacks over routed requests.",
                   [("", {}, round(self.fallbacks / self.routed, 6) if self.routed else 0)])
            family("triforce_backend_errors_total", "counter",
                   "Backend failures seen by plan steps.",
                   [("", {"backend": b, "kind": k}, n)
                    for (b, k), n in sorted(self.backend_errors.items())])
            family("triforce_http_errors_total", "counter", "API errors returned, by code.",
                   [("", {"code": c}, n) for c, n in sorted(self.http_errors.items())])
            family("triforce_route_requests_total", "counter", "POST /v1/route calls.",
                   [("", {}, self.route_calls)])
            hist = self.route_latency
            family("triforce_route_duration_seconds", "histogram",
                   "POST /v1/route: routing (queueing for a router included) and recording.",
                   [*(("_bucket", {"le": _number(bound)}, count)
                      for bound, count in zip(hist.buckets, hist.counts)),
                    ("_bucket", {"le": "+Inf"}, hist.total), ("_sum", {}, round(hist.sum, 6)),
                    ("_count", {}, hist.total)])
            family("triforce_client_disconnects_total", "counter",
                   "Streams cancelled because the client went away.", [("", {}, self.disconnects)])
            family("triforce_in_flight_requests", "gauge", "Orchestrations running now.",
                   [("", {}, in_flight)])
            family("triforce_statistics_rows_queued", "gauge",
                   "Routing statistics rows waiting for the store's writer thread.",
                   [("", {}, statistics.get("pending", 0))])
            family("triforce_statistics_rows_lost_total", "counter",
                   "Queued statistics rows the store could not write (see the server log).",
                   [("", {}, statistics.get("lost", 0))])
            family("triforce_uptime_seconds", "gauge", "Seconds since the server started.",
                   [("", {}, round(time.time() - self.started, 3))])
        return "\n".join(out) + "\n"
