"""Building the working calendar that applies to a case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridgov.catalog import repository
from gridgov.catalog.calendar import WorkingCalendar


def calendar_for(
    session: Session, *, tz: str, office_hours: str, county_code: str | None
) -> WorkingCalendar:
    regions = [county_code] if county_code else []
    return WorkingCalendar.build(
        tz=tz,
        office_hours=office_hours,
        local_days=repository.local_days(session, region_codes=regions),
    )
