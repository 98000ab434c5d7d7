"""50 processes route and record at once into one store: no row may be lost."""

import multiprocessing

from triforce.router import Router, RouterSettings
from triforce.router.routes import load_routes
from triforce.store import Store

PROCESSES = 50
PER_PROCESS = 4
QUERIES = [
    "optimize this loop, it's too slow",
    "the game crashes after my hook",
    "disassemble the routine at $00:8000",
    "document this routine and make a call graph",
]


def _worker(path, barrier, index):
    router = Router(load_routes(), settings=RouterSettings(mode="keyword"))
    store = Store(path)
    barrier.wait()  # everyone writes at the same moment, on a fresh file
    for query in QUERIES[:PER_PROCESS]:
        store.record_route(router.route(query), conversation_id=f"conv{index}", source="test")


def test_fifty_processes_lose_no_row(tmp_path):
    path = tmp_path / "shared.db"
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    procs = [ctx.Process(target=_worker, args=(path, barrier, i)) for i in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    stats = Store(path).routing_stats()
    assert stats["total_queries"] == PROCESSES * PER_PROCESS
    # Per conversation: one transition between consecutive turns plus one inside
    # each multi-expert plan.
    router = Router(load_routes(), settings=RouterSettings(mode="keyword"))
    plans = [router.route(q).experts for q in QUERIES[:PER_PROCESS]]
    per_conversation = (PER_PROCESS - 1) + sum(len(p) - 1 for p in plans)
    assert sum(sum(t.values()) for t in stats["transitions"].values()) == PROCESSES * per_conversation
    assert sum(stats["expert_distribution"].values()) == PROCESSES * sum(len(p) for p in plans)
