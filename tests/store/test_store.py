import hashlib
import inspect
import sqlite3

import pytest

from triforce.router.decision import RouteDecision
from triforce.store import Store, StoreError
from triforce.store.migrations import LATEST_VERSION, MIGRATIONS


def decision(intents, experts, confidence=0.8, latency=2.0, path="embedding"):
    return RouteDecision(
        query="q " + " ".join(intents), intents=intents, experts=experts, confidence=confidence,
        scores={i: confidence for i in intents}, path=path, latency_ms=latency,
    )


def test_new_store_is_migrated_and_in_wal_mode(tmp_path):
    store = Store(tmp_path / "s.db")
    assert store.schema_version() == LATEST_VERSION
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"routes", "route_intents", "transitions", "conversations", "requests"} <= tables


def test_default_path_is_the_user_store(_private_home):
    store = Store()
    store.record_route(decision(["analysis"], ["veran"]))
    assert (_private_home / "data" / "triforce.db").is_file()


# Written migrations are frozen: a schema change is a new migration module.
FROZEN = {
    1: "m0001_routing",
    2: "m0002_requests",
}


def test_migrations_are_numbered_in_order_and_frozen():
    assert [m[0] for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    for number, name, apply in MIGRATIONS:
        module = inspect.getmodule(apply)
        assert module.__name__.endswith(FROZEN[number])
        assert hashlib.sha256(module.SQL.encode()).hexdigest() == FROZEN_HASHES[number]


FROZEN_HASHES = {
    1: "075e7fcb50b1681e92843fed20d8774df227a58d0ea5723382425072a337ea4f",
    2: "9f6e3136f89652f1e3fee65ee6981e3a431d4d80d99605ed55e5c123ba03752e",
}


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.db"
    Store(path).migrate()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError):
        Store(path).migrate()


def test_routing_stats_uses_the_proposal_names(tmp_path):
    store = Store(tmp_path / "s.db")
    store.record_route(decision(["analysis", "optimization"], ["veran", "din"], 0.9, 4.0))
    store.record_route(decision(["optimization"], ["din"], 0.7, 2.0))
    store.record_route(decision(["general"], ["fallback"], 0.95, 1.0))
    stats = store.routing_stats()
    assert stats["total_queries"] == 3
    assert stats["expert_distribution"] == {"din": 2, "fallback": 1, "veran": 1}
    assert stats["intent_confidence_avg"]["optimization"] == pytest.approx(0.8)
    assert stats["fallback_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert stats["latency_ms"]["p50"] == 2.0
    assert stats["latency_ms"]["avg"] == pytest.approx(7 / 3, abs=1e-3)
    assert stats["transitions"] == {"veran": {"din": 1}}


def test_empty_store_stats(tmp_path):
    stats = Store(tmp_path / "s.db").routing_stats()
    assert stats["total_queries"] == 0 and stats["fallback_rate"] == 0.0
    assert stats["expert_distribution"] == {} and stats["transitions"] == {}


def test_conversation_transitions_and_most_likely_next(tmp_path):
    store = Store(tmp_path / "s.db")
    for _ in range(2):
        store.record_route(decision(["analysis"], ["veran"]), conversation_id="c1")
        store.record_route(decision(["optimization"], ["din"]), conversation_id="c1")
    store.record_route(decision(["debugging"], ["farore"]), conversation_id="c2")
    store.record_route(decision(["analysis"], ["veran"]), conversation_id="c2")
    # c1: veran->din, din->veran, veran->din ; c2: farore->veran
    assert store.routing_stats()["transitions"] == {
        "din": {"veran": 1}, "farore": {"veran": 1}, "veran": {"din": 2}}
    assert store.most_likely_next("veran") == "din"
    assert store.most_likely_next("tingle") is None


def test_request_log_round_trip_and_series(tmp_path):
    store = Store(tmp_path / "s.db")
    base = 1_700_000_000.0
    ids = []
    for i, (status, latency) in enumerate([("ok", 100.0), ("ok", 300.0), ("error", 50.0)]):
        ids.append(store.log_request({
            "ts": base + i * 30, "query": f"q{i}", "status": status, "latency_ms": latency,
            "backend": "mock", "route": {"intents": ["analysis"], "experts": ["veran"]},
            "steps": [{"expert": "veran"}], "validation": {"assembles": True},
        }))
    recent = store.recent_requests(limit=2)
    assert [r["id"] for r in recent] == [ids[2], ids[1]]
    assert recent[0]["status"] == "error" and recent[1]["validation"] == {"assembles": True}
    assert store.get_request(ids[0])["query"] == "q0"
    assert store.get_request(999) is None
    series = store.latency_series(window_s=120, bucket_s=60, now=base + 60)
    assert [s["count"] for s in series] == [2, 1]
    assert series[0]["avg_ms"] == 200.0 and series[1]["errors"] == 1
    with pytest.raises(ValueError):
        store.latency_series(kind="nope")

