"""Background jobs on cases: the SLA sweep."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from gridgov.cases import deadlines, repository
from gridgov.cases.service import Rules, case_calendar
from gridgov.kit.errors import Conflict
from gridgov.store.models import Case

SWEEP_ACTOR = "system:sla"


@dataclass
class SweepResult:
    warnings: int = 0
    overdue: int = 0
    skipped: list[str] = field(default_factory=list)  # cases busy in another transaction


def sweep(session: Session, *, now: datetime, rules: Rules, batch: int = 1000) -> SweepResult:
    """Emit ``sla_warning`` / ``sla_overdue`` once per step run whose time has come.

    Idempotent: a step's ``warned_at`` / ``overdue_at`` is set in the same transaction as its
    event, and only rows where it is still empty are picked, so re-running changes nothing.
    Paused (suspended) clocks are skipped: their clock is not running.
    """
    result = SweepResult()
    seen: set[int] = set()
    while True:
        rows = [
            r
            for r in repository.due_deadlines(session, now=now, limit=batch)
            if r.case_id not in seen
        ]
        if not rows:
            return result
        by_case: dict[int, list] = {}
        for row in rows:
            by_case.setdefault(row.case_id, []).append(row)
        for case_id, case_rows in by_case.items():
            seen.add(case_id)
            case = session.get(Case, case_id)
            assert case is not None
            try:
                with session.begin_nested():
                    repository.claim(session, case=case, now=now)
                    _emit(session, case=case, rows=case_rows, now=now, rules=rules, result=result)
            except Conflict:
                result.skipped.append(case.number)
                session.expire(case)
        session.flush()


def _emit(
    session: Session, *, case: Case, rows: list, now: datetime, rules: Rules, result: SweepResult
) -> None:
    calendar = case_calendar(session, case=case, rules=rules)
    for row in rows:
        for kind, at_attr, mark_attr in (
            ("sla_warning", "warn_at", "warned_at"),
            ("sla_overdue", "due_at", "overdue_at"),
        ):
            if getattr(row, mark_attr) is None and getattr(row, at_attr) <= now:
                setattr(row, mark_attr, now)
                repository.append_event(
                    session,
                    case=case,
                    at=now,
                    actor_id=None,
                    actor=SWEEP_ACTOR,
                    action=kind,
                    from_status=case.status,
                    to_status=case.status,
                    payload={
                        "step": row.step,
                        "step_seq": row.seq,
                        "due_at": row.due_at.isoformat(),
                        "lead_unit_id": case.lead_unit_id,
                    },
                )
                if kind == "sla_warning":
                    result.warnings += 1
                else:
                    result.overdue += 1
    deadlines.refresh_colour(session, case=case, calendar=calendar, now=now)
