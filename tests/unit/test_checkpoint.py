"""A large transaction's WAL checkpoint made by a thread beside the request, not in its
commit (SQLite files)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from gridgov.store.checkpoint import Checkpointer
from gridgov.store.engine import Database, checkpoint_later

ROWS = 3000  # ~3,000 pages of 4 KiB: past SQLite's mark of 1,000 pages


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    with database.write() as s:
        s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
    yield database
    database.dispose()


def _fill(db: Database, *, later: bool) -> None:
    with db.write() as s:
        if later:
            checkpoint_later(s)
        s.execute(
            text("INSERT INTO t (body) VALUES (:body)"),
            [{"body": "留言" * 2000} for _ in range(ROWS)],
        )


def _file_size(db: Database) -> int:
    return Path(str(db.engine.url.database)).stat().st_size


def _threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "sqlite-checkpoint")


def _eventually(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_transaction_that_asks_commits_without_copying_its_log_back(db: Database) -> None:
    assert db.checkpointer is not None
    db.checkpointer.delay = 600  # the thread holds off: what the commit itself did is seen
    _fill(db, later=True)
    # the commit crossed SQLite's mark and returned with its pages still in the log
    assert _file_size(db) < 1_000_000
    done = db.checkpointer.checkpoints
    db.checkpointer.close()  # the thread's last checkpoint copies them in
    assert db.checkpointer.checkpoints > done
    assert _file_size(db) > ROWS * 4000
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == ROWS


def test_the_thread_copies_the_log_back_soon_after_and_goes_when_quiet(db: Database) -> None:
    assert db.checkpointer is not None
    db.checkpointer.idle = 0.3
    before = _threads()
    _fill(db, later=True)
    # with no further commit and nobody waiting for it, the file takes the log's pages
    assert _eventually(lambda: _file_size(db) > ROWS * 4000)
    assert _eventually(lambda: _threads() == before)  # quiet a while: the thread is gone
    runs = db.checkpointer.checkpoints
    _fill(db, later=True)  # the next such transaction starts it again
    assert _eventually(lambda: db.checkpointer.checkpoints > runs)  # type: ignore[union-attr]
    assert _eventually(lambda: _file_size(db) > 2 * ROWS * 4000)


def test_other_transactions_on_the_connection_checkpoint_as_sqlite_does(db: Database) -> None:
    assert db.checkpointer is not None
    db.checkpointer.delay = 600
    _fill(db, later=True)
    assert _file_size(db) < 1_000_000
    _fill(db, later=False)  # the same pooled connection, its mark back: this commit copies
    assert _file_size(db) > 2 * ROWS * 4000  # both transactions' pages back itself
    with db.read() as s:
        assert s.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000


def test_in_memory_and_on_a_removed_file_there_is_nothing_to_do(tmp_path: Path) -> None:
    memory = Database("sqlite://")
    try:
        assert memory.checkpointer is None
        with memory.write() as s:
            checkpoint_later(s)  # allowed, and changes nothing
            assert s.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
    finally:
        memory.dispose()
    gone = tmp_path / "gone.db"  # as when a demo's directory was cleared meanwhile
    checkpointer = Checkpointer(str(gone))
    checkpointer.nudge()
    checkpointer.close()
    assert not gone.exists()  # not made again, empty
    assert checkpointer.checkpoints == 0
