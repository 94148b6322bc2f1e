"""Who is acting: an :class:`Actor`, made from a user row once a credential is checked
(:mod:`gridgov.auth.credentials`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.cases.permissions import Role
from gridgov.kit.errors import Forbidden, NotFound
from gridgov.store.models import User


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[Role]
    center_id: int | None = None
    unit_id: int | None = None
    region_code: str | None = None
    catalog_scope: tuple[str, ...] | None = None  # item codes; None = the whole catalogue


SYSTEM = Actor(user_id=None, username="system", roles=frozenset({Role.system}))


def load_actor(session: Session, *, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    if not user.active:
        raise Forbidden(f"user {username!r} is deactivated")
    return actor_of(user)


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        roles=frozenset(Role(r) for r in user.role_names),
        center_id=user.center_id,
        unit_id=user.unit_id,
        region_code=user.region_code,
        catalog_scope=tuple(user.catalog_scope) if user.catalog_scope else None,
    )
