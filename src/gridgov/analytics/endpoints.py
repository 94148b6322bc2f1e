"""``GET /api/v1/kpis``: a centre's KPIs for a period, in total and per group."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gridgov.analytics import cockpit, service
from gridgov.api.deps import ReadActor, ReadSession, ThePlatform
from gridgov.api.errors import error_responses
from gridgov.auth import scope
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import ValidationFailed
from gridgov.store.models import Center

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


@router.get(
    "/kpis",
    response_model=KpiReport,
    response_model_by_alias=True,
    response_model_exclude_none=False,
    responses=error_responses(404, 422),
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
    _, tz = service.center_and_tz(session, code)
    today = utc_now().astimezone(tz).date()
    last = last or today
    first = first or last.replace(day=1)
    document = service.report(
        session,
        center_code=code,
        first=first,
        last=last,
        by=by,
        level=level,
        office_hours=p.settings.office_hours,
        visible=scope.case_condition(session, actor),
    )
    return KpiReport.model_validate(document)


@router.get("/cockpit", responses=error_responses(404, 422))
def cockpit_figures(
    session: ReadSession, actor: ReadActor, p: ThePlatform, center: CenterCode = None
) -> dict[str, Any]:
    """Everything the big screen shows: the KPIs of today, this month and the last 30 days
    (equal to ``/kpis`` for those periods), the trend, top categories, hot-spot grids, unit
    ranking, overdue and supervised cases and the newest cases."""
    return cockpit.build(
        session,
        center_code=_center_code(session, actor, center),
        now=utc_now(),
        office_hours=p.settings.office_hours,
        visible=scope.case_condition(session, actor),
    )
