"""A caller's cases: everything reported from the same callback number, however it was
written (``pii.caller_key``).

A 12345 agent asks this as the phone rings: has this person called before, and is one of
their cases still open (a chase, not a new case)? A dispatcher asks it of a case: is this the
fifth report of the same complaint? The number itself is personal data, so the lookup starts
from a case (its stored key) or from a record the agent is typing, never from a number in a
URL, and only the intake roles may make it: who complains how often is not for the units that
handle the complaints. Every list is narrowed to the asker's data scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.auth import scope
from gridgov.auth.actor import Actor
from gridgov.cases import repository
from gridgov.cases.permissions import Role
from gridgov.cases.workflow import OPEN
from gridgov.kit.errors import Forbidden, ValidationFailed
from gridgov.store.models import Case

# and the platform itself (the operator's shell)
LOOKUP_ROLES = frozenset({Role.agent, Role.dispatcher, Role.admin, Role.system})
SHOWN = 5  # the newest few, with the count of all


def may_look_up(actor: Actor) -> bool:
    return bool(actor.roles & LOOKUP_ROLES)


def key_of(session: Session, *, number: str, actor: Actor) -> str:
    """The caller key of case ``number`` (in the actor's scope, else 404), for its caller's
    other cases: 403 for a role that may not look callers up, 422 for a case with no callback
    number."""
    if not may_look_up(actor):
        raise Forbidden(f"{actor.username} may not look up a caller's cases")
    visible = scope.case_condition(session, actor)
    case = repository.get_by_number(session, number=number, visible=visible)
    if case.caller_key is None:
        raise ValidationFailed(f"case {number} has no callback number to look its caller up by")
    return case.caller_key


@dataclass
class History:
    """A caller's cases in the asker's scope: how many, how many still open, the newest few."""

    total: int = 0
    open: int = 0
    cases: list[dict[str, Any]] = field(default_factory=list)


def history(
    session: Session,
    *,
    key: str | None,
    actor: Actor,
    leave_out: int | None = None,
    shown: int = SHOWN,
) -> History | None:
    """The cases with caller ``key`` the actor may see (all but case id ``leave_out``), newest
    first: the count of all, of those open, and the newest ``shown``; None for an actor who
    may not look callers up."""
    if not may_look_up(actor):
        return None
    if key is None:
        return History()
    where = [Case.caller_key == key, scope.case_condition(session, actor)]
    if leave_out is not None:
        where.append(Case.id != leave_out)
    is_open = Case.status.in_([s.value for s in OPEN])
    total, open_ = session.execute(
        select(func.count(), func.count().filter(is_open)).where(*where)
    ).one()
    rows = session.execute(
        select(Case.number, Case.title, Case.status, Case.created_at)
        .where(*where)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(shown)
    ).all()
    return History(
        total=total,
        open=open_,
        cases=[{"number": n, "title": t, "status": st, "created_at": at} for n, t, st, at in rows],
    )
