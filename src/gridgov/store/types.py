"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Dialect, literal
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """``timestamptz`` on PostgreSQL; naive UTC text on SQLite. Always aware UTC in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; use gridgov.kit.clock.utc_now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONDoc = JSON().with_variant(JSONB(), "postgresql")


def json_type() -> Any:
    return JSONDoc


class rarely(FunctionElement[bool]):
    """A condition few rows meet, said so to SQLite's planner (``unlikely(…)``), which then
    walks that condition's index rather than the ORDER BY's; elsewhere the condition itself
    (PostgreSQL plans from its statistics)."""

    type = Boolean()
    name = "rarely"
    inherit_cache = True
    _is_implicitly_boolean = True  # a condition already: no "= 1" added on SQLite


@compiles(rarely)
def _rarely(element: rarely, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(rarely, "sqlite")
def _rarely_sqlite(element: rarely, compiler: Any, **kw: Any) -> str:
    return f"unlikely({compiler.process(element.clauses, **kw)})"


class json_array_has(FunctionElement[bool]):
    """Whether the JSON array at ``path`` in a JSON column holds the string ``value``:
    ``json_array_has(Case.triage, ("outcome", "waits"), "duplicate")``. False where there is
    no such array."""

    type = Boolean()
    name = "json_array_has"
    inherit_cache = True
    _is_implicitly_boolean = True

    def __init__(self, column: Any, path: tuple[str, ...], value: str) -> None:
        # the path both ways, bound: PostgreSQL's text[] and SQLite's '$."a"."b"'
        pg = "{" + ",".join(path) + "}"
        sqlite = "$" + "".join(f'."{key}"' for key in path)
        super().__init__(column, literal(pg), literal(sqlite), literal(value))


@compiles(json_array_has, "postgresql")
def _json_array_has_pg(element: json_array_has, compiler: Any, **kw: Any) -> str:
    column, path, _, value = (compiler.process(c, **kw) for c in element.clauses)
    held = f"({column} #> CAST({path} AS TEXT[])) @> jsonb_build_array(CAST({value} AS TEXT))"
    return f"coalesce({held}, false)"


@compiles(json_array_has, "sqlite")
def _json_array_has_sqlite(element: json_array_has, compiler: Any, **kw: Any) -> str:
    column, _, path, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({column}, {path}) WHERE json_each.value = {value})"
