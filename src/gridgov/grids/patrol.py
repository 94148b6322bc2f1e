"""Patrol check-ins (巡查打卡): a grid worker says "I am here, now", placed in a grid.

A check-in made offline is queued on the phone with its own ``client_id`` and sent when the
network is back; sending it again returns the one already on file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from gridgov.auth.actor import Actor
from gridgov.auth.scope import region_subtree
from gridgov.cases.permissions import Role
from gridgov.grids.service import Locator
from gridgov.kit.errors import Forbidden, ValidationFailed
from gridgov.store.models import PatrolCheckin, User

MAX_AGE = timedelta(days=7)  # a queued check-in older than this is refused, not back-dated
MAX_AHEAD = timedelta(minutes=10)  # phone clocks drift a little


@dataclass(frozen=True)
class Checked:
    row: PatrolCheckin
    created: bool


def check_in(
    session: Session,
    *,
    actor: Actor,
    client_id: str,
    lon: float,
    lat: float,
    at: datetime | None,
    accuracy_m: float | None,
    note: str,
    locator: tuple[Locator, dict[str, str]] | None,
    now: datetime,
) -> Checked:
    if Role.grid_worker not in actor.roles or actor.user_id is None:
        raise Forbidden("only grid workers check in on patrol")
    existing = session.scalar(
        select(PatrolCheckin).where(
            PatrolCheckin.user_id == actor.user_id, PatrolCheckin.client_id == client_id
        )
    )
    if existing is not None:
        return Checked(existing, created=False)
    when = at or now
    if when < now - MAX_AGE or when > now + MAX_AHEAD:
        raise ValidationFailed(f"a check-in at {when.isoformat()} is too far from now")
    grid = region = None
    if locator is not None:
        index, regions_of = locator
        grid = index.codes_for(np.array([lon]), np.array([lat]))[0]
        region = regions_of.get(grid) if grid else None
    row = PatrolCheckin(
        user_id=actor.user_id,
        client_id=client_id,
        lon=lon,
        lat=lat,
        accuracy_m=accuracy_m,
        grid_code=grid,
        region_code=region,
        county_code=region[:6] if region else None,
        note=note,
        at=when,
        received_at=now,
    )
    session.add(row)
    session.flush()
    return Checked(row, created=True)


def visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Grid workers see their own check-ins; staff those in their region's subtree."""
    if actor.roles & {Role.admin, Role.auditor} and not actor.region_code:
        return true()
    if Role.grid_worker in actor.roles and not actor.roles & {Role.dispatcher, Role.leader}:
        return PatrolCheckin.user_id == (actor.user_id or -1)
    if actor.region_code:
        return PatrolCheckin.region_code.in_(region_subtree(actor.region_code, "patrol_regions"))
    return PatrolCheckin.user_id == (actor.user_id or -1)


def recent(
    session: Session,
    *,
    actor: Actor,
    since: datetime,
    username: str | None = None,
    limit: int = 500,
) -> list[tuple[PatrolCheckin, str, str]]:
    """Check-ins since ``since``, newest first, with the worker's user and display names."""
    stmt = (
        select(PatrolCheckin, User.username, User.display_name)
        .join(User, User.id == PatrolCheckin.user_id)
        .where(visible(session, actor), PatrolCheckin.at >= since)
        .order_by(PatrolCheckin.at.desc(), PatrolCheckin.id.desc())
        .limit(limit)
    )
    if username is not None:
        stmt = stmt.where(User.username == username)
    return [(row, name, display) for row, name, display in session.execute(stmt)]
