"""The per-user SQLite store: routing statistics and the request log.

One file per user (``triforce.config.default_store_path()``), shared by the
CLI and the server, so many processes write at once: WAL journal, a busy
timeout and short ``BEGIN IMMEDIATE`` transactions. Each thread keeps one
connection (``synchronous = NORMAL`` is per connection, and opening plus
closing a connection per write cost 15-50 ms of fsync here); a forked child
opens its own instead of reusing its parent's.

Within a process, write transactions take turns on a lock rather than on
SQLite's busy handler, which sleeps whole milliseconds between tries (8
threads writing at once saw stalls of 0.6-0.9 s). A busy process (the
server) also runs one writer thread (``start_writer``, ``store.writer``)
that commits whatever has queued in one transaction: rows nobody waits for
(``record_route_async``, ``log_request_async``: the ``/v1/route``
statistics), and a synchronous write that finds another thread writing
(group commit). ``close()`` or ``flush()`` waits for the queue.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from concurrent.futures import Future
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path

from triforce.store.migrations import LATEST_VERSION, MIGRATIONS
from triforce.store.writer import GroupWriter, WriterClosed

BUSY_TIMEOUT_MS = 30_000
QUERY_PREVIEW_CHARS = 200
FALLBACK_EXPERT = "fallback"


class StoreError(Exception):
    """The store file cannot be opened or is newer than this program."""


def _preview(text) -> str:
    text = text if isinstance(text, str) else str(text or "")
    return text[:QUERY_PREVIEW_CHARS]


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return float(sorted_values[index])


@contextmanager
def _immediate(conn: sqlite3.Connection):
    """One ``BEGIN IMMEDIATE`` transaction on ``conn`` (the write lock up front, so
    concurrent writers queue on the busy timeout instead of deadlocking)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def route_row(decision, *, conversation_id: str | None, source: str) -> tuple:
    """A routing decision as plain values, taken when it is recorded (not when committed)."""
    intents = [str(i) for i in decision.intents] or ["general"]
    experts = [str(e) for e in decision.experts] or [FALLBACK_EXPERT]
    scores = dict(getattr(decision, "scores", {}) or {})
    confidence = float(decision.confidence)
    query = decision.query
    return (
        time.time(), conversation_id, source, _preview(query),
        len(query) if isinstance(query, str) else 0, intents, experts, confidence,
        str(getattr(decision, "path", "") or ""),
        float(getattr(decision, "latency_ms", 0.0) or 0.0),
        [float(scores.get(intent, confidence)) for intent in intents],
    )


def request_row(record: dict) -> tuple:
    """A request trace as plain values (``record`` is stored whole, as JSON)."""
    record = dict(record)
    ts = float(record.get("ts") or time.time())
    record["ts"] = ts
    route = record.get("route") or {}
    experts = route.get("experts") if isinstance(route, dict) else None
    if not experts:
        experts = [s.get("expert") for s in record.get("steps") or [] if isinstance(s, dict)]
    latency = record.get("latency_ms", record.get("latency"))
    return (
        ts, record.get("conversation_id"), _preview(record.get("query", "")),
        json.dumps([e for e in experts if e]), record.get("backend"), record.get("model"),
        str(record.get("status") or "ok"),
        float(latency) if isinstance(latency, (int, float)) else None,
        json.dumps(record, default=str),
    )


def _insert_route(conn: sqlite3.Connection, row: tuple) -> int:
    (now, conversation_id, source, preview, query_chars, intents, experts, confidence,
     path, latency_ms, scores) = row
    fallback = intents == ["general"]
    cur = conn.execute(
        "INSERT INTO routes (ts, conversation_id, source, query_preview, query_chars,"
        " intents, experts, first_expert, confidence, path, latency_ms, fallback)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (now, conversation_id, source, preview, query_chars, json.dumps(intents),
         json.dumps(experts), experts[0], confidence, path, latency_ms, int(fallback)),
    )
    route_id = cur.lastrowid
    conn.executemany(
        "INSERT INTO route_intents (route_id, position, intent, expert, score)"
        " VALUES (?, ?, ?, ?, ?)",
        [(route_id, position, intent, expert, score) for position, (intent, expert, score)
         in enumerate(zip(intents, experts, scores))],
    )
    pairs = list(pairwise(experts))
    if conversation_id:
        last = conn.execute(
            "SELECT last_expert FROM conversations WHERE conversation_id = ?",
            (conversation_id,),
        ).fetchone()
        if last is not None:
            pairs.insert(0, (last[0], experts[0]))
        conn.execute(
            "INSERT INTO conversations (conversation_id, last_expert, updated_ts)"
            " VALUES (?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET"
            " last_expert = excluded.last_expert, updated_ts = excluded.updated_ts",
            (conversation_id, experts[-1], now),
        )
    if pairs:
        conn.executemany(
            "INSERT INTO transitions (from_expert, to_expert, count) VALUES (?, ?, 1)"
            " ON CONFLICT (from_expert, to_expert) DO UPDATE SET count = count + 1",
            pairs,
        )
    return route_id


def _insert_request(conn: sqlite3.Connection, row: tuple) -> int:
    cur = conn.execute(
        "INSERT INTO requests (ts, conversation_id, query_preview, experts, backend,"
        " model, status, latency_ms, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        row,
    )
    return cur.lastrowid


_INSERTS = {"route": _insert_route, "request": _insert_request}


def _write_rows(conn: sqlite3.Connection, rows) -> list[int]:
    return [_INSERTS[kind](conn, row) for kind, row in rows]


class _ProcessWriting:
    """One process's write state; a fork copies it, so it is checked by pid and rebuilt."""

    def __init__(self):
        self.pid = os.getpid()
        self.commit_lock = threading.Lock()   # one write transaction at a time
        self.setup_lock = threading.Lock()
        self.writer: GroupWriter | None = None


class Store:
    """``Store(path=None)``: the user store by default; created and migrated on first use."""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            from triforce.config import default_store_path

            path = default_store_path()
        self.path = Path(path)
        self._migrated = False
        self._local = threading.local()
        self._writing = _ProcessWriting()

    # -- connections and migrations -------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (and again after a fork)."""
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or getattr(local, "pid", None) != os.getpid():
            conn = self._open()
            local.conn, local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Commit every queued row and stop the writer thread (``start_writer``), then
        close the calling thread's connection (others close with their threads)."""
        writer = self._process_writing().writer
        if writer is not None:
            writer.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local.conn = None

    @contextmanager
    def _reader(self):
        if not self._migrated:
            self.migrate()
        yield self._connection()

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version. Safe to race."""
        conn = self._open()
        try:
            try:
                # WAL is a property of the file: set once, kept afterwards.
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # another process holds the lock while switching; it sets WAL
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > LATEST_VERSION:
                raise StoreError(
                    f"store {self.path} has schema {version}, newer than this triforce "
                    f"({LATEST_VERSION}); upgrade triforce"
                )
            if version < LATEST_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    # Re-read under the write lock: another process may have migrated.
                    version = conn.execute("PRAGMA user_version").fetchone()[0]
                    for number, _name, apply in MIGRATIONS:
                        if number > version:
                            apply(conn)
                            conn.execute(f"PRAGMA user_version = {int(number)}")
                            version = number
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        finally:
            conn.close()
        self._migrated = True
        return version

    def schema_version(self) -> int:
        with self._reader() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    # -- routing -------------------------------------------------------------------
    def record_route(self, decision, *, conversation_id: str | None = None, source: str = "cli") -> int:
        """Record one routing decision (a ``RouteDecision`` or anything with its fields)."""
        row = route_row(decision, conversation_id=conversation_id, source=source)
        return self._write("route", row)

    def record_route_async(self, decision, *, conversation_id: str | None = None,
                           source: str = "cli") -> Future:
        """Queue one routing decision for the writer thread (started if needed);
        the future gives its row id once committed."""
        return self._submit("route", route_row(decision, conversation_id=conversation_id,
                                               source=source))

    def routing_stats(self) -> dict:
        """The proposal's ``RoutingStats`` fields plus latency and transitions."""
        with self._reader() as conn:
            total, fallbacks = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(fallback), 0) FROM routes"
            ).fetchone()
            distribution = {
                row["expert"]: row["n"]
                for row in conn.execute(
                    "SELECT expert, COUNT(*) AS n FROM route_intents GROUP BY expert ORDER BY n DESC, expert"
                )
            }
            confidence = {
                row["intent"]: round(row["avg"], 4)
                for row in conn.execute(
                    "SELECT intent, AVG(score) AS avg FROM route_intents GROUP BY intent ORDER BY intent"
                )
            }
            latencies = sorted(
                row[0] for row in conn.execute("SELECT latency_ms FROM routes")
            )
            paths = {
                row["path"]: row["n"]
                for row in conn.execute("SELECT path, COUNT(*) AS n FROM routes GROUP BY path")
            }
            transitions: dict[str, dict[str, int]] = {}
            for row in conn.execute(
                "SELECT from_expert, to_expert, count FROM transitions ORDER BY from_expert, count DESC"
            ):
                transitions.setdefault(row["from_expert"], {})[row["to_expert"]] = row["count"]
        return {
            "total_queries": total,
            "expert_distribution": distribution,
            "intent_confidence_avg": confidence,
            "fallback_rate": round(fallbacks / total, 4) if total else 0.0,
            "latency_ms": {
                "avg": round(sum(latencies) / len(latencies), 4) if latencies else 0.0,
                "p50": round(_percentile(latencies, 0.50), 4),
                "p95": round(_percentile(latencies, 0.95), 4),
            },
            "paths": paths,
            "transitions": transitions,
        }

    def most_likely_next(self, expert: str) -> str | None:
        """The expert that most often followed ``expert`` (ties: alphabetical)."""
        with self._reader() as conn:
            row = conn.execute(
                "SELECT to_expert FROM transitions WHERE from_expert = ?"
                " ORDER BY count DESC, to_expert LIMIT 1",
                (expert,),
            ).fetchone()
        return row["to_expert"] if row else None

    def recent_routes(self, limit: int = 50) -> list[dict]:
        with self._reader() as conn:
            rows = conn.execute(
                "SELECT * FROM routes ORDER BY id DESC LIMIT ?", (max(0, int(limit)),)
            ).fetchall()
        out = []
        for row in rows:
            item = dict(row)
            item["intents"] = json.loads(item["intents"])
            item["experts"] = json.loads(item["experts"])
            item["fallback"] = bool(item["fallback"])
            out.append(item)
        return out

    # -- request log ---------------------------------------------------------------
    def log_request(self, record: dict) -> int:
        """Store one request trace (ts, route, plan, steps, validation, latency,
        backend, status, ...); the whole dict is kept as JSON. Returns its id."""
        return self._write("request", request_row(record))

    def log_request_async(self, record: dict) -> Future:
        """Queue one request trace for the writer thread; the future gives its id."""
        return self._submit("request", request_row(record))

    # -- group commit ----------------------------------------------------------------
    def start_writer(self) -> None:
        """Start this process's writer thread now (else the first async row starts it)."""
        self._writer_for_process()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every row queued in this process is committed; False on timeout."""
        writer = self._process_writing().writer
        return True if writer is None else writer.flush(timeout)

    def writer_stats(self) -> dict:
        """Rows and transactions the writer thread committed (zeros without one)."""
        writer = self._process_writing().writer
        if writer is None:
            return {"rows": 0, "batches": 0, "pending": 0}
        return {"rows": writer.rows, "batches": writer.batches, "pending": writer.pending()}

    def _process_writing(self) -> _ProcessWriting:
        state = self._writing
        if state.pid != os.getpid():
            # A forked child: the copied state (writer thread, queue of the parent's
            # rows, maybe a held lock) belongs to the parent, which commits those rows.
            state = self._writing = _ProcessWriting()
        return state

    def _writer_for_process(self) -> GroupWriter:
        state = self._process_writing()
        with state.setup_lock:
            if state.writer is None or not state.writer.alive:
                if not self._migrated:
                    self.migrate()
                state.writer = GroupWriter(connect=self._open, transaction=self._turn,
                                           write_batch=_write_rows, name=self.path.stem)
            return state.writer

    @contextmanager
    def _turn(self, conn: sqlite3.Connection):
        """A write transaction in this process's turn (see the module docstring)."""
        with self._process_writing().commit_lock, _immediate(conn):
            yield conn

    def _submit(self, kind: str, row: tuple) -> Future:
        try:
            return self._writer_for_process().submit(kind, row)
        except WriterClosed:   # closed between the two calls (shutdown): start a new one
            return self._writer_for_process().submit(kind, row)

    def _write(self, kind: str, row: tuple) -> int:
        """Commit one row now, in the caller's thread when no other thread of this
        process is writing; else (with a writer thread running) it joins the next
        batch, which costs less than queueing for the lock row by row."""
        if not self._migrated:
            self.migrate()
        state = self._process_writing()
        writer = state.writer if state.writer is not None and state.writer.alive else None
        if writer is not None and writer.pending():
            # Rows queued before this one commit first (a conversation's turns in order).
            return self._submit(kind, row).result()
        if state.commit_lock.acquire(blocking=writer is None):
            try:
                with _immediate(self._connection()) as conn:
                    return _INSERTS[kind](conn, row)
            finally:
                state.commit_lock.release()
        return self._submit(kind, row).result()

    def recent_requests(self, limit: int = 50) -> list[dict]:
        """Newest first; each is the logged record plus its ``id``."""
        with self._reader() as conn:
            rows = conn.execute(
                "SELECT id, record FROM requests ORDER BY id DESC LIMIT ?", (max(0, int(limit)),)
            ).fetchall()
        out = []
        for row in rows:
            record = json.loads(row["record"])
            record["id"] = row["id"]
            out.append(record)
        return out

    def get_request(self, request_id: int) -> dict | None:
        with self._reader() as conn:
            row = conn.execute("SELECT id, record FROM requests WHERE id = ?", (request_id,)).fetchone()
        if row is None:
            return None
        record = json.loads(row["record"])
        record["id"] = row["id"]
        return record

    def latency_series(
        self,
        *,
        kind: str = "requests",
        window_s: float = 3600.0,
        bucket_s: float = 60.0,
        now: float | None = None,
    ) -> list[dict]:
        """Per-bucket counts and latency for the dashboard, oldest first:
        ``[{"t": bucket_start, "count", "errors", "avg_ms", "p95_ms"}]`` over the
        last ``window_s`` seconds. ``kind``: ``"requests"`` or ``"routes"``."""
        if kind not in ("requests", "routes"):
            raise ValueError(f"unknown series kind {kind!r}")
        bucket_s = max(1.0, float(bucket_s))
        now = time.time() if now is None else float(now)
        start = now - float(window_s)
        status = "status" if kind == "requests" else "'ok'"
        with self._reader() as conn:
            rows = conn.execute(
                f"SELECT ts, latency_ms, {status} AS status FROM {kind} WHERE ts >= ? AND ts <= ? ORDER BY ts",
                (start, now),
            ).fetchall()
        buckets: dict[int, list] = {}
        for row in rows:
            buckets.setdefault(int((row["ts"] - start) // bucket_s), []).append(row)
        series = []
        for index in sorted(buckets):
            members = buckets[index]
            values = sorted(r["latency_ms"] for r in members if r["latency_ms"] is not None)
            series.append(
                {
                    "t": round(start + index * bucket_s, 3),
                    "count": len(members),
                    "errors": sum(1 for r in members if r["status"] not in ("ok", None)),
                    "avg_ms": round(sum(values) / len(values), 3) if values else None,
                    "p95_ms": round(_percentile(values, 0.95), 3) if values else None,
                }
            )
        return series
