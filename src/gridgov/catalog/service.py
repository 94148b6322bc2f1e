"""Building the working calendar that applies to a case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridgov.catalog import repository
from gridgov.catalog.calendar import WorkingCalendar


def calendar_for(
    session: Session, *, tz: str, office_hours: str, county_code: str | None
) -> WorkingCalendar:
    # one calendar per transaction and county: an intake that accepts and dispatches a case
    # starts several clocks, and the local days cannot change under its feet
    memo: dict[tuple[str, str, str | None], WorkingCalendar] = session.info.setdefault(
        "gridgov.calendars", {}
    )
    key = (tz, office_hours, county_code)
    if key not in memo:
        regions = [county_code] if county_code else []
        memo[key] = WorkingCalendar.build(
            tz=tz,
            office_hours=office_hours,
            local_days=repository.local_days(session, region_codes=regions),
        )
    return memo[key]
