"""Router processes for ``/v1/route`` (opt-in: ``[server] route_processes = N``).

How concurrent route requests share the cores, and why threads are the default:

* The embedding router spends ~75% of a decision in numpy matrix products,
  which release the GIL, so router threads (``route_threads``) already run
  decisions side by side; only the Python glue (~25%) is serialised.
* Several uvicorn workers would scale HTTP too, but every worker would keep
  its own Prometheus counters and per-client limits: ``/metrics`` would be
  wrong, and stay wrong unless counted in the store on every request.
* ``route_processes = N`` forks N copies of the loaded router at startup
  (before the server starts any thread); each answers
  ``(query, top_k, previous_expert)`` with ``RouteDecision.to_dict()`` over a
  pipe. Only routing moves: HTTP, metrics, the limiter and the statistics
  writer stay in the server process, so ``/metrics`` and the store remain
  exact. A decision in a router process costs the same CPU as in the server
  (measured), plus ~0.5 ms of the server's own CPU for the pipe.

Measured on the shared 2-core test machine (load average 3-5 from other
work; ``benchmarks/bench_server.py``): with the encoder on every query,
threads reached 19-34 routed requests/s and 2 processes 15-29; with the
router's fast head (99% of queries answered without the encoder, ~0.6 ms),
threads 456-756 req/s at 1.2-1.5 ms of CPU a request, 2 processes 413-572
at 1.7-2.3 ms (the pipe and pickling cost more than a fast decision). So
threads are the default; processes are for machines with idle cores to
spare, where the GIL-bound glue would otherwise cap the threads.

A router thread borrows an idle process, sends the query and waits on the
pipe (the wait releases the GIL). A process that dies or hangs is dropped
and the request is routed in the server process instead; when none is left,
every request is.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import signal
import threading

LOG = logging.getLogger("triforce.server")

#: A router process silent this long is taken for hung and dropped.
ANSWER_TIMEOUT_S = 30.0


def _serve(conn, router) -> None:
    """The child's loop: one decision per message until the pipe closes or ``None``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the whole group;
    while True:                                     # the server closes our pipe instead
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        query, top_k, previous_expert = message
        try:
            reply = ("ok", router.route(query, top_k=top_k,
                                        previous_expert=previous_expert).to_dict())
        except Exception as exc:  # noqa: BLE001 - reported to the server, which answers H112
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class RouterProcessError(RuntimeError):
    """The router raised inside a router process."""


class RouteWorkers:
    """``count`` forked router processes; ``route(...)`` is called from router threads."""

    def __init__(self, router, count: int):
        context = multiprocessing.get_context("fork")
        self.router = router
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._processes = []
        self._lock = threading.Lock()
        self.fallbacks = 0   # requests routed in the server process after a worker failed
        for index in range(count):
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_serve, args=(child_end, router), daemon=True,
                                      name=f"triforce-router-{index}")
            process.start()
            child_end.close()
            self._processes.append((process, parent_end))
            self._idle.put((process, parent_end))
        self.alive = count

    def route(self, query: str, *, top_k=None, previous_expert=None) -> dict:
        """A decision as ``to_dict()``, from an idle router process (blocking)."""
        if self.alive <= 0:
            return self._here(query, top_k, previous_expert)
        try:
            worker = self._idle.get(timeout=ANSWER_TIMEOUT_S)
        except queue.Empty:
            return self._here(query, top_k, previous_expert)
        process, conn = worker
        try:
            conn.send((query, top_k, previous_expert))
            if not conn.poll(ANSWER_TIMEOUT_S):
                raise TimeoutError(f"no answer within {ANSWER_TIMEOUT_S:g} s")
            status, payload = conn.recv()
        except (EOFError, OSError, TimeoutError) as exc:
            self._drop(process, conn, exc)
            return self._here(query, top_k, previous_expert)
        self._idle.put(worker)
        if status != "ok":
            raise RouterProcessError(payload)
        return payload

    def _here(self, query, top_k, previous_expert) -> dict:
        with self._lock:
            self.fallbacks += 1
        return self.router.route(query, top_k=top_k, previous_expert=previous_expert).to_dict()

    def _drop(self, process, conn, exc) -> None:
        with self._lock:
            self.alive -= 1
        LOG.error("router process %s failed (%s); %d left", process.name, exc, self.alive)
        conn.close()
        if process.is_alive():
            process.kill()

    def close(self, timeout: float = 5.0) -> None:
        for process, conn in self._processes:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
            conn.close()
        for process, _ in self._processes:
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join(1.0)
        self.alive = 0

    def pids(self) -> list[int]:
        return [process.pid for process, _ in self._processes if process.is_alive()]


def embeds(router) -> bool:
    """Whether ``router`` runs the embedding classifier (else keyword patterns only)."""
    settings = getattr(router, "settings", None)
    return (getattr(settings, "mode", "keyword") != "keyword"
            and getattr(router, "model", None) is not None)

