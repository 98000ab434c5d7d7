"""Group commit (``Store.start_writer`` / ``record_route_async``): batched, and no row lost."""

import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from triforce.router.decision import RouteDecision
from triforce.store import Store
from triforce.store.db import _immediate, _write_rows, request_row, route_row
from triforce.store.writer import GroupWriter


def decision(intents, experts, confidence=0.8):
    return RouteDecision(query="q " + " ".join(intents), intents=intents, experts=experts,
                         confidence=confidence, scores={i: confidence for i in intents},
                         path="keyword", latency_ms=1.0)


PLAN = decision(["analysis", "optimization"], ["veran", "din"])


def count(path, table="routes") -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_concurrent_async_rows_are_all_committed_in_fewer_transactions(tmp_path):
    store = Store(tmp_path / "s.db")
    threads, per_thread = 16, 150
    futures = []
    lock = threading.Lock()

    def produce(index):
        mine = [store.record_route_async(PLAN, conversation_id=f"c{index}", source="test")
                for _ in range(per_thread)]
        with lock:
            futures.extend(mine)

    workers = [threading.Thread(target=produce, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert store.flush(timeout=60)
    ids = [f.result(timeout=0) for f in futures]
    assert len(set(ids)) == threads * per_thread
    stats = store.routing_stats()
    assert stats["total_queries"] == threads * per_thread
    # Inside each plan veran -> din, between turns of a conversation din -> veran.
    assert stats["transitions"] == {"veran": {"din": threads * per_thread},
                                    "din": {"veran": threads * (per_thread - 1)}}
    written = store.writer_stats()
    assert written["rows"] == threads * per_thread and written["pending"] == 0
    assert written["batches"] < written["rows"]     # several rows per transaction
    store.close()


def test_flush_waits_only_for_rows_queued_before_it(tmp_path):
    path = tmp_path / "s.db"
    Store(path).migrate()
    writer = GroupWriter(connect=lambda: sqlite3.connect(path, isolation_level=None),
                         transaction=_immediate, write_batch=_write_rows, max_pending=500)
    stop = threading.Event()
    row = route_row(PLAN, conversation_id=None, source="t")

    def keep_routing():   # a busy server: the queue is never empty (it stays full)
        while not stop.is_set():
            writer.submit("route", row)

    producer = threading.Thread(target=keep_routing)
    producer.start()
    try:
        time.sleep(0.2)
        before = [writer.submit("route", row) for _ in range(100)]
        started = time.perf_counter()
        # A flush that waited for an empty queue would never return here.
        assert writer.flush(timeout=20)
        assert time.perf_counter() - started < 10
        assert all(f.done() for f in before)
    finally:
        stop.set()
        producer.join()
    assert writer.close()


def test_close_drains_everything_queued(tmp_path):
    store = Store(tmp_path / "s.db")
    futures = [store.record_route_async(PLAN) for _ in range(3000)]
    futures.append(store.log_request_async({"query": "q", "status": "ok", "latency_ms": 3.0}))
    store.close()
    assert all(f.done() and f.exception() is None for f in futures)
    assert count(tmp_path / "s.db") == 3000
    assert count(tmp_path / "s.db", "requests") == 1


def test_group_commit_keeps_the_synchronous_api_and_the_order(tmp_path):
    store = Store(tmp_path / "s.db")
    store.start_writer()
    store.record_route_async(decision(["analysis"], ["veran"]), conversation_id="c")
    route_id = store.record_route(decision(["debugging"], ["farore"]), conversation_id="c")
    request_id = store.log_request({"query": "q", "status": "ok"})
    assert route_id == 2 and request_id == 1          # committed when the call returns
    assert store.routing_stats()["transitions"] == {"veran": {"farore": 1}}
    store.close()
    assert store.record_route(PLAN) == 3                # after close: direct writes again


@pytest.mark.parametrize("writer", [False, True], ids=["lock", "group-commit"])
def test_threads_writing_synchronously_take_turns_without_losing_rows(tmp_path, writer):
    store = Store(tmp_path / "s.db")
    if writer:
        store.start_writer()   # a thread that finds another writing joins the next batch
    route_ids, request_ids = [], []

    def write(index):
        for _ in range(40):
            route_ids.append(store.record_route(PLAN, conversation_id=f"c{index}"))
            request_ids.append(store.log_request({"query": "q", "status": "ok"}))

    workers = [threading.Thread(target=write, args=(i,)) for i in range(12)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # A lock, not SQLite's sleeping busy handler, orders the threads: no stalls.
    assert time.perf_counter() - started < 30
    assert sorted(route_ids) == list(range(1, 12 * 40 + 1))
    assert sorted(request_ids) == list(range(1, 12 * 40 + 1))
    assert count(tmp_path / "s.db") == 12 * 40 and count(tmp_path / "s.db", "requests") == 12 * 40
    batched = store.writer_stats()
    if writer:
        assert batched["rows"] > batched["batches"] >= 1   # contention went to batches
    else:
        assert batched["rows"] == 0
    store.close()


def test_process_exit_without_close_still_commits(tmp_path):
    path = tmp_path / "s.db"
    script = (
        "import sys\n"
        "from triforce.router.decision import RouteDecision\n"
        "from triforce.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "d = RouteDecision('q', ['analysis'], ['veran'], 0.9, {'analysis': 0.9}, 'keyword')\n"
        "for _ in range(2000):\n"
        "    store.record_route_async(d)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=120)
    assert count(path) == 2000


def test_a_locked_database_is_retried_until_the_rows_are_in(tmp_path):
    path = tmp_path / "s.db"
    Store(path).migrate()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")      # another process holds the write lock
    writer = GroupWriter(connect=lambda: sqlite3.connect(path, timeout=0.02,
                                                         isolation_level=None),
                         transaction=_immediate, write_batch=_write_rows)
    futures = [writer.submit("route", route_row(PLAN, conversation_id=None, source="t"))
               for _ in range(50)]
    time.sleep(0.3)
    assert not any(f.done() for f in futures)           # waiting, not dropped
    holder.execute("COMMIT")
    holder.close()
    assert writer.flush(timeout=30)
    assert [f.result() for f in futures] == list(range(1, 51))
    writer.close()
    assert count(path) == 50


def test_a_rejected_row_fails_alone(tmp_path):
    path = tmp_path / "s.db"
    store = Store(path)
    store.migrate()
    writer = GroupWriter(connect=lambda: sqlite3.connect(path, isolation_level=None),
                         transaction=_immediate, write_batch=_write_rows)
    good = [writer.submit("route", route_row(PLAN, conversation_id=None, source="t"))
            for _ in range(3)]
    bad = writer.submit("request", request_row({"query": "q"})[:-1])   # a column short
    good.append(writer.submit("request", request_row({"query": "q"})))
    assert writer.flush(timeout=30)
    assert all(f.exception() is None for f in good)
    assert isinstance(bad.exception(), sqlite3.Error)
    writer.close()
    assert count(path) == 3 and count(path, "requests") == 1


def test_a_full_queue_makes_submitters_wait_instead_of_dropping(tmp_path):
    path = tmp_path / "s.db"
    Store(path).migrate()
    writer = GroupWriter(connect=lambda: sqlite3.connect(path, isolation_level=None),
                         transaction=_immediate, write_batch=_write_rows,
                         max_batch=4, max_pending=8)
    futures = [writer.submit("route", route_row(PLAN, conversation_id=None, source="t"))
               for _ in range(200)]
    assert writer.close()
    assert all(f.result() for f in futures)
    assert count(path) == 200


PROCESSES = 50
PER_PROCESS = 20


def _process_writer(path, barrier):
    store = Store(path)
    store.start_writer()
    barrier.wait()
    for i in range(PER_PROCESS):
        if i % 2:
            store.record_route_async(PLAN, source="test")
        else:
            store.record_route(PLAN, source="test")
    store.close()


def test_fifty_group_committing_processes_lose_no_row(tmp_path):
    path = tmp_path / "shared.db"
    Store(path).migrate()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    procs = [ctx.Process(target=_process_writer, args=(path, barrier)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    assert count(path) == PROCESSES * PER_PROCESS
    assert count(path, "route_intents") == 2 * PROCESSES * PER_PROCESS


def test_a_forked_child_does_not_replay_its_parents_queue(tmp_path):
    path = tmp_path / "s.db"
    store = Store(path)
    store.start_writer()
    store.record_route(PLAN)
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_child_writes_one, args=(store,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    store.close()
    assert count(path) == 2


def _child_writes_one(store):
    store.record_route(PLAN)
    store.close()


@pytest.fixture(autouse=True)
def _no_thread_leak():
    before = {t.name for t in threading.enumerate()}
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate()
                  if t.name.endswith("-writer") and t.name not in before and t.is_alive()]
        if not leaked:
            return
        time.sleep(0.05)
    pytest.fail(f"writer threads left running: {leaked}")
