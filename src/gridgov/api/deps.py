"""Request-scoped dependencies: the platform, a unit of work, the acting user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from gridgov.auth.actor import Actor, load_actor
from gridgov.bootstrap import Platform
from gridgov.kit.errors import AppError


class Unauthenticated(AppError):
    status_code = 401


def platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


def write_session(p: Annotated[Platform, Depends(platform)]) -> Iterator[Session]:
    """One request = one transaction, committed when the endpoint returns without error.

    Used with ``scope="function"`` so the commit happens before the response is sent: a
    commit that fails reaches the client as an error, never as a success.
    """
    with p.db.write() as session:
        yield session


def read_session(p: Annotated[Platform, Depends(platform)]) -> Iterator[Session]:
    with p.db.read() as session:
        yield session


def _actor(session: Session, username: str | None) -> Actor:
    # Stand-in until accounts/API keys arrive: the caller names the acting user.
    if not username:
        raise Unauthenticated("name the acting user in the X-Gridgov-User header")
    return load_actor(session, username=username)


def write_actor(
    session: Annotated[Session, Depends(write_session, scope="function")],
    x_gridgov_user: Annotated[str | None, Header()] = None,
) -> Actor:
    return _actor(session, x_gridgov_user)


def read_actor(
    session: Annotated[Session, Depends(read_session, scope="function")],
    x_gridgov_user: Annotated[str | None, Header()] = None,
) -> Actor:
    return _actor(session, x_gridgov_user)


WriteSession = Annotated[Session, Depends(write_session, scope="function")]
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteActor = Annotated[Actor, Depends(write_actor)]
ReadActor = Annotated[Actor, Depends(read_actor)]
ThePlatform = Annotated[Platform, Depends(platform)]
