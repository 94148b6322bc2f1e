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
    what the unit ranking shows (dispatches, returns, visits, deadlines, overdue spans),
    under the unit that held the case;
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

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gridgov.analytics import kpi
from gridgov.analytics.facts import SPANS, Fact, Kind
from gridgov.store.models import KpiBoard, Region

LEVELS = frozenset({"city", "county", "town"})  # where centres sit
ALL, UNIT, ITEM, GRID = "all", "unit", "item", "grid"
UNIT_KINDS = frozenset({Kind.dispatched, Kind.returned, Kind.visited, Kind.due, Kind.overdue})
HANDLED_MINUTES = "handled_minutes"  # the exact sum beside the half-hour histogram

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
        if f.kind is Kind.handled:
            rows = [((kind, f.day, None, None, "", kpi.halfhours(f.minutes)), 1)]
            rows.append(((HANDLED_MINUTES, f.day, None, None, "", 0), f.minutes))
        else:
            rows = [((kind, f.day, f.since, f.until, f.outcome, 0), 1)]
        for scope in scopes:
            for rest, n in rows:
                out[(scope, ALL, "", *rest)] += n
            if f.unit and f.kind in UNIT_KINDS:
                out[(scope, UNIT, f.unit, *rows[0][0])] += 1
            if f.kind is Kind.received:
                month = f.day.replace(day=1)
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


_SPAN_KINDS = tuple(k.value for k in SPANS)


def _bump(counts: kpi.Counts, kind: str, outcome: str, minutes: int, n: int) -> None:
    if kind == HANDLED_MINUTES:
        counts.handled_minutes += n
    elif kind == Kind.handled.value:
        counts.handled_halfhours[minutes] += n
    else:
        counts.bump(Kind(kind), outcome, minutes, n)


Row = tuple[str, str, date, date | None, date | None, str, int, int]  # member … count


class Window:
    """A scope's ``all`` and ``unit`` rows that can count in any period inside
    ``first``–``last``, read once; periods and days are then counted from memory."""

    def __init__(self, session: Session, scope: str, first: date, last: date) -> None:
        self.session, self.scope, self.first, self.last = session, scope, first, last
        self.rows: dict[str, list[Row]] = {ALL: [], UNIT: []}
        b = KpiBoard
        columns = (
            b.grain,
            b.member,
            b.kind,
            b.day,
            b.since,
            b.until,
            b.outcome,
            b.minutes,
            b.count,
        )
        for grain in (ALL, UNIT):
            on_days = and_(
                b.scope == scope, b.grain == grain, b.day.between(first, last), b.kind != "overdue"
            )
            # overdue spans count by their end alone: those still open, or ended after ``first``
            overdue = and_(
                b.scope == scope,
                b.grain == grain,
                b.kind == "overdue",
                or_(b.until.is_(None), b.until > first),
                b.since <= last,
            )
            for part in (on_days, overdue):
                for r in session.execute(select(*columns).where(part)):
                    self.rows[grain].append(tuple(r[1:]))  # type: ignore[arg-type]

    def tally(self, first: date, last: date) -> kpi.Counts:
        counts = kpi.Counts()
        for _, kind, day, since, until, outcome, minutes, n in self.rows[ALL]:
            if self._counts(kind, day, since, until, first, last):
                _bump(counts, kind, outcome, minutes, n)
        return counts

    def per_day(self, first: date, last: date, kinds: tuple[str, ...]) -> dict[str, kpi.Counts]:
        days: dict[str, kpi.Counts] = defaultdict(kpi.Counts)
        for _, kind, day, _since, _until, outcome, minutes, n in self.rows[ALL]:
            if kind in kinds and first <= day <= last:
                _bump(days[day.isoformat()], kind, outcome, minutes, n)
        return days

    def units(self, first: date, last: date) -> dict[str | None, kpi.Counts]:
        groups: dict[str | None, kpi.Counts] = defaultdict(kpi.Counts)
        for member, kind, day, since, until, outcome, minutes, n in self.rows[UNIT]:
            if self._counts(kind, day, since, until, first, last):
                _bump(groups[member], kind, outcome, minutes, n)
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
        return [(member, int(count)) for member, count in rows]

    @staticmethod
    def _counts(
        kind: str, day: date, since: date | None, until: date | None, first: date, last: date
    ) -> bool:
        if kind in _SPAN_KINDS:
            return kpi.counts_in(Kind(kind), day, since, until, first, last)
        return first <= day <= last
