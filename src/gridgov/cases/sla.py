"""Step clocks: due times, warning times and colours (pure).

Every step of a case (sign, handle, verify, visit) runs one clock. A clock counts either
office time on working days (``working_hours`` / ``working_days``) or wall-clock time
(``natural_hours`` / ``natural_days``); its "seconds" below are always in that clock's own
kind of time. Approved extensions lengthen the limit; suspensions pause the clock, and the
paused time (of the clock's kind) pushes due and warning times later by exactly that much.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from gridgov.catalog.calendar import WorkingCalendar


class Step(StrEnum):
    sign = "sign"
    handle = "handle"
    verify = "verify"
    visit = "visit"


class LimitUnit(StrEnum):
    working_hours = "working_hours"
    working_days = "working_days"
    natural_hours = "natural_hours"
    natural_days = "natural_days"

    @property
    def is_working(self) -> bool:
        return self in (LimitUnit.working_hours, LimitUnit.working_days)


class Colour(StrEnum):
    normal = "normal"
    warning = "warning"
    overdue = "overdue"


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: LimitUnit

    def __post_init__(self) -> None:
        if not self.amount > 0:
            raise ValueError("a time limit must be positive")

    def seconds(self, *, working: bool, calendar: WorkingCalendar) -> float:
        """This limit as seconds of a clock of the given kind.

        Days of a working clock are office days; days of a natural clock are 24 hours.
        Hours are hours on either kind of clock.
        """
        if self.unit in (LimitUnit.working_hours, LimitUnit.natural_hours):
            return self.amount * 3600.0
        day = calendar.day_seconds if working else 86400.0
        return self.amount * day


@dataclass(frozen=True)
class StepClock:
    step: Step
    started_at: datetime
    limit: Limit
    warning_ratio: float = 0.8
    extension_seconds: float = 0.0
    paused_seconds: float = 0.0
    paused_since: datetime | None = None

    @property
    def working(self) -> bool:
        return self.limit.unit.is_working


def _advance(clock: StepClock, seconds: float, calendar: WorkingCalendar) -> datetime:
    if clock.working:
        return calendar.add_working_seconds(clock.started_at, seconds)
    return clock.started_at + timedelta(seconds=seconds)


def total_seconds(clock: StepClock, calendar: WorkingCalendar) -> float:
    return clock.limit.seconds(working=clock.working, calendar=calendar) + clock.extension_seconds


def due_at(clock: StepClock, calendar: WorkingCalendar) -> datetime:
    return _advance(clock, total_seconds(clock, calendar) + clock.paused_seconds, calendar)


def warn_at(clock: StepClock, calendar: WorkingCalendar) -> datetime:
    threshold = total_seconds(clock, calendar) * clock.warning_ratio
    return _advance(clock, threshold + clock.paused_seconds, calendar)


def clock_seconds_between(
    clock: StepClock, start: datetime, end: datetime, calendar: WorkingCalendar
) -> float:
    """Time of the clock's kind between two instants."""
    if clock.working:
        return calendar.working_seconds_between(start, end)
    return (end - start).total_seconds()


def effective_now(clock: StepClock, now: datetime) -> datetime:
    """The instant the clock reads: ``now``, or the moment it was paused."""
    if clock.paused_since is not None and clock.paused_since < now:
        return clock.paused_since
    return now


def colour(clock: StepClock, calendar: WorkingCalendar, now: datetime) -> Colour:
    at = effective_now(clock, now)
    if at >= due_at(clock, calendar):
        return Colour.overdue
    if at >= warn_at(clock, calendar):
        return Colour.warning
    return Colour.normal


def remaining_seconds(clock: StepClock, calendar: WorkingCalendar, now: datetime) -> float:
    """Clock time left until due (negative once overdue)."""
    return clock_seconds_between(
        clock, effective_now(clock, now), due_at(clock, calendar), calendar
    )


def pause(clock: StepClock, at: datetime) -> StepClock:
    if clock.paused_since is not None:
        return clock
    return replace(clock, paused_since=at)


def resume(clock: StepClock, at: datetime, calendar: WorkingCalendar) -> StepClock:
    """End a pause; the paused clock time is added to ``paused_seconds``."""
    if clock.paused_since is None:
        return clock
    paused = max(0.0, clock_seconds_between(clock, clock.paused_since, at, calendar))
    return replace(clock, paused_since=None, paused_seconds=clock.paused_seconds + paused)


def extend(clock: StepClock, extra: Limit, calendar: WorkingCalendar) -> StepClock:
    added = extra.seconds(working=clock.working, calendar=calendar)
    return replace(clock, extension_seconds=clock.extension_seconds + added)
