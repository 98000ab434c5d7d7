"""Migration 1: routing decisions, their intents and expert transitions."""

SQL = """
CREATE TABLE routes (
    id              INTEGER PRIMARY KEY,
    ts              REAL    NOT NULL,
    conversation_id TEXT,
    source          TEXT    NOT NULL,
    query_preview   TEXT    NOT NULL,
    query_chars     INTEGER NOT NULL,
    intents         TEXT    NOT NULL,  -- JSON list, execution order
    experts         TEXT    NOT NULL,  -- JSON list, execution order
    first_expert    TEXT    NOT NULL,
    confidence      REAL    NOT NULL,
    path            TEXT    NOT NULL,
    latency_ms      REAL    NOT NULL,
    fallback        INTEGER NOT NULL
);
CREATE INDEX routes_ts ON routes (ts);
CREATE INDEX routes_conversation ON routes (conversation_id, id);

-- One row per chosen intent, for per-intent confidence averages.
CREATE TABLE route_intents (
    route_id   INTEGER NOT NULL REFERENCES routes (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    intent     TEXT    NOT NULL,
    expert     TEXT    NOT NULL,
    score      REAL    NOT NULL,
    PRIMARY KEY (route_id, position)
);
CREATE INDEX route_intents_intent ON route_intents (intent);

-- Expert -> next expert counts: inside one plan and between the turns of a
-- conversation. Read to preload the next likely expert.
CREATE TABLE transitions (
    from_expert TEXT    NOT NULL,
    to_expert   TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (from_expert, to_expert)
);

CREATE TABLE conversations (
    conversation_id TEXT PRIMARY KEY,
    last_expert     TEXT NOT NULL,
    updated_ts      REAL NOT NULL
);
"""


def apply(conn) -> None:
    for statement in SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
