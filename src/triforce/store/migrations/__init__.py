"""Schema migrations, applied in order and recorded in ``PRAGMA user_version``.

Each migration is its own numbered module (``mNNNN_name.py``) exposing
``apply(conn)``. A migration is never edited once written: a schema change is
a new module appended to ``MIGRATIONS``.
"""

from __future__ import annotations

from triforce.store.migrations import m0001_routing, m0002_requests

# (version, name, apply) in the order they run; versions are 1, 2, 3...
MIGRATIONS = (
    (1, "routing", m0001_routing.apply),
    (2, "requests", m0002_requests.apply),
)

LATEST_VERSION = MIGRATIONS[-1][0]
