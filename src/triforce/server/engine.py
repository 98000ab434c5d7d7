"""The server's one adapter onto the library: orchestrator, router, store, experts.

The orchestrator is synchronous (backends may block), so every request runs
in a worker thread of a pool owned by the app. Its events cross to the event
loop through ``call_soon_threadsafe`` onto an asyncio queue; a sentinel ends
the stream. Cancellation goes the other way through ``AskRequest.cancel``: a
client that disconnects, or a request past its deadline, sets it and the
orchestrator stops at its next check, still logging the request as cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from triforce.server.errors import APIError, ClientGone
from triforce.server.route_lane import decision_from_dict
from triforce.server.route_workers import embeds
from triforce.server.settings import ServerSettings

LOG = logging.getLogger("triforce.server")

MODEL_PREFIX = "triforce"
_END = object()        # queue sentinel: the worker finished
HEARTBEAT = object()   # yielded by Run.events() after HEARTBEAT_S without an event
HEARTBEAT_S = 10.0
STATS_FLUSH_TIMEOUT_S = 2.0
INLINE_ROUTE_CHARS = 4000   # longer queries go to a router thread (the loop stays responsive)


@dataclass
class RunResult:
    answer: object | None          # orchestrator Answer, None when it raised
    answer_dict: dict | None       # Answer.to_dict(), built in the worker thread
    error: BaseException | None
    seconds: float                 # from submission to the end (queueing in the pool included)
    ask_seconds: float = 0.0       # inside Orchestrator.ask only (its logging included)


class Run:
    """One orchestration in a worker thread, observed from the event loop."""

    def __init__(self, engine: Engine, ask_request, loop: asyncio.AbstractEventLoop, *,
                 stream: bool = True):
        self.engine = engine
        self.stream = stream     # False: nobody reads the events, so none cross threads
        self.request = ask_request
        self.cancel = threading.Event()
        ask_request.cancel = self.cancel
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()
        self.started = time.perf_counter()
        self.deadline = self.started + engine.settings.request_timeout_s
        self.result: RunResult | None = None
        self.future = loop.run_in_executor(engine.pool, self._work)
        engine.active.add(self)
        self.future.add_done_callback(lambda _: engine.active.discard(self))

    # -- worker thread ---------------------------------------------------------------
    def _emit(self, event) -> None:
        if not self.stream and event is not _END:
            return
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, event)
        except RuntimeError:   # the loop is closed (server shutting down): nobody listens
            pass

    def _work(self) -> RunResult:
        answer, answer_dict, error = None, None, None
        ask_started = time.perf_counter()
        try:
            answer = self.engine.orchestrator.ask(self.request, on_event=self._emit)
            answer_dict = answer.to_dict()
        except BaseException as exc:
            error = exc
            LOG.error("orchestrator failed", exc_info=exc)
            self.engine.log_failed_request(self.request, exc)
        finished = time.perf_counter()
        result = RunResult(answer, answer_dict, error, finished - self.started,
                           finished - ask_started)
        self._emit(_END)
        return result

    # -- event loop ------------------------------------------------------------------
    def _timeout(self) -> APIError:
        self.cancel.set()
        return APIError("H110", f"request took longer than "
                                f"{self.engine.settings.request_timeout_s:g} s")

    async def events(self):
        """Yield the orchestrator's Events, and HEARTBEAT after HEARTBEAT_S of silence;
        raises APIError(H110) past the deadline. Closing this generator early
        (client gone) cancels the run."""
        getter = None
        try:
            while True:
                remaining = self.deadline - time.perf_counter()
                if remaining <= 0:
                    raise self._timeout()
                # One pending get() survives timeouts: wait_for() would cancel it and
                # could drop an event that arrived at that very moment.
                if getter is None:
                    getter = asyncio.ensure_future(self.queue.get())
                done, _ = await asyncio.wait({getter}, timeout=min(remaining, HEARTBEAT_S))
                if not done:
                    if self.deadline - time.perf_counter() > 0:
                        yield HEARTBEAT
                    continue
                item, getter = getter.result(), None
                if item is _END:
                    break
                yield item
            self.result = await self.future
        finally:
            if getter is not None:
                getter.cancel()
            if self.result is None:
                self.cancel.set()

    async def wait(self, disconnected=None, poll_s: float = 0.25) -> RunResult:
        """Run to completion (non-streaming); ``disconnected()`` is polled so a
        client that hangs up cancels the orchestration."""
        try:
            while True:
                remaining = self.deadline - time.perf_counter()
                if remaining <= 0:
                    raise self._timeout()
                done, _ = await asyncio.wait({self.future}, timeout=min(poll_s, remaining))
                if done:
                    self.result = self.future.result()
                    return self.result
                if disconnected is not None and await disconnected():
                    self.cancel.set()
                    raise ClientGone
        finally:
            if self.result is None:
                self.cancel.set()


def _component(orchestrator, name: str):
    """The orchestrator's own router / store / experts (accessor method or attribute);
    None when that layer cannot be loaded (the server then answers 503 for it)."""
    value = getattr(orchestrator, name, None)
    try:
        return value() if callable(value) else value
    except Exception as exc:  # noqa: BLE001 - a missing layer degrades one endpoint only
        LOG.warning("%s unavailable: %s: %s", name, type(exc).__name__, exc)
        return None


class Engine:
    """Everything the HTTP layer needs from the library, behind one small surface."""

    def __init__(self, settings: ServerSettings, *, orchestrator, router, store, experts,
                 config=None):
        self.settings = settings
        self.orchestrator = orchestrator
        self.router = router
        self.store = store
        self.experts = dict(experts)
        self.config = config
        self.pool = ThreadPoolExecutor(max_workers=settings.worker_threads,
                                       thread_name_prefix="triforce-ask")
        # Routing gets its own threads: a route call never queues behind long chats.
        self.route_pool = ThreadPoolExecutor(max_workers=settings.route_threads,
                                             thread_name_prefix="triforce-route")
        self.active: set[Run] = set()   # touched from the event loop only
        self.started = time.time()
        self.route_workers = self._fork_route_workers()   # before any thread starts
        self.statistics_lost = 0        # /v1/route rows the store failed to write
        self._lost_lock = threading.Lock()
        # Keyword routing is a fraction of a millisecond of pure Python: a thread would
        # add its hop and win no parallelism (the GIL), so short queries route inline.
        self.route_inline = (self.route_workers is None and router is not None
                             and not embeds(router))
        start_writer = getattr(store, "start_writer", None)
        if callable(start_writer):
            # /v1/route statistics are queued for it; started now, not mid-request.
            start_writer()

    def _fork_route_workers(self):
        count = self.settings.route_processes
        if not count or self.router is None or not embeds(self.router):
            return None   # a keyword router is cheaper than the pipe to a process
        if not hasattr(os, "fork"):
            LOG.warning("route_processes = %d ignored: this platform cannot fork; "
                        "routing on router threads", count)
            return None
        from triforce.server.route_workers import RouteWorkers

        # Load the encoder once here: the children share its pages instead of each
        # loading it, and no child starts with a half-built lazy model.
        self.router.route("warm up the router before forking")
        return RouteWorkers(self.router, count)

    @classmethod
    def build(cls, settings: ServerSettings, *, orchestrator=None, backend_factory=None,
              store=None, router=None, experts=None, config=None) -> Engine:
        """Wire the real components; anything passed in is used as is (tests).
        One router and one store are shared by the orchestrator and the server."""
        if config is None:
            config = getattr(orchestrator, "config", None)
        if config is None:
            from triforce.config import load_config

            config = load_config()
        if orchestrator is None:
            from triforce.orchestrator import Orchestrator

            if store is None:
                from triforce.store import Store

                store = Store()
            orchestrator = Orchestrator(config=config, store=store, router=router,
                                        backend_factory=backend_factory)
        if store is None:
            store = _component(orchestrator, "store")
        if store is None:
            from triforce.store import Store

            store = Store()
        if router is None:
            router = _component(orchestrator, "router")
        if experts is None:
            experts = _component(orchestrator, "experts")
        if experts is None:
            from triforce.experts import load_experts

            experts = load_experts(config)
        return cls(settings, orchestrator=orchestrator, router=router, store=store,
                   experts=experts, config=config)

    def close(self) -> None:
        """Shutdown: stop every running orchestration, then the pool and the backends."""
        for run in list(self.active):
            run.cancel.set()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.route_pool.shutdown(wait=True)
        if self.route_workers is not None:
            self.route_workers.close()
        close = getattr(self.orchestrator, "close", None)
        if callable(close):
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - shutting down anyway
                LOG.warning("closing the orchestrator failed: %s", exc)
        close_store = getattr(self.store, "close", None)
        if callable(close_store):
            try:   # commits every queued statistics row before the process ends
                close_store()
            except Exception as exc:  # noqa: BLE001 - shutting down anyway
                LOG.error("closing the statistics store failed: %s", exc)

    # -- models ------------------------------------------------------------------------
    def model_ids(self) -> list[str]:
        return [MODEL_PREFIX] + [f"{MODEL_PREFIX}/{name}" for name in sorted(self.experts)]

    def resolve_model(self, model: str) -> str | None:
        """``triforce`` -> None (route automatically), ``triforce/<expert>`` -> the expert.
        Ollama spellings (``triforce:latest``) are accepted. Unknown -> APIError H104."""
        name = (model or "").strip()
        name = name.removesuffix(":latest")
        if name == MODEL_PREFIX:
            return None
        prefix, _, expert = name.partition("/")
        if prefix == MODEL_PREFIX and expert in self.experts:
            return expert
        raise APIError("H104", f"model {model!r} not found; available: "
                               f"{', '.join(self.model_ids())}", param="model")

    # -- orchestration -------------------------------------------------------------------
    def make_ask_request(self, *, query: str, history: list, expert: str | None,
                         conversation_id: str | None = None, max_tokens: int | None = None,
                         temperature: float | None = None, stop=None, seed: int | None = None):
        """The client's sampling choices travel to the model; ``max_tokens`` <= 0
        (Ollama's ``num_predict: -1``) means the server's limit."""
        from triforce.orchestrator.types import AskRequest

        s = self.settings
        if isinstance(stop, str):
            stop = [stop]
        return AskRequest(query=query, history=history, expert=expert, tier=s.tier,
                          backend=s.backend, base_url=s.base_url, model=s.model,
                          timeout=s.model_timeout_s, conversation_id=conversation_id,
                          source="server",
                          max_tokens=max_tokens if max_tokens and max_tokens > 0 else None,
                          temperature=temperature, stop=list(stop) if stop else None, seed=seed)

    def start(self, ask_request, *, stream: bool = True) -> Run:
        return Run(self, ask_request, asyncio.get_running_loop(), stream=stream)

    def log_failed_request(self, ask_request, exc: BaseException) -> None:
        """The orchestrator raised instead of answering: keep the request in the
        log anyway (status ``error``) so the statistics stay complete."""
        try:
            self.store.log_request({
                "ts": time.time(), "query": ask_request.query, "source": "server",
                "conversation_id": ask_request.conversation_id, "status": "error",
                "error": type(exc).__name__, "route": {}, "steps": [],
            })
        except Exception as store_exc:
            LOG.error("cannot log failed request", exc_info=store_exc)

    # -- routing and statistics ----------------------------------------------------------
    def route(self, query: str, *, top_k: int | None = None,
              previous_expert: str | None = None) -> dict:
        """One routing decision as ``RouteDecision.to_dict()`` (a worker thread's call)."""
        if self.router is None:
            raise APIError("H113", "no router is available on this server")
        if self.route_workers is not None:
            return self.route_workers.route(query, top_k=top_k, previous_expert=previous_expert)
        decision = self.router.route(query, top_k=top_k, previous_expert=previous_expert)
        return decision.to_dict()

    async def route_async(self, query: str, *, top_k: int | None = None,
                          previous_expert: str | None = None) -> dict:
        """``route`` off the event loop, on the router threads."""
        if self.router is None:
            raise APIError("H113", "no router is available on this server")
        if self.route_inline and len(query) <= INLINE_ROUTE_CHARS:
            return self.route(query, top_k=top_k, previous_expert=previous_expert)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.route_pool, partial(self.route, query, top_k=top_k,
                                     previous_expert=previous_expert))

    def record_route(self, result: dict, *, conversation_id: str | None = None) -> None:
        """Queue a ``/v1/route`` decision for the statistics store; never waits, never fails
        the request (the writer retries a busy database and commits on shutdown)."""
        try:
            future = self.store.record_route_async(
                decision_from_dict(result), conversation_id=conversation_id, source="api")
        except Exception as exc:  # noqa: BLE001 - statistics never break routing
            LOG.error("routing statistics not recorded: %s", exc)
            return
        future.add_done_callback(self._count_lost_row)

    def _count_lost_row(self, future) -> None:
        if future.cancelled() or future.exception() is None:
            return
        with self._lost_lock:
            self.statistics_lost += 1
        LOG.error("routing statistics row lost: %s", future.exception())

    def statistics_health(self) -> dict:
        """Rows queued for the store's writer thread, and rows it failed to write."""
        writer_stats = getattr(self.store, "writer_stats", None)
        pending = writer_stats()["pending"] if callable(writer_stats) else 0
        return {"pending": pending, "lost": self.statistics_lost}

    def stats(self, *, window_s: float, bucket_s: float) -> dict:
        self._flush_store()
        now = time.time()
        stats = self.store.routing_stats()
        stats["latency_series"] = self.store.latency_series(
            kind="requests", window_s=window_s, bucket_s=bucket_s, now=now)
        stats["generated_at"] = now
        return stats

    def recent(self, limit: int) -> list[dict]:
        self._flush_store()
        return self.store.recent_requests(limit=limit)

    def _flush_store(self) -> None:
        """Readers see every row queued so far (the dashboard right after a request)."""
        flush = getattr(self.store, "flush", None)
        if callable(flush):
            flush(timeout=STATS_FLUSH_TIMEOUT_S)

