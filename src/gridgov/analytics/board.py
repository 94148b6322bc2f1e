"""The cockpit's rollups (``kpi_board``): what a centre's big screen reads, narrow enough that
a city of ten million cases a year answers from a few thousand rows.

The fine rollups (:mod:`gridgov.analytics.rollups`) keep every grouping a KPI question can
ask for; summing them for a whole city means summing several rows per case. The board keeps
the same facts counted once more per *scope* — every city, county and town region above the
case (the levels a centre can sit at) — in four grains:

``all``
    every fact by day; a handling time counts in its half hour, and the exact minutes are
    summed in a ``handled_minutes`` row beside them (the mean stays exact);
``unit``
    what the unit ranking shows, under the unit that held the case: dispatches, returns and
    visits per month (``day`` is the month's first day), deadlines by day (one may lie
    ahead), overdue spans;
``item`` and ``grid``
    cases received, per month (``day`` is the month's first day): the top categories and
    hot-spot grids of the month, read in order from an index.

The keeper maintains it beside the fine rollups from the same replays; ``gridgov analytics
check`` compares both with a full recomputation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from gridgov.analytics import kpi
from gridgov.analytics.facts import SPANS, Fact, Kind
from gridgov.store.models import KpiBoard, Region

LEVELS = frozenset({"city", "county", "town"})  # where centres sit
ALL, UNIT, ITEM, GRID = "all", "unit", "item", "grid"
UNIT_KINDS = frozenset({Kind.dispatched, Kind.returned, Kind.visited, Kind.due, Kind.overdue})
# facts never dated after the event that made them: a unit's are kept per month (a deadline
# may lie ahead, an overdue span is read by its ends: those stay by day)
BY_MONTH = frozenset({Kind.dispatched, Kind.returned, Kind.visited})
HANDLED_MINUTES = "handled_minutes"  # the exact sum beside the handling-time histogram
STILL = date(9999, 12, 31)  # a span's end while it lasts: "ended after" is then one range

# scope, grain, member, kind, day, since, until, outcome, minutes
BoardKey = tuple[str, str, str, str, date, date | None, date | None, str, int]


class Scopes:
    """The centre-level regions above (or at) each region, read once from the region table."""

    def __init__(self, session: Session) -> None:
        self._parent: dict[str, tuple[str | None, str]] = {
            code: (parent, level)
            for code, parent, level in session.execute(
                select(Region.code, Region.parent_code, Region.level)
            )
        }
        self._memo: dict[str, tuple[str, ...]] = {}

    def of(self, region_code: str) -> tuple[str, ...]:
        found = self._memo.get(region_code)
        if found is None:
            chain: list[str] = []
            code: str | None = region_code
            while code is not None and code in self._parent and len(chain) < 16:
                parent, level = self._parent[code]
                if level in LEVELS:
                    chain.append(code)
                code = parent
            found = self._memo[region_code] = tuple(chain)
        return found


def counted(
    facts: Iterable[Fact], scopes: tuple[str, ...], *, item: int, grid: str
) -> Counter[BoardKey]:
    """A case's facts as board rows (``item`` 0 / ``grid`` "": none)."""
    out: Counter[BoardKey] = Counter()
    for f in facts:
        kind = f.kind.value
        until = STILL if f.kind in SPANS and f.until is None else f.until
        if f.kind is Kind.handled:
            moments = [
                ((kind, f.day, None, None, "", kpi.bucket(f.minutes)), 1),
                ((HANDLED_MINUTES, f.day, None, None, "", 0), f.minutes),
            ]
        else:
            moments = [((kind, f.day, f.since, until, f.outcome, 0), 1)]
        by_unit = f.unit and f.kind in UNIT_KINDS
        unit_day = f.day.replace(day=1) if f.kind in BY_MONTH else f.day
        month = f.day.replace(day=1)
        for scope in scopes:
            for rest, n in moments:
                out[(scope, ALL, "", *rest)] += n
            if by_unit:
                assert f.unit is not None
                out[(scope, UNIT, f.unit, kind, unit_day, f.since, until, f.outcome, 0)] += 1
            if f.kind is Kind.received:
                if item:
                    out[(scope, ITEM, str(item), kind, month, None, None, "", 0)] += 1
                if grid:
                    out[(scope, GRID, grid, kind, month, None, None, "", 0)] += 1
    return out


def key_text(k: BoardKey) -> str:
    scope, grain, member, kind, day, since, until, outcome, minutes = k
    return "|".join(
        (
            scope,
            grain,
            member,
            kind,
            day.isoformat(),
            since.isoformat() if since else "",
            until.isoformat() if until else "",
            outcome,
            str(minutes),
        )
    )


def row(k: BoardKey, count: int) -> dict[str, Any]:
    scope, grain, member, kind, day, since, until, outcome, minutes = k
    return {
        "key": key_text(k),
        "scope": scope,
        "grain": grain,
        "member": member,
        "kind": kind,
        "day": day,
        "since": since,
        "until": until,
        "outcome": outcome,
        "minutes": minutes,
        "count": count,
    }


# ---- reading --------------------------------------------------------------------------------
def covers(session: Session, region_code: str) -> bool:
    """Whether the board keeps ``region_code`` as a scope (a city, county or town)."""
    level = session.scalar(select(Region.level).where(Region.code == region_code))
    return level in LEVELS


def _bump(counts: kpi.Counts, kind: str, outcome: str, minutes: int, n: int) -> None:
    if kind == HANDLED_MINUTES:
        counts.handled_minutes += n
    elif kind == Kind.handled.value:
        counts.handled_buckets[minutes] += n
    else:
        counts.bump(Kind(kind), outcome, minutes, n)


Span = tuple[date, date]


class Window:
    """A scope's board rows, summed in the database for any periods (all ending by ``last``
    at the latest): each query reads an index range of the window's days and the overdue
    spans still open after its start, and returns a few hundred sums."""

    def __init__(self, session: Session, scope: str) -> None:
        self.session, self.scope = session, scope

    def _sums(self, grain: str, periods: list[Span], by: tuple[str, ...]) -> Any:
        """Rows of ``by`` columns and one sum per period."""
        statements = _sum_statements(by, len(periods))
        params: dict[str, Any] = {"scope": self.scope, "grain": grain}
        params["first"] = min(f for f, _ in periods)
        params["last"] = max(la for _, la in periods)
        params["ends"] = min(la for _, la in periods)
        for i, (f, la) in enumerate(periods):
            params[f"f{i}"], params[f"l{i}"] = f, la
        for statement in statements:
            yield from self.session.execute(statement, params)

    def tally(self, periods: dict[str, Span]) -> dict[str, kpi.Counts]:
        """Each named period's counts for the whole scope."""
        out = {name: kpi.Counts() for name in periods}
        spans = list(periods.values())
        for kind, outcome, minutes, *ns in self._sums(ALL, spans, ("kind", "outcome", "minutes")):
            for name, n in zip(periods, ns, strict=True):
                if n:
                    _bump(out[name], kind, outcome, minutes, int(n))
        return out

    def per_day(self, first: date, last: date, kinds: tuple[str, ...]) -> dict[str, kpi.Counts]:
        """Counts of ``kinds`` (moments, not spans) per day."""
        b = KpiBoard
        days: dict[str, kpi.Counts] = defaultdict(kpi.Counts)
        rows = self.session.execute(
            select(b.day, b.kind, b.outcome, b.minutes, func.sum(b.count))
            .where(
                b.scope == self.scope,
                b.grain == ALL,
                b.day.between(first, last),
                b.kind.in_(kinds),
            )
            .group_by(b.day, b.kind, b.outcome, b.minutes)
        )
        for day, kind, outcome, minutes, n in rows:
            _bump(days[day.isoformat()], kind, outcome, minutes, int(n))
        return days

    def units(self, first: date, last: date) -> dict[str | None, kpi.Counts]:
        """A month's counts to date (``first`` its first day) per unit, what the ranking
        shows."""
        if first.day != 1:
            raise ValueError("the board ranks units by the month: start on its first day")
        groups: dict[str | None, kpi.Counts] = defaultdict(kpi.Counts)
        by = ("member", "kind", "outcome", "minutes")
        for member, kind, outcome, minutes, n in self._sums(UNIT, [(first, last)], by):
            if n:
                _bump(groups[member], kind, outcome, minutes, int(n))
        return dict(groups)

    def top(self, grain: str, month: date, n: int) -> list[tuple[str, int]]:
        """The ``n`` members (items or grids) with the most cases received in ``month``."""
        b = KpiBoard
        postgres = self.session.get_bind().dialect.name == "postgresql"
        member = b.member.collate("C") if postgres else b.member  # ties: as Python sorts
        rows = self.session.execute(
            select(b.member, b.count)
            .where(b.scope == self.scope, b.grain == grain, b.day == month.replace(day=1))
            .order_by(b.count.desc(), member)
            .limit(n)
        )
        return [(m, int(count)) for m, count in rows]


_STATEMENTS: dict[tuple[tuple[str, ...], int], tuple[Any, Any]] = {}


def _sum_statements(by: tuple[str, ...], n: int) -> tuple[Any, Any]:
    """The two statements of :meth:`Window._sums` (days in the window; overdue spans still
    standing), built once per shape with bound parameters: building them costs more than
    running them."""
    found = _STATEMENTS.get((by, n))
    if found is not None:
        return found
    b = KpiBoard
    columns = [getattr(b, name) for name in by]

    def day(name: str) -> Any:
        return bindparam(name, type_=Date)

    sums = [
        func.sum(case((in_period(b, day(f"f{i}"), day(f"l{i}")), b.count), else_=0))
        for i in range(n)
    ]
    base = (b.scope == bindparam("scope"), b.grain == bindparam("grain"))
    on_days = and_(*base, b.day.between(day("first"), day("last")), b.kind != "overdue")
    # a span counts when it stands at a period's end: ended after the earliest end
    overdue = and_(*base, b.kind == "overdue", b.until > day("ends"), b.since <= day("last"))
    made = tuple(
        select(*columns, *sums).where(part).group_by(*columns) for part in (on_days, overdue)
    )
    _STATEMENTS[(by, n)] = (made[0], made[1])
    return _STATEMENTS[(by, n)]


def in_period(table: Any, first: Any, last: Any) -> Any:
    """The rollup rows (fine or board: ``table``) a period counts: facts on its days; the
    accepted cohort's closures still standing at its end; cases overdue at its end."""
    t = table
    open_at_end = (t.since <= last) & (t.until.is_(None) | (t.until > last))
    on_days = t.day.between(first, last)
    return (
        (t.kind.notin_(("cohort_closed", "overdue")) & on_days)
        | ((t.kind == "cohort_closed") & on_days & open_at_end)
        | ((t.kind == "overdue") & open_at_end)
    )
