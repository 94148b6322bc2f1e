"""``GET /api/v1/kpis``: a centre's KPIs for a period, in total and per group."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.analytics import assessment, cockpit, reports, rollups, service
from gridgov.api.deps import (
    ReadActor,
    ReadSession,
    RowId,
    ThePlatform,
    WriteActor,
    WriteSession,
)
from gridgov.api.errors import error_responses
from gridgov.auth import scope
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import NotFound, ValidationFailed
from gridgov.store.models import AssessmentScheme, Center, Report

router = APIRouter(tags=["analytics"])

Rate = Annotated[float | None, Field(ge=0, le=1)]


class KpiFigures(BaseModel):
    """DESIGN §8; every rate is a fraction 0–1, or null when its denominator is 0."""

    received: int
    accepted: int
    rejected: int
    acceptance_rate: Rate
    closed: int = Field(description="Cases accepted in the period and closed at its end")
    closure_rate: Rate
    due: int = Field(description="Handling deadlines in the period that have come (应结案数)")
    due_on_time: int
    due_suspended: int
    due_pending: int = Field(description="Deadlines in the period not yet reached, still open")
    on_time_rate: Rate
    dispatched: int
    signed_on_time: int
    sign_on_time_rate: Rate
    returned: int
    return_rate: Rate
    extended: int
    extension_rate: Rate
    verified: int
    reworked: int
    rework_rate: Rate
    closures: int
    reopened: int
    reopen_rate: Rate
    visited: int
    satisfied: int
    satisfaction_rate: Rate
    handled: int
    handling_hours_mean: float | None
    handling_hours_p90: float | None
    overdue_open: int = Field(description="Cases with an overdue open step at the period's end")


class KpiGroup(KpiFigures):
    key: str | None
    name: str | None


class KpiReport(BaseModel):
    center: str
    center_name: str
    from_: date = Field(alias="from")
    to: date
    timezone: str
    total: KpiFigures
    by: service.By | None = None
    groups: list[KpiGroup] | None = None


CenterCode = Annotated[
    str | None, Query(max_length=32, description="Centre code; default: the caller's")
]


def _center_code(session: ReadSession, actor: ReadActor, center: str | None) -> str:
    if center is not None:
        return center
    own = session.get(Center, actor.center_id) if actor.center_id is not None else None
    if own is None:
        raise ValidationFailed("name a centre: ?center=CODE")
    return own.code


def _counting(session: ReadSession, actor: ReadActor, center: Center, p: Any) -> tuple[bool, Any]:
    """Whether to read the rollups and, if not, the caller's data scope for the events."""
    use_rollups = _rollups_ready(session, actor, center, p)
    return use_rollups, None if use_rollups else scope.case_condition(session, actor)


def _rollups_ready(session: ReadSession, actor: ReadActor, center: Center, p: Any) -> bool:
    """The rollups answer for callers who see the centre's whole region (in the
    installation's time zone), after catching up with the events; the others' figures are
    counted from the events of the cases they may see."""
    if not scope.covers_region(session, actor, center.region_code):
        return False
    return rollups.ready(p.db, p.settings, center.timezone)


@contextlib.contextmanager
def _reading(p: Any, session: Session, fresh: bool) -> Iterator[Session]:
    """A transaction that sees the rollups just caught up with (an SQLite read transaction
    keeps the snapshot of its first read: the request's own began before the catch-up)."""
    if not fresh:
        yield session
        return
    with p.db.read() as reader:
        yield reader


@router.get(
    "/kpis",
    response_model=KpiReport,
    response_model_by_alias=True,
    response_model_exclude_none=False,
    responses=error_responses(401, 403, 404, 422),
)
def kpis(
    session: ReadSession,
    actor: ReadActor,
    p: ThePlatform,
    center: CenterCode = None,
    first: Annotated[
        date | None, Query(alias="from", description="First local day; default: the 1st")
    ] = None,
    last: Annotated[date | None, Query(alias="to", description="Last day; default: today")] = None,
    by: service.By | None = None,
    level: Annotated[
        str | None, Query(pattern="^(county|town|village)$", description="With by=region")
    ] = None,
) -> KpiReport:
    code = _center_code(session, actor, center)
    found, tz = service.center_and_tz(session, code)
    use_rollups, visible = _counting(session, actor, found, p)
    today = utc_now().astimezone(tz).date()
    last = last or today
    first = first or last.replace(day=1)
    with _reading(p, session, use_rollups) as reader:
        document = service.report(
            reader,
            center_code=code,
            first=first,
            last=last,
            by=by,
            level=level,
            office_hours=p.settings.office_hours,
            visible=visible,
            rollups=use_rollups,
        )
    return KpiReport.model_validate(document)


@router.get("/cockpit", responses=error_responses(401, 403, 404, 422))
def cockpit_figures(
    session: ReadSession, actor: ReadActor, p: ThePlatform, center: CenterCode = None
) -> dict[str, Any]:
    """Everything the big screen shows: the KPIs of today, this month and the last 30 days
    (equal to ``/kpis`` for those periods), the trend, top categories, hot-spot grids, unit
    ranking, overdue and supervised cases and the newest cases."""
    code = _center_code(session, actor, center)
    found, _ = service.center_and_tz(session, code)
    use_rollups, visible = _counting(session, actor, found, p)
    with _reading(p, session, use_rollups) as reader:
        return cockpit.build(
            reader,
            center_code=code,
            now=utc_now(),
            office_hours=p.settings.office_hours,
            visible=visible,
            rollups=use_rollups,
        )


# ---- assessment ---------------------------------------------------------------------------
class AdjustmentIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    kpi: Annotated[str, Field(max_length=40)]
    points: Annotated[float, Field(ge=-100, le=100)]


class SchemeIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    target: Annotated[str, Field(pattern="^(unit|town|worker)$")]
    weights: dict[Annotated[str, Field(max_length=40)], Annotated[float, Field(gt=0, le=1000)]]
    adjustments: Annotated[list[AdjustmentIn], Field(max_length=20)] = Field(default_factory=list)
    red_at: Annotated[float | None, Field(ge=-1000, le=1000)] = None
    black_below: Annotated[float | None, Field(ge=-1000, le=1000)] = None


class SchemeRead(SchemeIn):
    code: str


SchemeCode = Annotated[str, Path(max_length=32, pattern=r"^[0-9A-Za-z_\-]+$")]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


def _scheme_read(row: Any) -> SchemeRead:
    return SchemeRead(
        code=row.code,
        name=row.name,
        target=row.target,
        weights=row.weights,
        adjustments=[AdjustmentIn(**a) for a in row.adjustments],
        red_at=row.red_at,
        black_below=row.black_below,
    )


@router.get(
    "/assessment/schemes", response_model=list[SchemeRead], responses=error_responses(401, 403)
)
def list_schemes(session: ReadSession, actor: ReadActor) -> list[SchemeRead]:
    return [
        _scheme_read(r)
        for r in session.scalars(select(AssessmentScheme).order_by(AssessmentScheme.code))
    ]


@router.put(
    "/assessment/schemes/{code}",
    response_model=SchemeRead,
    responses=error_responses(401, 403, 422),
)
def put_scheme(
    code: SchemeCode, body: SchemeIn, session: WriteSession, actor: WriteActor
) -> SchemeRead:
    """Create or replace a scoring scheme (weights over rates; points per count)."""
    row = assessment.set_scheme(
        session,
        code=code,
        name=body.name,
        target=body.target,
        weights=body.weights,
        adjustments=[a.model_dump() for a in body.adjustments],
        red_at=body.red_at,
        black_below=body.black_below,
        now=utc_now(),
    )
    return _scheme_read(row)


@router.get("/assessment/{code}", responses=error_responses(401, 403, 404, 422))
def ranking(
    code: SchemeCode,
    month: Month,
    session: ReadSession,
    actor: ReadActor,
    p: ThePlatform,
    center: CenterCode = None,
) -> dict[str, Any]:
    """The month's ranking under the scheme, with the red and black lists."""
    center_code = _center_code(session, actor, center)
    found, _ = service.center_and_tz(session, center_code)
    use_rollups, visible = _counting(session, actor, found, p)
    with _reading(p, session, use_rollups) as reader:
        return assessment.monthly(
            reader,
            code=code,
            center_code=center_code,
            month=month,
            office_hours=p.settings.office_hours,
            rollups=use_rollups,
            visible=visible,
        )


@router.get("/assessment/{code}/cases", responses=error_responses(401, 403, 404, 422))
def cases_behind(
    code: SchemeCode,
    month: Month,
    key: Annotated[str, Query(max_length=40, description="The unit, town or worker")],
    kpi: Annotated[str, Query(max_length=40)],
    session: ReadSession,
    actor: ReadActor,
    p: ThePlatform,
    center: CenterCode = None,
) -> list[dict[str, Any]]:
    """The cases behind one group's figure (within the caller's data scope)."""
    return assessment.cases_behind(
        session,
        code=code,
        center_code=_center_code(session, actor, center),
        month=month,
        key=key,
        kpi=kpi,
        office_hours=p.settings.office_hours,
        visible=scope.case_condition(session, actor),
    )


# ---- reports ------------------------------------------------------------------------------
class ReportRead(BaseModel):
    id: int
    center: str
    kind: str
    first: date
    last: date
    made_at: datetime
    made_by: str
    formats: list[str]
    note: str


class ReportMake(BaseModel):
    center: Annotated[str, Field(max_length=32)]
    kind: Annotated[str, Field(pattern="^(daily|weekly|monthly)$")]
    day: date = Field(description="Any day of the period")


def _report_read(row: Report, center: str) -> ReportRead:
    formats = ["html", "xlsx", *(["pdf"] if row.has_pdf else [])]
    return ReportRead(
        id=row.id,
        center=center,
        kind=row.kind,
        first=row.first,
        last=row.last,
        made_at=row.made_at,
        made_by=row.made_by,
        formats=formats,
        note=row.note,
    )


@router.get(
    "/reports", response_model=list[ReportRead], responses=error_responses(401, 403, 404, 422)
)
def list_reports(
    session: ReadSession,
    actor: ReadActor,
    center: CenterCode = None,
    kind: Annotated[str | None, Query(pattern="^(daily|weekly|monthly)$")] = None,
) -> list[ReportRead]:
    """The reports made, newest period first (the caller's centre unless one is named)."""
    code = _center_code(session, actor, center)
    found, _ = service.center_and_tz(session, code)
    stmt = select(Report).where(Report.center_id == found.id)
    if kind:
        stmt = stmt.where(Report.kind == kind)
    rows = session.scalars(stmt.order_by(Report.first.desc(), Report.kind).limit(500))
    return [_report_read(r, code) for r in rows]


@router.post(
    "/reports",
    response_model=ReportRead,
    status_code=201,
    responses=error_responses(401, 403, 404, 422),
)
def make_report(
    body: ReportMake, session: WriteSession, actor: WriteActor, p: ThePlatform
) -> ReportRead:
    """Make (or make again) a report now."""
    found, _ = service.center_and_tz(session, body.center)
    settings = p.settings
    use_rollups = rollups.answer_for(found.timezone, settings)
    if use_rollups:  # in this transaction: it already holds SQLite's write lock
        rollups.catch_up_in(session, timezone=settings.timezone, office_hours=settings.office_hours)
    row = reports.make(
        session,
        center_code=body.center,
        kind=body.kind,
        day=body.day,
        directory=settings.report_dir,
        office_hours=settings.office_hours,
        rollups=use_rollups,
        now=utc_now(),
        made_by=actor.username,
    )
    return _report_read(row, body.center)


MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/reports/{report_id}.{fmt}",
    response_class=FileResponse,
    responses=error_responses(401, 403, 404),
)
def download_report(
    report_id: RowId,
    fmt: Annotated[str, Path(pattern="^(html|pdf|xlsx)$")],
    session: ReadSession,
    actor: ReadActor,
) -> FileResponse:
    row = session.get(Report, report_id)
    if row is None or (fmt == "pdf" and not row.has_pdf):
        raise NotFound(f"no report {report_id} as {fmt}")
    center = session.get(Center, row.center_id)
    assert center is not None
    if not scope.covers_region(session, actor, center.region_code):
        raise NotFound(f"no report {report_id} as {fmt}")
    path = FsPath(f"{row.stem}.{fmt}")
    if not path.exists():
        raise NotFound(f"the file of report {report_id} is missing; make it again")
    name = f"{center.code}-{row.kind}-{row.first.isoformat()}.{fmt}"
    return FileResponse(path, media_type=MEDIA[fmt], filename=name)
