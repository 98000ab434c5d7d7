"""Group commit: one writer thread per store and process commits queued rows in batches.

A server routing hundreds of queries a second would otherwise pay one
``BEGIN IMMEDIATE ... COMMIT`` per row, and its threads would queue on
SQLite's write lock, whose busy handler sleeps in steps of milliseconds. The
writer takes everything queued since its last commit (up to ``max_batch``
rows) and writes it in one transaction, in submission order.

No row is dropped: a full queue makes ``submit`` wait (backpressure), a
locked or failing database is retried with backoff, ``flush``/``close`` wait
for the queue to drain, and an ``atexit`` hook drains it when the process
ends without ``close``. A row the database rejects fails only its own future.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections import deque
from concurrent.futures import Future

LOG = logging.getLogger("triforce.store")

MAX_BATCH = 512          # rows per transaction
MAX_PENDING = 50_000     # queued rows before submit() waits
RETRY_FIRST_S = 0.05     # backoff after a failed commit, doubling ...
RETRY_MAX_S = 1.0        # ... up to this
CLOSE_TIMEOUT_S = 30.0


class WriterClosed(RuntimeError):
    """A row could not be written before the writer was closed."""


class GroupWriter:
    """Commits ``(kind, params)`` rows through ``write_batch(conn, rows) -> ids``.

    ``connect()`` opens the writer thread's own connection; ``transaction(conn)``
    is a context manager around one ``BEGIN IMMEDIATE`` transaction.
    """

    def __init__(self, *, connect, transaction, write_batch, name: str = "store",
                 max_batch: int = MAX_BATCH, max_pending: int = MAX_PENDING):
        self._connect = connect
        self._transaction = transaction
        self._write_batch = write_batch
        self.max_batch = int(max_batch)
        self.max_pending = int(max_pending)
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._queue: deque[tuple[str, tuple, Future]] = deque()
        self._writing = 0            # rows taken by the thread, not yet committed
        self._submitted = 0          # rows ever queued ...
        self._finished = 0           # ... and resolved, in queue order (FIFO)
        self._closing = False
        self._close_deadline = float("inf")
        self._conn = None            # the writer thread's own connection
        self.batches = 0             # transactions committed (for tests and benchmarks)
        self.rows = 0
        self._thread = threading.Thread(target=self._run, name=f"triforce-{name}-writer",
                                        daemon=True)
        self._thread.start()
        # A weak reference: the hook must not keep a dropped store alive.
        ref = weakref.ref(self)
        self._atexit = lambda: (w := ref()) is not None and w.close()
        atexit.register(self._atexit)

    # -- callers -----------------------------------------------------------------------
    def submit(self, kind: str, params: tuple) -> Future:
        future: Future = Future()
        with self._cond:
            if self._closing:
                raise WriterClosed("the store writer is closed")
            while len(self._queue) >= self.max_pending and not self._closing:
                self._cond.wait()
            self._queue.append((kind, params, future))
            self._submitted += 1
            self._cond.notify_all()
        return future

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every row submitted before this call is committed (or failed);
        rows submitted meanwhile do not keep it waiting."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._submitted
            while self._finished < target:
                if not self._thread.is_alive():
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Drain the queue (retrying a busy database until ``timeout``) and stop."""
        atexit.unregister(self._atexit)
        with self._cond:
            self._closing = True
            self._close_deadline = time.monotonic() + timeout
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout + 1.0)
        return not self._queue and not self._writing

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._closing

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._writing

    # -- the writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    while not self._queue and not self._closing:
                        self._cond.wait()
                    if not self._queue:
                        return   # closing, nothing left
                    batch = [self._queue.popleft()
                             for _ in range(min(self.max_batch, len(self._queue)))]
                    self._writing = len(batch)
                    self._cond.notify_all()   # room for submitters blocked on a full queue
                try:
                    self._commit(batch)
                except BaseException as exc:   # a bug here must not strand waiting callers
                    self._fail(batch, exc)
                    raise
                finally:
                    with self._cond:
                        self._writing = 0
                        self._finished += len(batch)
                        self._cond.notify_all()
        finally:
            self._fail_queued()
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _commit(self, batch) -> None:
        delay = RETRY_FIRST_S
        while True:
            try:
                if self._conn is None:
                    self._conn = self._connect()
                with self._transaction(self._conn):
                    ids = self._write_batch(self._conn,
                                            [(kind, params) for kind, params, _ in batch])
            except sqlite3.OperationalError as exc:   # locked, busy, disk I/O: try again
                if time.monotonic() >= self._close_deadline:
                    self._fail(batch, exc)
                    return
                LOG.warning("statistics batch of %d rows not committed (%s); retrying",
                            len(batch), exc)
                time.sleep(delay)
                delay = min(RETRY_MAX_S, delay * 2)
                continue
            except Exception:   # noqa: BLE001 - a row the database rejects: isolate it
                self._commit_one_by_one(batch)
                return
            self.batches += 1
            self.rows += len(batch)
            for (_, _, future), row_id in zip(batch, ids):
                future.set_result(row_id)
            return

    def _commit_one_by_one(self, batch) -> None:
        for kind, params, future in batch:
            try:
                with self._transaction(self._conn):
                    (row_id,) = self._write_batch(self._conn, [(kind, params)])
            except Exception as exc:  # noqa: BLE001 - reported through the row's future
                LOG.error("statistics row rejected: %s", exc)
                future.set_exception(exc)
            else:
                self.batches += 1
                self.rows += 1
                future.set_result(row_id)

    def _fail(self, batch, exc: BaseException) -> None:
        LOG.error("%d statistics rows could not be written before shutdown: %s",
                  len(batch), exc)
        for _, _, future in batch:
            if not future.done():
                future.set_exception(WriterClosed(str(exc)))

    def _fail_queued(self) -> None:
        with self._cond:
            left = list(self._queue)
            self._queue.clear()
            self._finished += len(left)
            self._closing = True
            self._cond.notify_all()
        if left:
            self._fail(left, WriterClosed("the writer thread stopped"))
