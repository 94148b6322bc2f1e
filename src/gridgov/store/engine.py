"""Engines and transactions.

SQLite (embedded mode) runs in WAL with foreign keys on. Write transactions there begin with
``BEGIN IMMEDIATE`` so that concurrent writers queue for the lock (up to ``busy_timeout``)
instead of failing on a stale snapshot; read transactions stay deferred and never block. A
transaction that writes many pages (a bulk import) leaves the copy of its log back into the
file to a thread (:func:`checkpoint_later`, :mod:`gridgov.store.checkpoint`).
On PostgreSQL both are ordinary READ COMMITTED transactions; concurrent moves on one case are
serialised by the conditional ``UPDATE … WHERE version = :v`` in the case repository. Two
requests that create the same thing at once (a record a channel sends again, a create sent
again with its ``Idempotency-Key``) meet at a unique constraint, where the later one waits
for the first to commit: the intake doors, the import and keyed creates then answer with what
the first one made; anything else gets a conflict (HTTP 409) to retry.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gridgov.kit.errors import Conflict, ValidationFailed
from gridgov.store.checkpoint import Checkpointer

_BEGIN_OPTION = "gridgov_sqlite_begin"
T = TypeVar("T")
P = ParamSpec("P")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            # JSON as UTF-8 text, not \uXXXX escapes: a third of the size for Chinese text
            json_serializer=_json_text,
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


# one encoder made once: json.dumps with any argument of its own builds an encoder per call
# (0.8 µs of a small payload's 1.9)
_json_text = json.JSONEncoder(ensure_ascii=False).encode


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        # 64 MB of page cache (the default is 2 MB), taken only as pages are used: a bulk
        # import's index pages stay in memory instead of spilling mid-transaction (its writes
        # ~10 % faster)
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The composition root's handle on the database: engines plus unit-of-work scopes."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.checkpointer = _checkpointer(self.engine)
        self._write_engine = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One command = one transaction: commit on success, roll back on any error."""
        with self._write() as session:
            try:
                yield session
                session.commit()
            except (IntegrityError, OperationalError, DataError) as exc:
                session.rollback()
                raise _translate(exc) from exc
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            try:
                yield session
            except DataError as exc:
                raise _translate(exc) from exc
            finally:
                session.rollback()

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.engine.dispose()


# SQLite's own mark for checkpointing at commit (its default), and the pool records' flags:
# the connection has a checkpointer thread; its transaction leaves the checkpoint to it
_WAL_MARK = 1000
_CHECKPOINTED = "gridgov_checkpointer"
_LATER = "gridgov_checkpoint_later"


def checkpoint_later(session: Session) -> None:
    """Let this transaction's commit leave SQLite's WAL checkpoint to the database's
    checkpointer thread (see :mod:`gridgov.store.checkpoint`): for a transaction that
    writes many pages, such as a bulk import. Nothing on PostgreSQL or in memory."""
    conn = session.connection()
    if conn.info.get(_CHECKPOINTED):
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        conn.info[_LATER] = True


def _checkpointer(engine: Engine) -> Checkpointer | None:
    """For a SQLite file: a checkpointer thread for the transactions that ask for it."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return None
    checkpointer = Checkpointer(path)

    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi_conn: Any, record: Any) -> None:
        record.info[_CHECKPOINTED] = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        # back in the pool, after the commit (or rollback): SQLite's mark restored for the
        # next user of the connection, and the thread told
        if record is not None and record.info.pop(_LATER, False):
            if dbapi_conn is not None:
                dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={_WAL_MARK}")
            checkpointer.nudge()

    return checkpointer


# Unique constraints that two concurrent requests doing the same thing reach, and that a
# caller may wait out (:func:`retrying_races`): the constraint's name (PostgreSQL names it in
# the error), its columns (SQLite names those), and what the later request is told when it
# does not.
RACES = {
    "uq_case_channel_external_id": (
        "case.channel, case.external_id",
        "this record (channel and external id) is being received by a concurrent request;"
        " retry to get the case it made",
    ),
}


def unique_race(exc: IntegrityError) -> str | None:
    """The constraint of :data:`RACES` that ``exc`` violates, if any."""
    text = str(exc.orig)
    for name, (columns, _) in RACES.items():
        if name in text or f"UNIQUE constraint failed: {columns}" in text:
            return name
    return None


def retrying_races(session: Session, run: Callable[[], T], *, race: str, attempts: int = 3) -> T:
    """``run()`` in a savepoint; run again from there when it meets the unique constraint
    ``race`` (of :data:`RACES`) on a row a concurrent transaction wrote. That transaction has
    committed by the time the violation is raised (PostgreSQL waits for it at the
    constraint), so the second run sees its rows and can answer with them. After
    ``attempts`` the violation goes up (and becomes a conflict to retry)."""
    for attempt in range(1, attempts + 1):
        try:
            with session.begin_nested():
                return run()
        except IntegrityError as exc:
            if attempt == attempts or unique_race(exc) != race:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def retried_on_race(
    race: str,
) -> Callable[[Callable[Concatenate[Session, P], T]], Callable[Concatenate[Session, P], T]]:
    """:func:`retrying_races` around every call of a function whose first argument is the
    session."""

    def wrap(fn: Callable[Concatenate[Session, P], T]) -> Callable[Concatenate[Session, P], T]:
        @functools.wraps(fn)
        def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> T:
            return retrying_races(session, lambda: fn(session, *args, **kwargs), race=race)

        return run

    return wrap


def _translate(exc: IntegrityError | OperationalError | DataError) -> Exception:
    text = str(exc.orig).lower()
    if isinstance(exc, DataError):  # a value the column cannot hold (NUL byte, out of range)
        return ValidationFailed(f"a value cannot be stored: {str(exc.orig).splitlines()[0]}")
    if isinstance(exc, OperationalError) and (
        "locked" in text or "deadlock detected" in text or "could not serialize" in text
    ):
        return Conflict("the database is busy with a concurrent change; retry")
    if isinstance(exc, IntegrityError) and ("case_event" in text or "uq_case_event" in text):
        return Conflict("the case changed concurrently; reload it and retry")
    if isinstance(exc, IntegrityError) and (race := unique_race(exc)):
        return Conflict(RACES[race][1])
    if isinstance(exc, IntegrityError) and (
        "duplicate key value violates unique constraint" in text
        or "unique constraint failed" in text
    ):  # the services look before they write: only a concurrent request gets here first
        return Conflict("a concurrent request made the same thing first; retry")
    return exc
