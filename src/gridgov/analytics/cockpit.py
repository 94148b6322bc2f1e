"""The leaders' cockpit: every figure of the big screen in one document.

Its KPIs are the ones ``GET /api/v1/kpis`` answers for the same centre, caller and periods
(today, this month, the last 30 days). Beside them: the daily trend, the month's top
categories and hot-spot grids, unit rankings, the overdue and supervised cases, and the
newest cases.

Where the figures come from: for a caller who sees the centre's whole region, the cockpit's
board (:mod:`gridgov.analytics.board`: a few thousand rows even for a city); otherwise one
replay of the cases the caller may see over the union of the periods, counted per period.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from gridgov.analytics import board, kpi, service
from gridgov.analytics.service import By, Period
from gridgov.cases.workflow import OPEN
from gridgov.store.models import Case, Region, Unit
from gridgov.store.types import rarely

TREND_DAYS = 30
TOP = 8
LIST = 10
POINTS = 1000  # the newest cases of the window on the map


def periods(today: date) -> dict[str, tuple[date, date]]:
    return {
        "today": (today, today),
        "month": (today.replace(day=1), today),
        "last_30_days": (today - timedelta(days=TREND_DAYS - 1), today),
    }


def build(
    session: Session,
    *,
    center_code: str,
    now: datetime,
    office_hours: str,
    visible: ColumnElement[bool] | None = None,
    rollups: bool = False,
    lists: bool = True,
) -> dict[str, Any]:
    """The big screen's document. Without ``lists``: the figures alone (KPIs of the three
    periods, trend, top categories and grids, unit ranking), no case lists or map points."""
    center, tz = service.center_and_tz(session, center_code)
    today = now.astimezone(tz).date()
    spans = periods(today)
    window = Period(min(first for first, _ in spans.values()), today, tz)
    month = spans["month"]
    read = board.Window(session, center.region_code)
    document: dict[str, Any] = {
        "center": center.code,
        "center_name": center.name,
        "timezone": center.timezone,
        "today": today.isoformat(),
        "as_of": now.isoformat(),
        "periods": {name: [a.isoformat(), b.isoformat()] for name, (a, b) in spans.items()},
    }
    if rollups and board.covers(session, center.region_code) and read.current(today):
        document |= {
            "kpis": {name: kpi.figures(c) for name, c in read.tally(spans).items()},
            "trend": _trend(read.per_day(spans["last_30_days"][0], today, TREND_KINDS), spans),
            "top_categories": _named(session, By.category, read.top(board.ITEM, today, TOP)),
            "hot_spots": _named(session, By.grid, read.top(board.GRID, today, TOP)),
            "unit_ranking": _ranked(session, read.units(*month)),
        }
    else:
        source = service.Source(
            session,
            center=center,
            first=window.first,
            last=today,
            office_hours=office_hours,
            visible=visible,
            rollups=rollups,
        )
        document |= {
            "kpis": {name: kpi.figures(source.tally(*span)[0]) for name, span in spans.items()},
            "trend": _trend(source.per_day(spans["last_30_days"][0], today), spans),
            "top_categories": top_groups(session, source, month, By.category),
            "hot_spots": top_groups(session, source, month, By.grid),
            "unit_ranking": unit_ranking(session, source, month),
        }
    if lists:
        in_scope = and_(
            listed(session, center.region_code),
            visible if visible is not None else true(),
        )
        document |= {
            "overdue": open_cases(session, in_scope & OVERDUE, tz),
            "supervised": open_cases(session, in_scope & SUPERVISED, tz),
            "latest": _latest(session, in_scope & (Case.created_at >= window.start), tz),
            "points": _points(session, in_scope, window),
        }
    return document


TREND_KINDS = ("received", "closed", "due")


def _trend(
    days: dict[str, kpi.Counts], spans: dict[str, tuple[date, date]]
) -> list[dict[str, Any]]:
    first, last = spans["last_30_days"]
    out = []
    for i in range((last - first).days + 1):
        day = (first + timedelta(days=i)).isoformat()
        k = kpi.figures(days.get(day, kpi.Counts()))
        out.append(
            {
                "day": day,
                "received": k["received"],
                "closures": k["closures"],
                "on_time_rate": k["on_time_rate"],
            }
        )
    return out


def top_groups(
    session: Session, source: service.Source, period: tuple[date, date], by: By
) -> list[dict[str, Any]]:
    _, groups = source.tally(*period, by, kinds=("received",))
    ranked = sorted(
        ((k, c.received) for k, c in groups.items() if k is not None and c.received),
        key=lambda pair: (-pair[1], pair[0]),
    )[:TOP]
    return _named(session, by, ranked)


def _named(session: Session, by: By, ranked: list[tuple[str, int]]) -> list[dict[str, Any]]:
    names = service.names(session, by, [k for k, _ in ranked])
    return [{"key": k, "name": names.get(k, k), "received": n} for k, n in ranked]


def unit_ranking(
    session: Session, source: service.Source, period: tuple[date, date]
) -> list[dict[str, Any]]:
    """Units with dispatches in the period, best on-time rate first (then fewer returns)."""
    return _ranked(session, source.tally(*period, By.unit)[1])


def _ranked(session: Session, groups: dict[str | None, kpi.Counts]) -> list[dict[str, Any]]:
    rows = []
    for key, counts in groups.items():
        k = kpi.figures(counts)
        if key is None or not k["dispatched"]:
            continue
        rows.append({"key": key, **{n: k[n] for n in _RANKED}})
    names = service.names(session, By.unit, [r["key"] for r in rows])
    for row in rows:
        row["name"] = names.get(row["key"], row["key"])
    rows.sort(
        key=lambda r: (
            -(r["on_time_rate"] if r["on_time_rate"] is not None else -1),
            r["return_rate"] or 0,
            -r["dispatched"],
            r["key"],
        )
    )
    return rows


_RANKED = (
    "dispatched",
    "on_time_rate",
    "sign_on_time_rate",
    "return_rate",
    "satisfaction_rate",
    "overdue_open",
)


def _local(value: datetime, tz: Any) -> str:
    return value.astimezone(tz).strftime("%m-%d %H:%M")


OVERDUE = rarely(Case.sla_colour == "overdue")
SUPERVISED = Case.supervised_level > 0  # as written, SQLite matches the partial index on it


def listed(session: Session, region_code: str) -> ColumnElement[bool]:
    """Cases in the region's subtree, for the lists.

    The subtree is read once, down to the counties, and the condition names the counties in
    it when it holds whole counties (a city or county centre: a case's ``county_code`` is its
    region's county), else its regions. It leaves the indexes alone (``… || ''``), so that
    the database walks the list's own index (newest, overdue or supervised cases in order,
    ``ix_case_*_created``) and stops at the tenth: SQLite cannot size the subtree and would
    otherwise fetch and sort every case in it — a city's ten million."""
    tree = select(Region.code, Region.level).where(Region.code == region_code)
    tree = tree.cte("listed_regions", recursive=True)
    tree = tree.union_all(  # no deeper than the counties: they stand for their regions
        select(Region.code, Region.level)
        .join(tree, Region.parent_code == tree.c.code)
        .where(tree.c.level != "county")
    )
    rows = session.execute(select(tree.c.code, tree.c.level)).all()
    counties = [code for code, level in rows if level == "county"]
    if counties:
        return Case.county_code.concat("").in_(counties)
    return Case.region_code.concat("").in_([code for code, _ in rows])


def open_cases(session: Session, condition: ColumnElement[bool], tz: Any) -> list[dict[str, Any]]:
    """The oldest open cases meeting ``condition``."""
    # the ten cases first, then their units (joined before the limit, PostgreSQL joined
    # the units to every candidate: 3,000 of them for a city's supervised list)
    first = (
        select(Case.id, Case.number, Case.title, Case.created_at, Case.supervised_level)
        .add_columns(Case.lead_unit_id)
        .where(condition, Case.status.in_([s.value for s in OPEN]))
        .order_by(Case.created_at, Case.id)
        .limit(LIST)
        .subquery()
    )
    stmt = (
        select(first.c.number, first.c.title, first.c.created_at, first.c.supervised_level)
        .add_columns(Unit.name)
        .outerjoin(Unit, Unit.id == first.c.lead_unit_id)
        .order_by(first.c.created_at, first.c.id)
    )
    rows = session.execute(stmt)
    return [
        {
            "number": number,
            "title": title,
            "created": _local(created, tz),
            "supervised_level": level,
            "unit": unit,
        }
        for number, title, created, level, unit in rows
    ]


def _latest(session: Session, condition: ColumnElement[bool], tz: Any) -> list[dict[str, Any]]:
    stmt = (
        select(Case.number, Case.title, Case.channel, Case.created_at, Case.status)
        .where(condition)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(LIST)
    )
    rows = session.execute(stmt)
    return [
        {
            "number": number,
            "title": title,
            "channel": channel,
            "created": _local(created, tz),
            "status": status,
        }
        for number, title, channel, created, status in rows
    ]


def _points(session: Session, condition: ColumnElement[bool], window: Period) -> list[list[Any]]:
    """Where the window's cases are: [lat, lon, open?] for the heat of the map."""
    stmt = (
        select(Case.lat, Case.lon, Case.status)
        .where(condition, Case.created_at >= window.start, Case.lon.is_not(None))
        .order_by(Case.created_at.desc())
        .limit(POINTS)
    )
    rows = session.execute(stmt)
    open_ = {s.value for s in OPEN}
    return [[lat, lon, status in open_] for lat, lon, status in rows]
