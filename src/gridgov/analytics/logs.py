"""Case logs read for replaying (:mod:`gridgov.analytics.facts`): the events of many cases
in one statement, and each case's facts with its county's working calendar."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.analytics.facts import Event, Fact, replay
from gridgov.catalog.service import calendar_for
from gridgov.store.models import CaseEvent


class Replayer:
    """Replays case logs in one time zone, with each county's working calendar."""

    def __init__(self, session: Session, *, timezone: str, office_hours: str) -> None:
        self.session, self.tz, self.office_hours = session, ZoneInfo(timezone), office_hours
        self.timezone = timezone

    def facts(self, case: Any, events: list[Event]) -> list[Fact]:
        calendar = calendar_for(
            self.session,
            tz=self.timezone,
            office_hours=self.office_hours,
            county_code=case.county_code,
        )
        return replay(
            created_at=case.created_at,
            events=events,
            tz=self.tz,
            working_seconds=calendar.working_seconds_between,
        )

    def logs(self, ids: list[int]) -> dict[int, list[Event]]:
        logs: dict[int, list[Event]] = {i: [] for i in ids}
        rows = self.session.execute(
            select(
                CaseEvent.case_id,
                CaseEvent.at,
                CaseEvent.action,
                CaseEvent.from_status,
                CaseEvent.to_status,
                CaseEvent.payload,
            )
            .where(CaseEvent.case_id.in_(ids))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        )
        for case_id, at, action, before, after, payload in rows:
            logs[case_id].append(Event(at, action, before, after, payload or {}))
        return logs
