"""Pausing Python's cyclic garbage collector over one bounded bulk step.

A bulk import builds tens of thousands of rows that all live until it ends. The collector,
counting those allocations, runs full collections over the whole process in the middle of it
(measured: one or two per 20,000 rows, ~0.1 s each, a tenth of the import), finding nothing to
free. Reference counting still frees everything as usual while paused; only cycles wait for
the collector, and an import makes few: as it ends its rows are freed, and what is left for
the collector is the young generation's next pass over ~10,000 objects, not a full one. After
a 20,000-row import on SQLite, paused, a full collection took 0.106 s (freeing 225 objects);
after the same import with the collector on, which had run one full collection in the middle
and took 0.15 s longer, 0.101 s (2026-11-24, each twice). So the pause saves those passes; it
does not put one off.

The batch door pauses it over each batch for the same reason: a batch's rows, events and
payloads all live until it is written, so the collector promoted them to its oldest generation
and ran a full collection over the process every second batch or so (11 over 20 batches of
500), to free nothing reference counting would not. Paused, the objects are freed before any
collection sees them: no full collection over the same 20 batches, and the door ran at
1,150–1,181 instead of 1,043–1,064 cases/s over them (2026-11-24, alternated).

Pauses nest and may overlap across threads: the collector is switched back on when the last
one ends, and only if it was on when the first began. Pauses that overlap without end (a busy
server's threads, each running batch after batch) must not hold cycles forever: a pause that
ends when the collector has been off longer than :data:`LONGEST` seconds collects once.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

LONGEST = 5.0  # seconds the collector may stay off while pauses overlap

_lock = threading.Lock()
_depth = 0
_was_enabled = False
_off_since = 0.0


@contextmanager
def collector_paused() -> Iterator[None]:
    global _depth, _was_enabled, _off_since
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
            _off_since = time.monotonic()
        _depth += 1
    try:
        yield
    finally:
        overdue = False
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _was_enabled:
                    gc.enable()
            elif _was_enabled and time.monotonic() - _off_since > LONGEST:
                overdue, _off_since = True, time.monotonic()
        if overdue:  # other pauses still hold it off, and have for long
            gc.collect()
