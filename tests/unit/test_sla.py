"""Step clocks: colours, pauses and extensions (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from gridgov.cases import sla
from gridgov.cases.sla import Colour, Limit, LimitUnit, Step, StepClock
from gridgov.catalog.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar.build()
START = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def clock(amount: float = 10, unit: LimitUnit = LimitUnit.natural_hours) -> StepClock:
    return StepClock(
        step=Step.handle, started_at=START, limit=Limit(amount, unit), warning_ratio=0.8
    )


def test_colour_moves_from_normal_to_warning_to_overdue() -> None:
    c = clock()
    assert sla.colour(c, CAL, START + timedelta(hours=7, minutes=59)) is Colour.normal
    assert sla.colour(c, CAL, START + timedelta(hours=8)) is Colour.warning
    assert sla.colour(c, CAL, START + timedelta(hours=10)) is Colour.overdue


def test_a_paused_clock_keeps_its_colour_while_time_passes() -> None:
    paused = sla.pause(clock(), START + timedelta(hours=1))
    assert sla.colour(paused, CAL, START + timedelta(days=30)) is Colour.normal
    resumed = sla.resume(paused, START + timedelta(hours=25), CAL)
    assert sla.due_at(resumed, CAL) == START + timedelta(hours=34)
    assert sla.colour(resumed, CAL, START + timedelta(hours=33)) is Colour.warning


def test_an_approved_extension_lengthens_the_limit_in_the_clock_kind() -> None:
    c = sla.extend(clock(5, LimitUnit.working_days), Limit(2, LimitUnit.working_days), CAL)
    assert c.extension_seconds == 2 * CAL.day_seconds
    assert sla.due_at(c, CAL).astimezone(SH) == datetime(2026, 3, 11, 9, 0, tzinfo=SH)
    # A natural clock extended by working days counts them as whole days.
    n = sla.extend(clock(24), Limit(1, LimitUnit.working_days), CAL)
    assert sla.due_at(n, CAL) == START + timedelta(hours=48)


def test_remaining_time_is_negative_once_overdue() -> None:
    assert sla.remaining_seconds(clock(), CAL, START + timedelta(hours=12)) == -7200


@given(
    amount=st.floats(min_value=0.5, max_value=20),
    unit=st.sampled_from(list(LimitUnit)),
    offset=st.floats(min_value=0, max_value=60 * 24 * 3600),
    ratio=st.floats(min_value=0.1, max_value=0.99),
)
def test_overdue_is_never_reported_normal_and_warning_precedes_due(
    amount: float, unit: LimitUnit, offset: float, ratio: float
) -> None:
    c = StepClock(step=Step.sign, started_at=START, limit=Limit(amount, unit), warning_ratio=ratio)
    now = START + timedelta(seconds=offset)
    due, warn = sla.due_at(c, CAL), sla.warn_at(c, CAL)
    assert START <= warn <= due
    colour = sla.colour(c, CAL, now)
    if now >= due:
        assert colour is Colour.overdue
    elif now >= warn:
        assert colour is Colour.warning
    else:
        assert colour is Colour.normal
