"""KPIs for a centre and a period, grouped as asked: the queries that feed the pure parts.

The cases a period can count are those with an event in it, a handling deadline in it, or an
overdue span reaching into it; their logs are replayed (:mod:`gridgov.analytics.facts`) and the
facts counted (:mod:`gridgov.analytics.kpi`). A centre's figures cover every case placed in
its region's subtree, whichever centre holds the case now; the caller's data scope narrows
that further.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from gridgov.analytics import kpi
from gridgov.analytics.facts import Fact
from gridgov.analytics.logs import Replayer
from gridgov.auth.scope import region_subtree
from gridgov.cases.workflow import OPEN
from gridgov.kit.errors import ValidationFailed
from gridgov.regions import repository as regions
from gridgov.store.models import (
    Case,
    CaseDeadline,
    CaseEvent,
    CatalogItem,
    Center,
    Grid,
    Region,
    Unit,
    User,
)

MAX_DAYS = 400
_CHUNK = 500
_LEVEL_LENGTH = {"county": 6, "town": 9, "village": 12}  # codes below a county nest by prefix


class By(StrEnum):
    unit = "unit"
    region = "region"
    category = "category"
    channel = "channel"
    grid = "grid"
    worker = "worker"


@dataclass(frozen=True)
class Period:
    """Local days ``first``–``last`` inclusive; in UTC, ``start`` ≤ t < ``end``."""

    first: date
    last: date
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValidationFailed(f"the period ends ({self.last}) before it starts ({self.first})")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ValidationFailed(f"a period is at most {MAX_DAYS} days; ask for less")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.tz)


@dataclass(frozen=True)
class CaseFacts:
    """One case's facts and the attributes they are grouped by."""

    region_code: str
    grid_code: str | None
    catalog_item_id: int | None
    channel: str
    reporter_user_id: int | None
    facts: list[Fact]
    number: str = ""


def center_and_tz(session: Session, code: str) -> tuple[Center, ZoneInfo]:
    center = regions.get_center(session, code=code)
    return center, ZoneInfo(center.timezone)


def collect(
    session: Session,
    *,
    center: Center,
    start: datetime,
    end: datetime,
    office_hours: str,
    visible: ColumnElement[bool] | None = None,
) -> list[CaseFacts]:
    """Replay every case of ``center``'s region that can count in [start, end)."""
    in_scope = and_(
        Case.region_code.in_(region_subtree(center.region_code, "kpi_regions")),
        visible if visible is not None else true(),
    )
    touched = select(CaseEvent.case_id).where(CaseEvent.at >= start, CaseEvent.at < end)
    due = select(CaseDeadline.case_id).where(
        CaseDeadline.step == "handle", CaseDeadline.due_at >= start, CaseDeadline.due_at < end
    )
    overdue_before = select(CaseEvent.case_id).where(
        CaseEvent.action == "sla_overdue", CaseEvent.at < end
    )
    candidates = select(Case.id).where(
        in_scope,
        or_(
            Case.id.in_(touched),
            Case.id.in_(due),
            and_(
                Case.id.in_(overdue_before),
                or_(Case.updated_at >= start, Case.status.in_([s.value for s in OPEN])),
            ),
        ),
    )
    ids = list(session.scalars(candidates))
    tz = ZoneInfo(center.timezone)
    out: list[CaseFacts] = []
    for chunk in _chunks(ids):
        out.extend(_replay_chunk(session, chunk, tz=tz, office_hours=office_hours))
    return out


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _replay_chunk(
    session: Session, ids: list[int], *, tz: ZoneInfo, office_hours: str
) -> Iterator[CaseFacts]:
    replayer = Replayer(session, timezone=str(tz), office_hours=office_hours)
    logs = replayer.logs(ids)
    cases = session.execute(
        select(
            Case.id,
            Case.created_at,
            Case.county_code,
            Case.region_code,
            Case.grid_code,
            Case.catalog_item_id,
            Case.channel,
            Case.reporter_user_id,
            Case.number,
        ).where(Case.id.in_(ids))
    )
    for case in cases:
        facts = replayer.facts(case, logs[case.id])
        yield CaseFacts(
            case.region_code,
            case.grid_code,
            case.catalog_item_id,
            case.channel,
            case.reporter_user_id,
            facts,
            case.number,
        )


# grouping ------------------------------------------------------------------------------------

KeyOf = Callable[[CaseFacts, Fact], "str | None"]


def key_function(by: By, *, level: str | None = None) -> KeyOf:
    if by is By.unit:
        return lambda c, f: f.unit
    if by is By.region:
        length = _LEVEL_LENGTH[level or "town"]
        return lambda c, f: c.region_code[:length] if len(c.region_code) >= length else None
    if by is By.category:
        return lambda c, f: str(c.catalog_item_id) if c.catalog_item_id is not None else None
    if by is By.channel:
        return lambda c, f: c.channel
    if by is By.grid:
        return lambda c, f: c.grid_code
    return lambda c, f: str(c.reporter_user_id) if c.reporter_user_id is not None else None


def tally(
    cases: Iterable[CaseFacts], period: Period, key: KeyOf | None = None
) -> tuple[kpi.Counts, dict[str | None, kpi.Counts]]:
    """The period's counts in total and (with ``key``) per group."""
    total = kpi.Counts()
    groups: dict[str | None, kpi.Counts] = defaultdict(kpi.Counts)
    for case in cases:
        for fact in case.facts:
            total.add(fact, period.first, period.last)
            if key is not None:
                groups[key(case, fact)].add(fact, period.first, period.last)
    return total, dict(groups)


Tallied = tuple[kpi.Counts, dict[str | None, kpi.Counts]]


class Source:
    """Where a centre's counts come from: the rollups (fast, the whole region) or the events
    of the cases that can count, replayed now (any data scope: a unit's own cases)."""

    def __init__(
        self,
        session: Session,
        *,
        center: Center,
        first: date,
        last: date,
        office_hours: str,
        visible: ColumnElement[bool] | None,
        rollups: bool,
    ) -> None:
        self.session, self.center, self.tz = session, center, ZoneInfo(center.timezone)
        self.rollups = rollups
        self.cases: list[CaseFacts] = []
        if not rollups:
            window = Period(first, last, self.tz)
            self.cases = collect(
                session,
                center=center,
                start=window.start,
                end=window.end,
                office_hours=office_hours,
                visible=visible,
            )

    def tally(
        self,
        first: date,
        last: date,
        by: By | None = None,
        *,
        level: str | None = None,
        kinds: tuple[str, ...] | None = None,
    ) -> Tallied:
        if self.rollups:
            from gridgov.analytics import rollups

            regions = region_subtree(self.center.region_code, "kpi_regions")
            length = _LEVEL_LENGTH[level or "town"] if by is By.region else None
            return rollups.tally(
                self.session,
                regions=regions,
                first=first,
                last=last,
                by=by.value if by else None,
                level_length=length,
                kinds=kinds,
            )
        key = key_function(by, level=level) if by is not None else None
        return tally(self.cases, Period(first, last, self.tz), key)

    def per_day(self, first: date, last: date) -> dict[str, kpi.Counts]:
        """Received, closures and deadlines per day (the trend)."""
        kinds = ("received", "closed", "due")
        if self.rollups:
            from gridgov.analytics import rollups

            regions = region_subtree(self.center.region_code, "kpi_regions")
            _, groups = rollups.tally(
                self.session, regions=regions, first=first, last=last, by="day", kinds=kinds
            )
            return {k: v for k, v in groups.items() if k is not None}
        days: dict[str, kpi.Counts] = defaultdict(kpi.Counts)
        for case in self.cases:
            for fact in case.facts:
                if fact.kind.value in kinds and first <= fact.day <= last:
                    days[fact.day.isoformat()].add(fact, fact.day, fact.day)
        return days


def names(session: Session, by: By, keys: Iterable[str | None]) -> dict[str, str]:
    """Display names of group keys (the key itself where there is none)."""
    wanted = [k for k in keys if k is not None]
    if not wanted:
        return {}
    if by is By.unit:
        rows = session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(wanted)))
    elif by is By.region:
        rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(wanted)))
    elif by is By.category:
        ids = [int(k) for k in wanted]
        found = session.execute(
            select(CatalogItem.id, CatalogItem.code, CatalogItem.name).where(
                CatalogItem.id.in_(ids)
            )
        )
        return {str(i): f"{code} {name}" for i, code, name in found}
    elif by is By.grid:
        rows = session.execute(select(Grid.code, Grid.name).where(Grid.code.in_(wanted)))
    elif by is By.worker:
        ids = [int(k) for k in wanted]
        found = session.execute(
            select(User.id, User.username, User.display_name).where(User.id.in_(ids))
        )
        return {str(i): f"{display} ({username})" for i, username, display in found}
    else:
        return {k: k for k in wanted}
    return {str(code): str(name) for code, name in rows}


def report(
    session: Session,
    *,
    center_code: str,
    first: date,
    last: date,
    by: By | None = None,
    level: str | None = None,
    office_hours: str,
    visible: ColumnElement[bool] | None = None,
    rollups: bool = False,
) -> dict[str, Any]:
    """The KPI document of the API and the CLI: the centre's figures and, with ``by``, each
    group's, largest intake first. From the rollups, or (``rollups=False``) from the events
    of the cases ``visible`` admits."""
    if level is not None and level not in _LEVEL_LENGTH:
        raise ValidationFailed(f"unknown region level {level!r}; one of {sorted(_LEVEL_LENGTH)}")
    center, tz = center_and_tz(session, center_code)
    Period(first, last, tz)  # checks the period
    source = Source(
        session,
        center=center,
        first=first,
        last=last,
        office_hours=office_hours,
        visible=visible,
        rollups=rollups,
    )
    total, groups = source.tally(first, last, by, level=level)
    document: dict[str, Any] = {
        "center": center.code,
        "center_name": center.name,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": center.timezone,
        "total": kpi.figures(total),
    }
    if by is not None:
        labels = names(session, by, groups)
        rows = [
            {"key": k, "name": labels.get(k, k) if k is not None else None, **kpi.figures(c)}
            for k, c in groups.items()
        ]
        rows.sort(key=lambda r: (-r["received"], -r["dispatched"], str(r["key"])))
        document["by"] = by.value
        document["groups"] = rows
    return document
