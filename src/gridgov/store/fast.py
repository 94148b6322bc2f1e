"""Many rows into one table through the driver's ``executemany`` (``COPY`` on PostgreSQL),
for bulk loads.

SQLAlchemy's Core executemany builds a parameter dictionary per row in Python, which is most
of the cost of a 20,000-row import. Here values are converted once per column with the
column type's own bind processor for the dialect (so stored forms are exactly what the ORM
writes: naive UTC text on SQLite, JSON text there and ``Jsonb`` for psycopg) and sent as
tuples.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Dialect, Table, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError


def one_of(
    column: ColumnElement[Any], values: Sequence[Any], dialect: Dialect
) -> ColumnElement[bool]:
    """``column IN values`` as each backend takes a long list best, for looking up many keys
    at once: on PostgreSQL ``= ANY($1)``, the list as one array parameter; on SQLite ``IN``
    (keep its lists under 999 values, SQLite's limit on variables before 3.32).

    Run such lookups :func:`unprepared`. psycopg prepares a statement the fifth time it
    runs it, and PostgreSQL's generic plan then compared each row of the channel with every
    key: with ``IN ($1 … $900)`` 0.4 s a query among 20,000 cases, against 10 ms unprepared,
    and ``= ANY($1)`` in chunks of 900 was as slow (measured 2026-11-24: a second import of
    20,000 rows 13.4 s either way, 2.0 s unprepared)."""
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


@contextmanager
def unprepared(conn: Connection) -> Iterator[None]:
    """Statements run in the block are not prepared by psycopg (which prepares a statement
    the fifth time it runs it): for lookups whose generic plan can be far worse than the
    plan made for their values (see :func:`one_of`). Nothing on SQLite."""
    raw = conn.connection.driver_connection
    if conn.dialect.name != "postgresql" or not hasattr(raw, "prepare_threshold"):
        yield
        return
    before = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = before


# a load at least this share of the rows a table held at its last analysis has its statistics
# gathered at once (autovacuum's own threshold, analyze_scale_factor, is the same 10 %)
GROWN = 0.1


def analyze_grown(conn: Connection, table: Table, columns: Sequence[str], *, added: int) -> bool:
    """After a bulk load into ``table`` on PostgreSQL, in its transaction, the planner's
    statistics on ``columns`` gathered afresh, when the table has none yet or the ``added``
    rows are at least :data:`GROWN` of what it held at its last analysis; nothing on SQLite
    (whose planner keeps no statistics unless asked). True when it asked for them (a table
    a vacuum holds is left to it).

    Without statistics PostgreSQL guesses that few rows share a value, so it looked up
    ``channel = $1 AND external_id = ANY($2)`` by the channel alone and filtered every case
    of it against the ids: each import into a database that autovacuum had not analysed yet
    (a new centre loading its history, one file after another) was slower than the last,
    2.9k against 6.2k rows/s by the tenth file of 20,000. Only ``columns`` are analysed:
    the whole row cost 0.5–0.9 s a time, these 0.1–0.3 s."""
    if conn.dialect.name != "postgresql" or added <= 0:
        return False
    name = conn.dialect.identifier_preparer.format_table(table)
    held = conn.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": name}
    )
    if held is not None and held > 0 and added < GROWN * held:
        return False
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    # not waiting for a vacuum at work on the table (an anti-wraparound one does not give way)
    conn.execute(text(f"ANALYZE (SKIP_LOCKED) {name} ({quoted})"))
    return True


def insert_many(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    memo: dict[str, dict[Any, Any]] | None = None,
) -> int:
    """Insert ``rows`` (all with the same keys) into ``table``; returns the count.

    ``memo``, shared between calls, keeps each column type's conversions: the case, its event
    and its centre row carry the same timestamp, converted once instead of three times."""
    if not rows:
        return 0
    # column by column: a list comprehension per column runs faster than a tuple per row
    return insert_columns(
        conn, table, {name: [row[name] for row in rows] for name in rows[0]}, memo=memo
    )


def insert_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    *,
    memo: dict[str, dict[Any, Any]] | None = None,
) -> int:
    """As :func:`insert_many`, for rows given as columns (name → one value per row, all of
    the same length): a bulk writer that builds its values column by column saves a dict
    per row."""
    given = list(columns)
    count = len(columns[given[0]]) if given else 0
    if not count:
        return 0
    if any(len(columns[name]) != count for name in given):
        raise ValueError(f"columns of different lengths for {table.name}")
    dialect = conn.dialect
    # the Python-side scalar defaults the ORM would have filled in (server defaults apply)
    defaults = {
        c.name: c.default.arg  # type: ignore[union-attr]
        for c in table.columns
        if c.name not in columns and c.default is not None and c.default.is_scalar
    }
    names = given + list(defaults)
    procs = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    # map() and zip() run in C, a generator per value did not
    values: list[Any] = []
    for name, proc in zip(names, procs, strict=True):
        column = columns[name] if name in columns else [defaults[name]] * count
        if proc is not None:
            done = None if memo is None else memo.setdefault(repr(table.c[name].type), {})
            column = _converted(column, proc, done)
        values.append(column)
    converted = list(zip(*values, strict=True))
    if dialect.name == "postgresql":
        # COPY streams the rows in one command: several times executemany's rate
        listed = ", ".join(quote(c) for c in names)
        command = f"COPY {quote(table.name)} ({listed}) FROM STDIN"
        raw = conn.connection.driver_connection
        try:
            with raw.cursor() as cursor, cursor.copy(command) as copy:  # type: ignore[union-attr]
                for row in converted:
                    copy.write_row(row)
        except dialect.loaded_dbapi.Error as exc:
            # the driver's own error, wrapped as SQLAlchemy wraps those of the statements it
            # runs (IntegrityError for a unique violation …), so callers handle both alike
            raise DBAPIError.instance(
                command,
                None,
                exc,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=dialect,
            ) from exc
        return count
    conn.exec_driver_sql(sql, converted)
    return count


def _converted(column: list[Any], proc: Any, done: dict[Any, Any] | None = None) -> list[Any]:
    """``proc`` of every value, once per distinct value where most repeat (a batch's shared
    timestamps, channels, states) or where ``done`` remembers earlier ones. Values of one
    column type convert alike when they compare equal."""
    try:
        distinct = set(column)
    except TypeError:  # unhashable values (JSON documents): once per object, where rows share one
        converted: dict[int, Any] = {}  # by id(): every value stays alive in ``column``
        return [
            converted[key]
            if (key := id(value)) in converted
            else converted.setdefault(key, proc(value))
            for value in column
        ]
    if done is None:
        if len(distinct) > len(column) // 2:
            return list(map(proc, column))
        done = {}
    for value in distinct - done.keys():
        done[value] = proc(value)
    return [done[value] for value in column]
