"""The Chinese working calendar and working-time arithmetic (pure).

A day is a working day by, in order of precedence:
1. an admin-defined local day (``local_days``: a county's own holiday or make-up day);
2. the State Council's statutory arrangement for that year (holidays and adjusted working
   weekends), when the year is covered by the data we were given (``chinese-calendar``);
3. the **fallback** for years not yet covered: Monday–Friday are working days, except the
   holidays fixed on the solar calendar by the national holiday regulation (1 Jan, 1–2 May,
   1–3 Oct). Lunar holidays and make-up weekends cannot be known before the State Council
   publishes them, so a year on the fallback is reported by :meth:`WorkingCalendar.coverage`
   and admins enter the published days as local days until the package is updated.

Working time is counted inside office hours on working days (default 08:30–12:00 and
13:30–17:30 in the centre's time zone). A limit of N working days is N × the length of one
office day; landing exactly on the end of an office period means "by the end of that period".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

Coverage = Literal["statutory", "fallback"]

FIXED_SOLAR_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
)
_MAX_DAYS_SCANNED = 3 * 366


def parse_office_hours(text: str) -> tuple[tuple[time, time], ...]:
    """Parse ``"08:30-12:00,13:30-17:30"`` into ordered, non-overlapping periods."""
    periods: list[tuple[time, time]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start_s, end_s = part.split("-")
            start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        except ValueError as exc:
            raise ValueError(f"office hours period {part!r} is not HH:MM-HH:MM") from exc
        if end <= start:
            raise ValueError(f"office hours period {part!r} ends before it starts")
        if periods and start < periods[-1][1]:
            raise ValueError(f"office hours period {part!r} overlaps or is out of order")
        periods.append((start, end))
    if not periods:
        raise ValueError("office hours must name at least one period")
    return tuple(periods)


@dataclass(frozen=True)
class StatutoryData:
    """Statutory holidays and adjusted working days, and the years they cover."""

    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    years: frozenset[int]


@lru_cache(maxsize=1)
def statutory_data() -> StatutoryData:
    """Load the State Council arrangements shipped in the ``chinese-calendar`` package."""
    import chinese_calendar

    holidays = dict(chinese_calendar.holidays)
    workdays = dict(chinese_calendar.workdays)
    years = frozenset(d.year for d in holidays)
    return StatutoryData(holidays=holidays, workdays=workdays, years=years)


@dataclass(frozen=True)
class WorkingCalendar:
    tz: ZoneInfo
    office_hours: tuple[tuple[time, time], ...]
    statutory: StatutoryData
    local_days: Mapping[date, bool] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        tz: str = "Asia/Shanghai",
        office_hours: str = "08:30-12:00,13:30-17:30",
        local_days: Mapping[date, bool] | None = None,
        statutory: StatutoryData | None = None,
    ) -> WorkingCalendar:
        return cls(
            tz=ZoneInfo(tz),
            office_hours=parse_office_hours(office_hours),
            statutory=statutory if statutory is not None else statutory_data(),
            local_days=dict(local_days or {}),
        )

    # ---- days -------------------------------------------------------------------------
    def coverage(self, year: int) -> Coverage:
        return "statutory" if year in self.statutory.years else "fallback"

    def is_workday(self, day: date) -> bool:
        if day in self.local_days:
            return self.local_days[day]
        if day.year in self.statutory.years:
            if day in self.statutory.workdays:
                return True
            if day in self.statutory.holidays:
                return False
            return day.weekday() < 5
        if (day.month, day.day) in FIXED_SOLAR_HOLIDAYS:
            return False
        return day.weekday() < 5

    @property
    def day_seconds(self) -> float:
        """Length of one office day in seconds (one "working day")."""
        return float(
            sum(
                (datetime.combine(date.min, e) - datetime.combine(date.min, s)).total_seconds()
                for s, e in self.office_hours
            )
        )

    def _segments(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        return [
            (datetime.combine(day, s, tzinfo=self.tz), datetime.combine(day, e, tzinfo=self.tz))
            for s, e in self.office_hours
        ]

    # ---- arithmetic -------------------------------------------------------------------
    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant at which ``seconds`` of office time have passed since ``start``."""
        _require_aware(start)
        if seconds < 0:
            raise ValueError("cannot add negative working time")
        cursor = start.astimezone(self.tz)
        if seconds == 0:
            return start.astimezone(UTC)
        remaining = seconds
        day = cursor.date()
        for _ in range(_MAX_DAYS_SCANNED * 10):
            for seg_start, seg_end in self._segments(day):
                begin = max(seg_start, cursor)
                if begin >= seg_end:
                    continue
                available = (seg_end - begin).total_seconds()
                if remaining <= available:
                    return (begin + timedelta(seconds=remaining)).astimezone(UTC)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("working-time addition ran past ten years without finding office time")

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office seconds in [start, end); negative if end is before start."""
        _require_aware(start)
        _require_aware(end)
        if end < start:
            return -self.working_seconds_between(end, start)
        a, b = start.astimezone(self.tz), end.astimezone(self.tz)
        total = 0.0
        day = a.date()
        while day <= b.date():
            for seg_start, seg_end in self._segments(day):
                lo, hi = max(seg_start, a), min(seg_end, b)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("working-time arithmetic needs timezone-aware datetimes")
