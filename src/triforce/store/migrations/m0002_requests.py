"""Migration 2: the request log written by the orchestrator, read by the dashboard."""

SQL = """
CREATE TABLE requests (
    id              INTEGER PRIMARY KEY,
    ts              REAL    NOT NULL,
    conversation_id TEXT,
    query_preview   TEXT    NOT NULL,
    experts         TEXT    NOT NULL,  -- JSON list
    backend         TEXT,
    model           TEXT,
    status          TEXT    NOT NULL,
    latency_ms      REAL,
    record          TEXT    NOT NULL   -- the whole trace as JSON
);
CREATE INDEX requests_ts ON requests (ts);
CREATE INDEX requests_status ON requests (status)
"""


def apply(conn) -> None:
    for statement in SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
