"""Pause Python's cyclic garbage collector while one assembly runs.

An assembly builds hundreds of thousands of small, long-lived objects (source
lines, parsed statements, labels, caches) and almost no reference cycles, so the
collector's repeated scans of them find nothing to free yet cost about a third
of the run. Reference counting still frees everything as usual.

The pause must end only once the assembly's objects are gone (the caller drops
them, and breaks the one cycle it makes, before leaving the ``with``), or the
first collection after it would scan them all at once.
"""

from __future__ import annotations

import gc


class paused_gc:
    """Disable the cyclic collector for a block; re-enable it on the way out only
    if it was on (so nesting, threads, or a caller that keeps it off are respected).

    A class, not ``contextlib.contextmanager``: its exit allocates nothing, so no
    collection can start before the block's objects are released."""

    __slots__ = ("was_enabled",)

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc_info) -> None:
        if self.was_enabled:
            gc.enable()
