"""Revealing a case's personal data: a permission, and every reveal is a case event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridgov.auth.actor import Actor
from gridgov.cases import repository as cases_repo
from gridgov.cases import service as cases
from gridgov.cases.permissions import Relation, Role
from gridgov.kit.errors import Forbidden, ValidationFailed
from gridgov.store.models import Case, CaseProtected

REVEAL_ROLES = (
    (Role.dispatcher, Relation.owning_center),
    (Role.agent, Relation.owning_center),
    (Role.unit_handler, Relation.lead_unit),
    (Role.admin, Relation.any),
)


def may_reveal(session: Session, *, case: Case, actor: Actor) -> bool:
    held = {*cases.relations(session, case=case, actor=actor), Relation.any}
    return any(role in actor.roles and rel in held for role, rel in REVEAL_ROLES)


def reveal(
    session: Session, *, number: str, actor: Actor, reason: str, now: datetime
) -> dict[str, Any]:
    """The unmasked personal data of a case. A permission; every reveal is a case event."""
    if len(reason.strip()) < 2:
        raise ValidationFailed("say why the personal data is needed (reason)")
    case = cases.get_visible(session, number=number, actor=actor)
    if not may_reveal(session, case=case, actor=actor):
        raise Forbidden(f"{actor.username} may not see the personal data of case {number}")
    protected = session.get(CaseProtected, case.id)
    cases_repo.claim(session, case=case, now=now)
    fields = sorted({"reporter_name", "reporter_phone", *(protected.fields if protected else {})})
    cases_repo.append_event(
        session,
        case=case,
        at=now,
        actor_id=actor.user_id,
        actor=actor.username,
        action="reveal_personal_data",
        from_status=case.status,
        to_status=case.status,
        payload={"reason": reason.strip(), "fields": fields},
    )
    shown: dict[str, Any] = {
        "number": case.number,
        "reporter_name": case.reporter_name,
        "reporter_phone": case.reporter_phone,
        "title": protected.fields.get("title", case.title) if protected else case.title,
        "description": (
            protected.fields.get("description", case.description) if protected else case.description
        ),
        "kinds": protected.kinds if protected else [],
    }
    if protected and "answer" in protected.fields:  # an imported case's answer on the old platform
        shown["answer"] = protected.fields["answer"]
    return shown
