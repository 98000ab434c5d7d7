"""Router processes for ``/v1/route`` (``[server] route_processes = N``;
``triforce serve`` picks 2 on a multi-core machine).

How concurrent route requests share the cores:

* The embedding router spends most of an encoder decision in numpy matrix
  products, which release the GIL, so router threads (``route_threads``) run
  decisions side by side; only the Python glue is serialised, and that caps
  threads at about one core.
* Several uvicorn workers would scale HTTP too, but every worker would keep
  its own Prometheus counters and per-client limits: ``/metrics`` would be
  wrong, and stay wrong unless counted in the store on every request.
* ``route_processes = N`` forks N copies of the loaded router at startup
  (before the server starts any thread); each answers
  ``(query, top_k, previous_expert)`` with ``RouteDecision.to_dict()`` over a
  pipe. Only routing moves: HTTP, metrics, the limiter and the statistics
  writer stay in the server process, so ``/metrics`` and the store remain
  exact. A decision in a router process costs the same CPU as in the server,
  plus ~0.5 ms of the server's own CPU for the pipe. A keyword router is never
  given processes (the pipe costs more than its decision), nor is a platform
  without ``fork``.

Measured on the 2-core machine (``benchmarks/bench_server.py --held-out``, load
1.1, queries the model had not seen: 63% answered by the fast head, the rest by
the encoder): router threads 199 req/s, 2 router processes 267 req/s. On
queries the model was fitted on (95% fast head) threads and processes are
within noise of each other (456-756 vs 413-647 req/s), the pipe costing about
what the second core wins.

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

