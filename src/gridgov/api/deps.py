"""Request-scoped dependencies: the platform, a unit of work, the authenticated actor.

Credentials, in order: ``Authorization: Bearer <API key>`` (or ``X-API-Key``) for systems;
the ``gridgov_session`` cookie for the console, which must be accompanied on every
state-changing request by the session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from gridgov.auth import credentials, policy
from gridgov.auth.actor import Actor
from gridgov.auth.credentials import SignedIn
from gridgov.bootstrap import Platform
from gridgov.config import Settings
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import AppError, Forbidden, Unauthenticated

SESSION_COOKIE = "gridgov_session"
CSRF_COOKIE = "gridgov_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Declared for OpenAPI (the security schemes a client can use); checked below by hand so the
# errors come out in the platform's own {"error","detail"} form.
_bearer = HTTPBearer(auto_error=False, description="An API key from `gridgov users api-key`")
_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)


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


def _presented(
    session: Session,
    p: Platform,
    request: Request,
    now: datetime,
    bearer: HTTPAuthorizationCredentials | None,
    key: str | None,
    cookie: str | None,
) -> tuple[credentials.Presented, str]:
    if bearer is not None or key:
        secret = bearer.credentials if bearer is not None else str(key)
        return credentials.check_api_key(session, key=secret, now=now), "key"
    if cookie:
        found = credentials.check_session(
            session, token=cookie, now=now, timeouts=p.settings.session_timeouts
        )
        if request.method not in SAFE_METHODS and not credentials.csrf_matches(
            found.csrf_token, request.headers.get(CSRF_HEADER)
        ):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header for this session")
        return found, "session"
    raise Unauthenticated(
        "sign in (POST /api/v1/auth/login) or present an API key (Authorization: Bearer …)"
    )


API_PREFIX = "/api/v1"


# ---- sign-in, shared by the API and the console -------------------------------------------
def sign_in(p: Platform, request: Request, *, username: str, password: str) -> SignedIn:
    """Check a password and open a session in a transaction of its own that commits even when
    the password is wrong (the failure count must stick); the failure is raised afterwards."""
    failure: AppError | None = None
    with p.db.write() as session:
        try:
            done = credentials.sign_in(
                session,
                username=username,
                password=password,
                now=utc_now(),
                client=request.headers.get("user-agent", ""),
            )
        except AppError as exc:
            failure = exc
    if failure is not None:
        raise failure
    return done


def set_session_cookies(response: Response, done: SignedIn, settings: Settings) -> None:
    """The session token (HTTP-only) and the CSRF token (readable by the page's script)."""
    max_age = int(settings.session_timeouts.absolute.total_seconds())
    for name, value, http_only in (
        (SESSION_COOKIE, done.token, True),
        (CSRF_COOKIE, done.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=http_only,
            secure=settings.cookie_secure,
            samesite="strict",
            path="/",
        )


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def operation(request: Request) -> str:
    """The route's policy key, "METHOD /api/v1/path/{template}"."""
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    method = "GET" if request.method == "HEAD" else request.method
    return f"{method} {API_PREFIX}{template}"


def _gate(request: Request, actor: Actor) -> None:
    op = operation(request)
    if not policy.allowed(op, actor.roles):
        raise Forbidden(f"{actor.username} ({', '.join(sorted(actor.roles))}) may not call {op}")


def _touch(session: Session, kind: str, row_id: int, now: datetime) -> None:
    if kind == "key":
        credentials.touch_api_key(session, row_id=row_id, now=now)
    else:
        credentials.touch_session(session, row_id=row_id, now=now)


def _authenticate(
    request: Request,
    session: Session,
    p: Platform,
    bearer: HTTPAuthorizationCredentials | None,
    key: str | None,
    cookie: str | None,
    *,
    writing: bool,
) -> Actor:
    """Who calls, whether the route admits their roles, and a note of the credential's use
    (in the request's own transaction when it writes; else in a short one of its own)."""
    now = utc_now()
    found, kind = _presented(session, p, request, now, bearer, key, cookie)
    _gate(request, found.actor)
    if found.stale:
        if writing:
            _touch(session, kind, found.row_id, now)
        else:
            with p.db.write() as w:
                _touch(w, kind, found.row_id, now)
    request.state.actor = found.actor
    return found.actor


def write_actor(
    request: Request,
    session: Annotated[Session, Depends(write_session, scope="function")],
    p: Annotated[Platform, Depends(platform)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    key: Annotated[str | None, Depends(_key_header)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Actor:
    return _authenticate(request, session, p, bearer, key, cookie, writing=True)


def read_actor(
    request: Request,
    session: Annotated[Session, Depends(read_session, scope="function")],
    p: Annotated[Platform, Depends(platform)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    key: Annotated[str | None, Depends(_key_header)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Actor:
    return _authenticate(request, session, p, bearer, key, cookie, writing=False)


# A row id in a path: bounded so that no generated number can overflow a database integer.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")]
PageSize = Annotated[int, Query(ge=1, le=500, description="Rows per page")]

WriteSession = Annotated[Session, Depends(write_session, scope="function")]
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteActor = Annotated[Actor, Depends(write_actor)]
ReadActor = Annotated[Actor, Depends(read_actor)]
ThePlatform = Annotated[Platform, Depends(platform)]
