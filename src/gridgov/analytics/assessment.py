"""Monthly assessment of units, towns and grid workers by an administrator's scheme, with
the red and black lists and the cases behind each number."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from gridgov.analytics import assess, service
from gridgov.analytics.facts import Kind
from gridgov.analytics.kpi import Counts
from gridgov.analytics.service import By
from gridgov.kit.errors import NotFound, ValidationFailed
from gridgov.store.models import AssessmentScheme

BY_TARGET = {"unit": (By.unit, None), "town": (By.region, "town"), "worker": (By.worker, None)}
# the facts behind each figure (drill-down)
BEHIND: dict[str, tuple[Kind, ...]] = {
    "received": (Kind.received,),
    "accepted": (Kind.accepted,),
    "acceptance_rate": (Kind.accepted, Kind.rejected),
    "closed": (Kind.cohort_closed,),
    "closure_rate": (Kind.accepted, Kind.cohort_closed),
    "on_time_rate": (Kind.due,),
    "dispatched": (Kind.dispatched,),
    "sign_on_time_rate": (Kind.dispatched,),
    "returned": (Kind.returned,),
    "return_rate": (Kind.returned,),
    "extended": (Kind.extended,),
    "extension_rate": (Kind.extended,),
    "reworked": (Kind.verified,),
    "rework_rate": (Kind.verified,),
    "closures": (Kind.closed,),
    "reopened": (Kind.reopened,),
    "reopen_rate": (Kind.reopened,),
    "visited": (Kind.visited,),
    "satisfied": (Kind.visited,),
    "satisfaction_rate": (Kind.visited,),
    "overdue_open": (Kind.overdue,),
}


def month_bounds(month: str) -> tuple[date, date]:
    try:
        if len(month) != len("2026-11"):
            raise ValueError
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValidationFailed(f"month {month!r} is not YYYY-MM") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def to_scheme(row: AssessmentScheme) -> assess.Scheme:
    return assess.Scheme(
        weights=dict(row.weights),
        adjustments=[assess.Adjustment(**a) for a in row.adjustments],
        red_at=row.red_at,
        black_below=row.black_below,
    )


def get_scheme(session: Session, code: str) -> AssessmentScheme:
    row = session.scalar(select(AssessmentScheme).where(AssessmentScheme.code == code))
    if row is None:
        raise NotFound(f"no assessment scheme {code!r}")
    return row


def set_scheme(
    session: Session,
    *,
    code: str,
    name: str,
    target: str,
    weights: dict[str, float],
    adjustments: list[dict[str, Any]],
    red_at: float | None,
    black_below: float | None,
    now: datetime,
) -> AssessmentScheme:
    """Create or replace a scheme, after checking all of it."""
    if target not in assess.TARGETS:
        raise ValidationFailed(f"target {target!r}: one of {', '.join(assess.TARGETS)}")
    try:
        items = [assess.Adjustment(**a) for a in adjustments]
    except TypeError as exc:
        raise ValidationFailed(f"adjustments: {exc}") from None
    scheme = assess.Scheme(weights, items, red_at, black_below)
    problems = scheme.problems()
    if problems:
        raise ValidationFailed("; ".join(problems))
    row = session.scalar(select(AssessmentScheme).where(AssessmentScheme.code == code))
    if row is None:
        row = AssessmentScheme(code=code)
        session.add(row)
    row.name, row.target, row.weights = name, target, dict(weights)
    row.adjustments = [vars(a) for a in items]
    row.red_at, row.black_below, row.updated_at = red_at, black_below, now
    session.flush()
    return row


def monthly(
    session: Session,
    *,
    code: str,
    center_code: str,
    month: str,
    office_hours: str,
    rollups: bool,
    visible: ColumnElement[bool] | None = None,
) -> dict[str, Any]:
    """The month's ranking under the scheme: every group with its score, rank, list, the
    points each rate and adjustment gave and the figures behind them."""
    row = get_scheme(session, code)
    first, last = month_bounds(month)
    by, level = BY_TARGET[row.target]
    document = service.report(
        session,
        center_code=center_code,
        first=first,
        last=last,
        by=by,
        level=level,
        office_hours=office_hours,
        visible=visible,
        rollups=rollups,
    )
    groups = [(g["key"], g["name"] or g["key"], g) for g in document["groups"] if g["key"]]
    ranked = assess.rank(groups, to_scheme(row))
    figures = {g["key"]: g for g in document["groups"]}
    shown = sorted(set(row.weights) | {a["kpi"] for a in row.adjustments})
    rows = [
        {
            "rank": s.rank,
            "key": s.key,
            "name": s.name,
            "score": s.score,
            "list": s.list,
            "parts": s.parts,
            "figures": {k: figures[s.key].get(k) for k in shown},
        }
        for s in ranked
    ]
    return {
        "scheme": row.code,
        "scheme_name": row.name,
        "target": row.target,
        "center": document["center"],
        "month": month,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "rows": rows,
        "red": [r["key"] for r in rows if r["list"] == "red"],
        "black": [r["key"] for r in rows if r["list"] == "black"],
    }


def cases_behind(
    session: Session,
    *,
    code: str,
    center_code: str,
    month: str,
    key: str,
    kpi: str,
    office_hours: str,
    visible: ColumnElement[bool] | None = None,
) -> list[dict[str, Any]]:
    """The cases a group's figure counts in the month (with what each counted for)."""
    if kpi not in BEHIND:
        raise ValidationFailed(f"kpi {kpi!r}: one of {', '.join(sorted(BEHIND))}")
    row = get_scheme(session, code)
    first, last = month_bounds(month)
    by, level = BY_TARGET[row.target]
    center, tz = service.center_and_tz(session, center_code)
    window = service.Period(first, last, tz)
    cases = service.collect(
        session,
        center=center,
        start=window.start,
        end=window.end,
        office_hours=office_hours,
        visible=visible,
    )
    key_of = service.key_function(by, level=level)
    kinds = BEHIND[kpi]
    out = []
    for case in cases:
        for fact in case.facts:
            if fact.kind not in kinds or key_of(case, fact) != key:
                continue
            counting = Counts()
            counting.add(fact, first, last)
            if counting == Counts():
                continue  # outside the month
            out.append(
                {
                    "number": case.number,
                    "fact": fact.kind.value,
                    "outcome": fact.outcome,
                    "day": fact.day.isoformat(),
                }
            )
    out.sort(key=lambda r: (r["day"], r["number"], r["fact"]))
    return out
