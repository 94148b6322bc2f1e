"""What the door would do with a record, before it is sent (a hotline agent's live hint).

The record goes through the very steps of :func:`gridgov.intake.service.take`
(validate, mask, locate, classify, duplicate check, route, the automatic decision) inside a
savepoint that is then rolled back: nothing is kept — no case, no number, no dead letter — and
the answer cannot drift from what sending the record would do. A record already on file says
so. The open case it probably repeats comes with what an agent tells the caller: its number,
status, the unit on it and when it is due; and so do the caller's earlier cases, found by the
callback number (``gridgov.cases.callers``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.auth.actor import Actor
from gridgov.cases import callers
from gridgov.cases import service as cases
from gridgov.cases.workflow import Action
from gridgov.intake import service
from gridgov.kit.errors import NotFound, ValidationFailed
from gridgov.store.models import Case, CaseDeadline, CaseProtected, Unit


def preview(
    session: Session,
    *,
    channel: str,
    payload: object,
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
    triage: service.Triage,
    center: str | None = None,
) -> dict[str, Any]:
    """The outcome sending ``payload`` now would have, with nothing written. A record that
    could not become a case raises :class:`ValidationFailed` (no dead letter is made)."""
    savepoint = session.begin_nested()
    try:
        got = service.take(
            session,
            channel=channel,
            payload=payload,
            actor=actor,
            now=now,
            rules=rules,
            triage=triage,
            center=center,
        )
        case = got.case
        assert case is not None
        if not got.created:
            return {"on_file": case.number, "status": case.status}
        record = dict(case.triage or {})
        names = triage.suggester.catalog(session).names
        found = record.get("classification") or {}
        for suggestion in found.get("top") or []:
            suggestion["name"] = names.get(suggestion["item"], suggestion["item"])
        duplicate = record.get("duplicate")
        return {
            "on_file": None,
            "status": case.status,
            "title": case.title,
            # what personal data was found, to be kept apart and shown masked
            "personal_data": session.scalar(
                select(CaseProtected.kinds).where(CaseProtected.case_id == case.id)
            )
            or [],
            "region_code": case.region_code,
            "grid_code": case.grid_code,
            "catalog_item": found.get("item"),
            "catalog_name": names.get(found.get("item") or ""),
            "lead_unit": _unit_name(session, case.lead_unit_id),
            "triage": record,
            "duplicate": _told(session, actor, duplicate) if duplicate else None,
            "caller": _caller(session, actor, case),
        }
    except NotFound as exc:  # what the record names (an item, a region) does not exist
        raise ValidationFailed(exc.detail) from exc
    finally:
        savepoint.rollback()


def _caller(session: Session, actor: Actor, case: Case) -> dict[str, Any] | None:
    """The caller's earlier cases the actor may see, if the record gives a callback number and
    the actor may look callers up."""
    if case.caller_key is None:
        return None
    found = callers.history(session, key=case.caller_key, actor=actor, leave_out=case.id)
    if found is None:
        return None
    listed = {  # already narrowed to the actor's scope by the history
        c.number: c
        for c in session.scalars(
            select(Case).where(Case.number.in_([shown["number"] for shown in found.cases]))
        )
    }
    for shown in found.cases:
        shown["may_urge"] = _may_urge(session, actor, listed[shown["number"]])
    return {"total": found.total, "open": found.open, "cases": found.cases}


def _may_urge(session: Session, actor: Actor, case: Case) -> bool:
    """Whether the actor may record a caller's chase on ``case`` (an open case of the actor's
    centre, for an agent): then the call need not become a case of its own."""
    return Action.urge in cases.actions_for(session, case=case, actor=actor)


def _unit_name(session: Session, unit_id: int | None) -> str | None:
    return session.scalar(select(Unit.name).where(Unit.id == unit_id)) if unit_id else None


def _told(session: Session, actor: Actor, found: dict[str, Any]) -> dict[str, Any]:
    """The open case a record repeats, as an agent tells the caller about it; only its
    number and score when it lies outside the actor's data scope."""
    told = {"case": found["case"], "score": found.get("score"), "why": found.get("why")}
    case = session.scalar(
        select(Case).where(Case.number == found["case"], cases.visible_to(session, actor))
    )
    if case is None:
        return told
    due = session.scalar(
        select(func.max(CaseDeadline.due_at)).where(
            CaseDeadline.case_id == case.id, CaseDeadline.ended_at.is_(None)
        )
    )
    return {
        **told,
        "title": case.title,
        "status": case.status,
        "lead_unit": _unit_name(session, case.lead_unit_id),
        "due_at": due,  # the latest open limit: when the case is due to be done
        "created_at": case.created_at,
        "may_urge": _may_urge(session, actor, case),
    }
