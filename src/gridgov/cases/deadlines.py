"""Persisting step clocks: the rows of ``case_deadline`` ↔ the pure :mod:`gridgov.cases.sla`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from gridgov.cases import repository, sla
from gridgov.cases.sla import Colour, Limit, LimitUnit, Step, StepClock
from gridgov.catalog.calendar import WorkingCalendar
from gridgov.store.models import Case, CaseDeadline, SlaPolicy

_SEVERITY = {Colour.normal: 0, Colour.warning: 1, Colour.overdue: 2}


def clock_of(row: CaseDeadline) -> StepClock:
    return StepClock(
        step=Step(row.step),
        started_at=row.started_at,
        limit=Limit(row.limit_amount, LimitUnit(row.limit_unit)),
        warning_ratio=row.warning_ratio,
        extension_seconds=row.extension_seconds,
        paused_seconds=row.paused_seconds,
        paused_since=row.paused_since,
    )


def _store(row: CaseDeadline, clock: StepClock, calendar: WorkingCalendar) -> None:
    row.extension_seconds = clock.extension_seconds
    row.paused_seconds = clock.paused_seconds
    row.paused_since = clock.paused_since
    row.due_at = sla.due_at(clock, calendar)
    row.warn_at = sla.warn_at(clock, calendar)


def start_step(
    session: Session,
    *,
    case: Case,
    step: Step,
    policy: SlaPolicy | None,
    now: datetime,
    calendar: WorkingCalendar,
) -> CaseDeadline | None:
    """Start the step's clock if the policy limits that step; returns the new row."""
    if policy is None:
        return None
    limit_row = next((lim for lim in policy.limits if lim.step == step.value), None)
    if limit_row is None:
        return None
    clock = StepClock(
        step=step,
        started_at=now,
        limit=Limit(limit_row.amount, LimitUnit(limit_row.unit)),
        warning_ratio=policy.warning_ratio,
    )
    row = CaseDeadline(
        case_id=case.id,
        county_code=case.county_code,
        step=step.value,
        seq=repository.last_deadline_seq(session, case_id=case.id, step=step.value) + 1,
        started_at=now,
        limit_amount=limit_row.amount,
        limit_unit=limit_row.unit,
        warning_ratio=policy.warning_ratio,
    )
    _store(row, clock, calendar)
    session.add(row)
    return row


def end_steps(
    session: Session, *, case: Case, steps: Iterable[Step], now: datetime
) -> list[CaseDeadline]:
    wanted = {s.value for s in steps}
    ended = []
    for row in repository.open_deadlines(session, case_id=case.id):
        if row.step in wanted:
            row.ended_at = now
            ended.append(row)
    return ended


def pause_open(session: Session, *, case: Case, now: datetime, calendar: WorkingCalendar) -> None:
    for row in repository.open_deadlines(session, case_id=case.id):
        _store(row, sla.pause(clock_of(row), now), calendar)


def resume_open(
    session: Session, *, case: Case, now: datetime, calendar: WorkingCalendar
) -> tuple[float, dict[str, str]]:
    """Restart paused clocks; returns the largest paused time added (in clock seconds) and
    each open step's new due time (the pause pushed it back; the event log records it)."""
    longest = 0.0
    due: dict[str, str] = {}
    for row in repository.open_deadlines(session, case_id=case.id):
        before = row.paused_seconds
        _store(row, sla.resume(clock_of(row), now, calendar), calendar)
        longest = max(longest, row.paused_seconds - before)
        due[row.step] = row.due_at.isoformat()
    return longest, due


def extend_step(
    session: Session, *, case: Case, step: Step, extra: Limit, calendar: WorkingCalendar
) -> CaseDeadline | None:
    for row in repository.open_deadlines(session, case_id=case.id):
        if row.step == step.value:
            before = row.due_at
            _store(row, sla.extend(clock_of(row), extra, calendar), calendar)
            if row.due_at > before:
                # a new deadline: the sweep warns and marks it overdue afresh when it passes
                row.warned_at = row.overdue_at = None
            return row
    return None


def colour_of(row: CaseDeadline, calendar: WorkingCalendar, now: datetime) -> Colour | None:
    if row.ended_at is not None:
        return None
    return sla.colour(clock_of(row), calendar, now)


def worst_colour(
    rows: Iterable[CaseDeadline], calendar: WorkingCalendar, now: datetime
) -> Colour | None:
    colours = [c for c in (colour_of(r, calendar, now) for r in rows) if c is not None]
    return max(colours, key=_SEVERITY.__getitem__) if colours else None


def refresh_colour(
    session: Session, *, case: Case, calendar: WorkingCalendar, now: datetime
) -> None:
    """Store the worst colour of the case's open clocks (for queue filters)."""
    colour = worst_colour(repository.open_deadlines(session, case_id=case.id), calendar, now)
    case.sla_colour = colour.value if colour else None
