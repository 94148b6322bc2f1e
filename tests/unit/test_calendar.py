"""Working calendar with real dates (2026 arrangements from the State Council)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.cases import sla
from gridgov.cases.sla import Limit, LimitUnit, Step, StepClock
from gridgov.catalog.calendar import WorkingCalendar, parse_office_hours

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar.build()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def due(start: datetime, amount: float, unit: LimitUnit, cal: WorkingCalendar = CAL) -> datetime:
    clock = StepClock(step=Step.handle, started_at=start, limit=Limit(amount, unit))
    return sla.due_at(clock, cal).astimezone(SH)


def test_three_working_days_across_spring_festival_2026() -> None:
    # Fri 13 Feb, then Sat 14 Feb is an adjusted working day, 15–23 Feb are holidays.
    assert due(local(2026, 2, 13, 10, 0), 3, LimitUnit.working_days) == local(2026, 2, 25, 10, 0)


def test_three_working_days_across_national_day_2026_counts_the_working_saturday() -> None:
    # Wed 30 Sep; 1–7 Oct holidays; Thu 8, Fri 9 and the adjusted Sat 10 Oct are working days.
    assert due(local(2026, 9, 30, 9, 0), 3, LimitUnit.working_days) == local(2026, 10, 10, 9, 0)


def test_adjusted_working_sunday_is_a_working_day() -> None:
    assert CAL.is_workday(date(2026, 9, 20))  # Sunday, make-up day for Mid-Autumn/National Day
    assert not CAL.is_workday(date(2026, 9, 25))  # Friday, Mid-Autumn holiday


def test_natural_hours_ignore_the_calendar() -> None:
    start = local(2026, 9, 30, 9, 0)
    assert due(start, 24, LimitUnit.natural_hours) == local(2026, 10, 1, 9, 0)
    assert due(start, 2, LimitUnit.natural_days) == local(2026, 10, 2, 9, 0)


def test_working_hours_skip_lunch_and_nights() -> None:
    # 2 working hours from 11:00: 11:00–12:00, then 13:30–14:30.
    assert due(local(2026, 3, 2, 11, 0), 2, LimitUnit.working_hours) == local(2026, 3, 2, 14, 30)
    # Reported on a Friday evening: the clock starts Monday 08:30.
    assert due(local(2026, 3, 6, 20, 0), 2, LimitUnit.working_hours) == local(2026, 3, 9, 10, 30)


def test_limit_ending_exactly_at_close_of_business_is_that_evening() -> None:
    assert due(local(2026, 3, 2, 8, 30), 1, LimitUnit.working_days) == local(2026, 3, 2, 17, 30)


def test_two_day_suspension_moves_due_by_exactly_the_paused_working_time() -> None:
    start = local(2026, 3, 2, 9, 0)  # Monday
    clock = StepClock(step=Step.handle, started_at=start, limit=Limit(5, LimitUnit.working_days))
    before = sla.due_at(clock, CAL)
    paused = sla.pause(clock, local(2026, 3, 3, 9, 0))
    resumed = sla.resume(paused, local(2026, 3, 5, 9, 0), CAL)
    assert resumed.paused_seconds == 2 * CAL.day_seconds
    after = sla.due_at(resumed, CAL)
    assert before.astimezone(SH) == local(2026, 3, 9, 9, 0)
    assert after.astimezone(SH) == local(2026, 3, 11, 9, 0)
    assert CAL.working_seconds_between(before, after) == 2 * CAL.day_seconds


def test_suspension_over_a_weekend_costs_only_the_working_time_paused() -> None:
    clock = StepClock(
        step=Step.handle, started_at=local(2026, 3, 2, 9, 0), limit=Limit(5, LimitUnit.working_days)
    )
    # Paused Friday 17:00 to Monday 09:00: 30 minutes Friday + 30 minutes Monday.
    resumed = sla.resume(sla.pause(clock, local(2026, 3, 6, 17, 0)), local(2026, 3, 9, 9, 0), CAL)
    assert resumed.paused_seconds == 3600


def test_year_not_in_the_package_uses_a_declared_fallback() -> None:
    assert CAL.coverage(2026) == "statutory"
    assert CAL.coverage(2027) == "fallback"
    assert not CAL.is_workday(date(2027, 10, 1))  # National Day is fixed by law
    assert not CAL.is_workday(date(2027, 5, 2))
    assert CAL.is_workday(date(2027, 1, 4))  # an ordinary Monday
    assert not CAL.is_workday(date(2027, 1, 9))  # Saturday


def test_local_days_override_statutory_and_fallback() -> None:
    cal = WorkingCalendar.build(local_days={date(2027, 2, 8): False, date(2026, 2, 15): True})
    assert not cal.is_workday(date(2027, 2, 8))
    assert cal.is_workday(date(2026, 2, 15))  # Spring Festival Sunday made a working day


def test_office_hours_are_validated() -> None:
    assert parse_office_hours("09:00-12:00, 13:00-17:00")[1][1].hour == 17
    for bad in ["", "9-12", "12:00-09:00", "08:00-12:00,11:00-13:00"]:
        with pytest.raises(ValueError):  # noqa: PT011
            parse_office_hours(bad)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_seconds(datetime(2026, 3, 2, 9, 0), 60)  # noqa: DTZ001


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),  # noqa: DTZ001
    seconds=st.floats(min_value=1, max_value=30 * 27000, allow_nan=False),
)
def test_adding_then_measuring_working_time_round_trips(start: datetime, seconds: float) -> None:
    start = start.replace(tzinfo=SH)
    end = CAL.add_working_seconds(start, seconds)
    assert end >= start
    assert abs(CAL.working_seconds_between(start, end) - seconds) < 1e-3
    # The due instant is inside office hours on a working day.
    end_local = end.astimezone(SH)
    assert CAL.is_workday(end_local.date())
    assert any(s <= end_local.time() <= e for s, e in CAL.office_hours)


@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),  # noqa: DTZ001
    a=st.floats(min_value=0, max_value=200000),
    b=st.floats(min_value=0, max_value=200000),
)
def test_working_time_addition_is_monotonic(start: datetime, a: float, b: float) -> None:
    start = start.replace(tzinfo=SH)
    lo, hi = sorted([a, b])
    assert CAL.add_working_seconds(start, lo) <= CAL.add_working_seconds(start, hi)
    assert CAL.add_working_seconds(start, hi) - CAL.add_working_seconds(start, lo) >= timedelta(0)
