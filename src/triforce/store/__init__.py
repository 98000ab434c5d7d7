"""triforce.store: the per-user SQLite store (routing statistics, request log).

All SQL of the project lives in this package; schema changes are new
migrations under ``store/migrations``.
"""

from triforce.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
