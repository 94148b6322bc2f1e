"""The cockpit's rollups (``kpi_board``): what a centre's big screen reads, narrow enough that
a city of ten million cases a year answers from a few thousand rows.

The fine rollups (:mod:`gridgov.analytics.rollups`) keep every grouping a KPI question can
ask for; summing them for a whole city means summing several rows per case. The board keeps
the same facts counted once more per *scope* — every city, county and town region above the
case (the levels a centre can sit at) — in four grains:

``all``
    every fact by day; a handling time counts in its bucket (:func:`kpi.bucket`), and the
    exact minutes are summed in a ``handled_minutes`` row beside them (the mean stays exact);
``unit``
    what the unit ranking shows, under the unit that held the case: dispatches, returns and
    visits per month (``day`` is the month's first day), deadlines by day (one may lie
    ahead) and by month (``due_month``), overdue spans, and the spans standing now
    (``overdue_now``);
``item`` and ``grid``
    cases received, per month (``day`` is the month's first day): the top categories and
    hot-spot grids of the month, read in order from an index.

The keeper maintains it beside the fine rollups from the same replays; ``gridgov analytics
check`` compares both with a full recomputation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
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
DUE_MONTH = "due_month"  # a unit's deadlines counted by their month
OVERDUE_NOW = "overdue_now"  # a unit's overdue spans still standing, whenever they began
MOMENTS = tuple(sorted({k.value for k in Kind if k not in SPANS} | {HANDLED_MINUTES}))
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
                if f.kind is Kind.due:  # and by its month: see Window.units
                    out[(scope, UNIT, f.unit, DUE_MONTH, month, None, None, f.outcome, 0)] += 1
                elif f.kind is Kind.overdue and until == STILL:
                    out[(scope, UNIT, f.unit, OVERDUE_NOW, STILL, None, None, "", 0)] += 1
            if f.kind is Kind.received:
                if item:
                    out[(scope, ITEM, str(item), kind, month, None, None, "", 0)] += 1
                if grid:
                    out[(scope, GRID, grid, kind, month, None, None, "", 0)] += 1
    return out


def day_text(day: date | None) -> str:
    """A day in a rollup key ("" for none)."""
    return day.isoformat() if day else ""


def key_text(k: BoardKey) -> str:
    scope, grain, member, kind, day, since, until, outcome, minutes = k
    days = (day_text(day), day_text(since), day_text(until))
    return "|".join((scope, grain, member, kind, *days, outcome, str(minutes)))


COLUMNS = ("scope", "grain", "member", "kind", "day", "since", "until", "outcome", "minutes")


def row(k: BoardKey, count: int) -> dict[str, Any]:
    """A board key and its count as the ``kpi_board`` row's values."""
    return {"key": key_text(k), **dict(zip(COLUMNS, k, strict=True)), "count": count}


# ---- reading --------------------------------------------------------------------------------
def covers(session: Session, region_code: str) -> bool:
    """Whether the board keeps ``region_code`` as a scope (a city, county or town)."""
    level = session.scalar(select(Region.level).where(Region.code == region_code))
    return level in LEVELS


_KINDS = {k.value: k for k in Kind}  # a dictionary look-up: Kind(value) costs a microsecond


def _bump(counts: kpi.Counts, kind: str, outcome: str, minutes: int, n: int) -> None:
    """Add a board row's ``n`` (negative: take it back) to ``counts``."""
    if kind == HANDLED_MINUTES:
        counts.handled_minutes += n
    elif kind == "handled":
        counts.handled_buckets[minutes] += n
    else:
        counts.bump(_KINDS[kind], outcome, minutes, n)


# The outcomes a unit's facts carry (gridgov.analytics.facts); the ranking's counters are the
# sums of the (kind, outcome) pairs that ``Counts.bump`` adds to them, found by asking it.
UNIT_OUTCOMES = {
    Kind.dispatched: ("on_time", "late"),
    Kind.returned: ("",),
    Kind.visited: ("satisfied", "not"),
    Kind.due: ("on_time", "late", "pending", "suspended"),
    Kind.overdue: ("",),
}


def _unit_counters() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for kind, outcomes in UNIT_OUTCOMES.items():
        for outcome in outcomes:
            probe = kpi.Counts()
            probe.bump(kind, outcome, 0, 1)
            for name, value in vars(probe).items():
                if value == 1:
                    out.setdefault(name, []).append((kind.value, outcome))
    return out


UNIT_COUNTERS = _unit_counters()


Span = tuple[date, date]


class Window:
    """A scope's board rows summed in the database for periods that end on the same day or
    later (the cockpit's today, this month and 30 days): each part is one statement (one round
    trip) over a few ranges of a covering index, returning a few hundred sums at most; the
    statements are built once, with bound parameters."""

    def __init__(self, session: Session, scope: str) -> None:
        self.session, self.scope = session, scope

    def _run(self, name: str, params: dict[str, Any]) -> Any:
        return self.session.execute(_statement(name, params.pop("n", 1)), params)

    def current(self, today: date) -> bool:
        """Whether the board can answer for periods ending ``today``: nothing of what it keeps
        per month (intake, dispatches, returns, visits) happened after it. A view of the past
        (``today`` before the newest facts) is counted from the events instead."""
        b = KpiBoard
        later = self.session.scalar(
            select(b.id)
            .where(
                b.scope == self.scope,
                b.grain == ALL,
                b.kind.in_(sorted({Kind.received.value} | {k.value for k in BY_MONTH})),
                b.day > today,
            )
            .limit(1)
        )
        return later is None

    def tally(self, periods: dict[str, Span]) -> dict[str, kpi.Counts]:
        """Each named period's counts for the whole scope: its days' moments, the cohort's
        closures and the overdue spans standing at its end."""
        out = {name: kpi.Counts() for name in periods}
        params: dict[str, Any] = {"scope": self.scope, "n": len(periods)}
        params["first"] = min(f for f, _ in periods.values())
        params["last"] = max(la for _, la in periods.values())
        params["ends"] = min(la for _, la in periods.values())
        for i, (f, la) in enumerate(periods.values()):
            params[f"f{i}"], params[f"l{i}"] = f, la
        for kind, outcome, minutes, *ns in self._run("tally", params):
            for name, n in zip(periods, ns, strict=True):
                if n:
                    _bump(out[name], kind, outcome, minutes, int(n))
        return out

    def per_day(self, first: date, last: date, kinds: tuple[str, ...]) -> dict[str, kpi.Counts]:
        """Counts of ``kinds`` (moments, not spans) per day."""
        b = KpiBoard
        days: dict[str, kpi.Counts] = defaultdict(kpi.Counts)
        rows = self.session.execute(
            select(b.day, b.kind, b.outcome, b.minutes, total(b.count))
            .where(
                b.scope == self.scope,
                b.grain == ALL,
                b.kind.in_(kinds),
                b.day.between(first, last),
            )
            .group_by(b.day, b.kind, b.outcome, b.minutes)
        )
        for day, kind, outcome, minutes, n in rows:
            _bump(days[day.isoformat()], kind, outcome, minutes, int(n))
        return days

    def units(self, first: date, last: date) -> dict[str | None, kpi.Counts]:
        """A month's counts to date (``first`` its first day, ``last`` in it) per unit, what
        the ranking shows. Read as the whole month's rows, less the deadlines after ``last``,
        and the overdue spans standing now, less those begun after ``last``, plus those that
        stood at ``last`` and have ended since (for ``last`` today: nothing to correct)."""
        if first.day != 1:
            raise ValueError("the board ranks units by the month: start on its first day")
        following = (first + timedelta(days=32)).replace(day=1)
        params = {"scope": self.scope, "month": first, "last": last, "following": following}
        names = list(UNIT_COUNTERS)
        return {
            member: kpi.Counts(**{k: int(v) for k, v in zip(names, values, strict=True)})
            for member, *values in self._run("units", params)
        }

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


_STATEMENTS: dict[tuple[str, int], Any] = {}


def _statement(name: str, n: int) -> Any:
    """The board's reading statements, built once per shape (``n`` periods) with bound
    parameters: building them costs more than running them."""
    found = _STATEMENTS.get((name, n))
    if found is None:
        found = _STATEMENTS[(name, n)] = _build(name, n)
    return found


def _build(name: str, n: int) -> Any:
    if name == "tally":  # Window.tally: one round trip
        return union_all(*(_part(part, n) for part in ("moments", "cohort", "overdue")))
    if name != "units":
        raise ValueError(f"no board statement {name!r}")
    # Window.units: the month's rows with the corrections (deadlines by month count as
    # deadlines), one row of counters per unit, in one round trip
    b = union_all(*(_part(part, n) for part in UNIT_PARTS)).subquery()
    counters = []
    for pairs in UNIT_COUNTERS.values():
        adds = or_(*((b.c.kind == kind) & (b.c.outcome == outcome) for kind, outcome in pairs))
        counters.append(total(case((adds, b.c.n), else_=0)))
    return select(b.c.member, *counters).group_by(b.c.member)


UNIT_PARTS = (
    "unit_month",
    "unit_due_after",
    "unit_overdue_now",
    "unit_overdue_begun_after",
    "unit_overdue_ended_after",
)


def _part(name: str, n: int) -> Any:
    b = KpiBoard

    def day(key: str) -> Any:
        return bindparam(key, type_=Date)

    here = (b.scope == bindparam("scope"),)
    if name in ("moments", "cohort", "overdue"):  # grain "all", the sums of n periods
        everything = (*here, b.grain == ALL)
        by = (b.kind, b.outcome, b.minutes)
        on = [b.day.between(day(f"f{i}"), day(f"l{i}")) for i in range(n)]
        standing = [(b.since <= day(f"l{i}")) & (b.until > day(f"l{i}")) for i in range(n)]
        if name == "moments":
            where = and_(*everything, b.kind.in_(MOMENTS), b.day.between(day("first"), day("last")))
            when = on
        elif name == "cohort":
            where = and_(
                *everything,
                b.kind == Kind.cohort_closed.value,
                b.day.between(day("first"), day("last")),
            )
            when = [a & s for a, s in zip(on, standing, strict=True)]
        else:  # a span counts when it stands at a period's end: ended after the earliest end
            where = and_(
                *everything,
                b.kind == Kind.overdue.value,
                b.until > day("ends"),
                b.since <= day("last"),
            )
            when = standing
        sums = [total(case((w, b.count), else_=0)) for w in when]
        return select(*by, *sums).where(where).group_by(*by)
    # grain "unit": (member, kind, outcome, n), n negative where it takes rows back
    unit = (*here, b.grain == UNIT)
    overdue = b.kind == Kind.overdue.value
    as_due, as_overdue = literal(Kind.due.value), literal(Kind.overdue.value)
    if name == "unit_month":
        kinds = (*(k.value for k in BY_MONTH), DUE_MONTH)
        what = (case((b.kind == DUE_MONTH, as_due), else_=b.kind), b.outcome, b.count)
        where = and_(*unit, b.kind.in_(kinds), b.day == day("month"))
    elif name == "unit_due_after":
        what = (as_due, b.outcome, -b.count)
        where = and_(*unit, b.kind == Kind.due.value, b.day > day("last"), b.day < day("following"))
    elif name == "unit_overdue_now":
        what = (as_overdue, b.outcome, b.count)
        where = and_(*unit, b.kind == OVERDUE_NOW)
    elif name == "unit_overdue_begun_after":
        what = (as_overdue, b.outcome, -b.count)
        where = and_(*unit, overdue, b.until == STILL, b.since > day("last"))
    else:  # unit_overdue_ended_after
        what = (as_overdue, b.outcome, b.count)
        where = and_(*unit, overdue, b.until > day("last"), b.until < STILL, b.since <= day("last"))
    kind, outcome, count = what
    return select(b.member, kind.label("kind"), outcome.label("outcome"), count.label("n")).where(
        where
    )


def total(value: Any) -> Any:
    """``sum(value)`` as a BIGINT: PostgreSQL sums BIGINTs as NUMERIC, which arrive as
    ``Decimal``s, several times slower to read than integers."""
    return cast(func.sum(value), BigInteger)


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
