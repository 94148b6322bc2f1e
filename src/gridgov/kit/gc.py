"""Pausing Python's cyclic garbage collector over one bounded bulk step.

A bulk import builds tens of thousands of rows that all live until it ends. The collector,
counting those allocations, runs full collections over the whole process in the middle of it
(measured: one or two per 20,000 rows, ~0.1 s each, a tenth of the import), finding nothing to
free. Reference counting still frees everything as usual while paused; only cycles wait for
the collector, which runs again once the last pause ends — one pass, put off rather than saved.
Counting that pass against the import, bench_intake's 20,000 rows on SQLite after the door
phases went from ~14,500 to ~16,000–16,500 rows/s (two alternated pairs, 2026-11-23).

Pauses nest and may overlap across threads: the collector is switched back on when the last
one ends, and only if it was on when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
