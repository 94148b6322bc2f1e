"""SQLite's WAL checkpoint of a large transaction, done beside the request instead of in it.

In WAL mode a commit appends its pages to the log, and the commit that takes the log past
SQLite's mark (1,000 pages) also copies the log back into the database file (the checkpoint)
before it returns. For a bulk import that is its own log: of a 20,000-row import's 0.15 s
commit, ~0.1 s was the checkpoint. A transaction that asks for it
(:func:`gridgov.store.engine.checkpoint_later`) commits without that copy, and a thread of
the process makes it instead, on a connection of its own, shortly after (``delay``); the
thread goes away after ``idle`` quiet seconds. sqlite3 lets go of the GIL while it copies,
so the copy runs on another core while the request's caller goes on.

Only large transactions ask: tried for every commit, the thread's copies (and their fsyncs)
beside a stream of one-row transactions slowed those by a quarter (2,533 → 1,917 a second,
`bench_intake`'s bare insert per transaction), where SQLite's own checkpoint, made every
thousand pages by the committer, does not. Durability is unchanged: with
``synchronous=NORMAL`` a WAL commit was never synced by the committer; the checkpoint syncs,
whichever thread makes it. A checkpoint here is ``PASSIVE``: it copies what no reader still
needs and never waits for, or blocks, readers and writers; if the thread cannot make it, the
next ordinary commit past the mark does.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from urllib.parse import quote

log = logging.getLogger(__name__)


class Checkpointer:
    """Checkpoints one database file's WAL from a thread of its own, after the transactions
    that leave it their checkpoint."""

    def __init__(self, path: str, *, delay: float = 0.0, idle: float = 5.0) -> None:
        self.path = path
        self.delay = delay
        self.idle = idle
        self.checkpoints = 0  # how many this process has run (for tests and curiosity)
        self._lock = threading.Lock()
        self._wake = threading.Event()  # a transaction left its checkpoint to us
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def nudge(self) -> None:
        """A transaction that left its checkpoint has ended: checkpoint after ``delay``
        (starting the thread if it had gone idle)."""
        with self._lock:
            if self._stop.is_set():
                return
            self._wake.set()
            if self._thread is None or not self._thread.is_alive():  # also after a fork
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        """Stop the thread after a last checkpoint (waits for it)."""
        with self._lock:
            self._stop.set()
            self._wake.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        try:  # mode=rw: a database file removed meanwhile is not made again, empty
            conn = sqlite3.connect(f"file:{quote(self.path)}?mode=rw", uri=True, timeout=30)
        except sqlite3.Error as exc:
            log.debug("cannot open %s to checkpoint it: %s", self.path, exc)
            with self._lock:
                self._thread = None
            return
        try:
            while not self._stop.is_set():
                if not self._wake.wait(self.idle):
                    with self._lock:  # quiet: go away unless a nudge came just now
                        if not self._wake.is_set():
                            self._thread = None
                            break
                    continue
                self._stop.wait(self.delay)
                self._wake.clear()
                self._checkpoint(conn)
            self._checkpoint(conn)  # what came in last, before going
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.Error as exc:  # the file gone or locked: SQLite's own checkpoint remains
            log.debug("WAL checkpoint of %s failed: %s", self.path, exc)
