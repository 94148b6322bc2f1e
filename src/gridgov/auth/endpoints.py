"""Sign-in, the current user, user accounts and API keys over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gridgov.api import deps
from gridgov.api import idempotency as idem
from gridgov.api.deps import (
    SESSION_COOKIE,
    ReadActor,
    ReadSession,
    ThePlatform,
    WriteActor,
    WriteSession,
)
from gridgov.api.errors import error_responses
from gridgov.auth import credentials
from gridgov.auth.actor import Actor, actor_of
from gridgov.cases.permissions import Role
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import Forbidden
from gridgov.store.models import ApiKey, User

router = APIRouter(tags=["auth"])


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class Me(BaseModel):
    username: str
    roles: list[str]
    region_code: str | None
    center_id: int | None
    unit_id: int | None
    catalog_scope: list[str] | None


class SignedInRead(Me):
    csrf_token: str = Field(description="Send it back in X-CSRF-Token on POST/PUT/DELETE")


def _me(actor: Actor) -> Me:
    return Me(
        username=actor.username,
        roles=sorted(actor.roles),
        region_code=actor.region_code,
        center_id=actor.center_id,
        unit_id=actor.unit_id,
        catalog_scope=list(actor.catalog_scope) if actor.catalog_scope else None,
    )


@router.post("/auth/login", response_model=SignedInRead, responses=error_responses(401, 422, 429))
def login(body: LoginBody, request: Request, response: Response, p: ThePlatform) -> SignedInRead:
    """Open a console session: an HTTP-only cookie plus a CSRF token for writes."""
    done = deps.sign_in(p, request, username=body.username, password=body.password)
    deps.set_session_cookies(response, done, p.settings)
    return SignedInRead(**_me(actor_of(done.user)).model_dump(), csrf_token=done.csrf_token)


@router.post("/auth/logout", status_code=204, responses=error_responses(401, 403))
def logout(request: Request, response: Response, session: WriteSession, actor: WriteActor) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        credentials.sign_out(session, token=token, now=utc_now())
    deps.clear_session_cookies(response)


@router.get("/auth/me", response_model=Me, responses=error_responses(401))
def me(actor: ReadActor) -> Me:
    return _me(actor)


# ---- administration -----------------------------------------------------------------------
def _admin(actor: Actor) -> None:
    if Role.admin not in actor.roles:
        raise Forbidden(f"{actor.username} is not an administrator")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=64)]
    display_name: Annotated[str | None, Field(max_length=100)] = None
    roles: Annotated[list[Role], Field(min_length=1)]
    password: Annotated[str | None, Field(max_length=256)] = None
    region_code: str | None = None
    center: str | None = None
    unit: str | None = None
    catalog_scope: list[str] | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    username: str
    display_name: str
    roles: list[str] = Field(validation_alias="role_names")
    region_code: str | None
    center_id: int | None
    unit_id: int | None
    active: bool
    catalog_scope: list[str] | None
    locked_until: datetime | None
    can_sign_in: bool = False


def _user_read(user: User) -> UserRead:
    read = UserRead.model_validate(user)
    return read.model_copy(update={"can_sign_in": user.password_hash is not None})


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    roles: Annotated[list[Role] | None, Field(min_length=1)] = None
    region_code: str | None = None
    center: str | None = None
    unit: str | None = None
    catalog_scope: list[str] | None = None
    active: bool | None = Field(None, description="false: deactivate (ends the sessions)")


class PasswordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Annotated[str, Field(min_length=1, max_length=256)]


@router.get("/users", response_model=list[UserRead], responses=error_responses(401, 403))
def list_users(session: ReadSession, actor: ReadActor) -> list[UserRead]:
    from sqlalchemy import select

    return [_user_read(u) for u in session.scalars(select(User).order_by(User.username))]


@router.post(
    "/users",
    response_model=UserRead,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
)
def create_user(
    body: UserCreate,
    session: WriteSession,
    actor: WriteActor,
    idempotency_key: idem.KeyHeader = None,
) -> UserRead | JSONResponse:
    def make() -> UserRead:
        user = credentials.create_user(
            session,
            username=body.username,
            display_name=body.display_name,
            roles=[r.value for r in body.roles],
            password=body.password,
            region=body.region_code,
            center=body.center,
            unit=body.unit,
            catalog_scope=body.catalog_scope,
            now=utc_now(),
        )
        return _user_read(user)

    return idem.once(
        session,
        actor=actor,
        key=idempotency_key,
        operation="POST /api/v1/users",
        request=body.model_dump(mode="json", exclude={"password"}),
        status_code=201,
        make=make,
        now=utc_now(),
    )


@router.patch(
    "/users/{username}", response_model=UserRead, responses=error_responses(401, 403, 404, 422)
)
def update_user(
    username: str, body: UserUpdate, session: WriteSession, actor: WriteActor
) -> UserRead:
    user = credentials.update_user(
        session,
        username=username,
        now=utc_now(),
        roles=[r.value for r in body.roles] if body.roles else None,
        display_name=body.display_name,
        region=body.region_code,
        center=body.center,
        unit=body.unit,
        catalog_scope=body.catalog_scope,
        active=body.active,
    )
    return _user_read(user)


@router.post(
    "/users/{username}/password",
    status_code=204,
    responses=error_responses(401, 403, 404, 422),
)
def set_password(
    username: str, body: PasswordBody, session: WriteSession, actor: WriteActor
) -> None:
    """An administrator resets anyone's password; a user sets their own."""
    if username != actor.username:
        _admin(actor)
    credentials.set_password(session, username=username, password=body.password, now=utc_now())


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=56)]
    role: Role | None = None
    region_code: str | None = None
    username: str | None = None
    expires_at: datetime | None = None


class KeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class KeyIssued(KeyRead):
    key: str | None = Field(
        description="Shown once; only its hash is kept (null in an Idempotency-Key replay)"
    )


@router.get("/api-keys", response_model=list[KeyRead], responses=error_responses(401, 403))
def list_keys(session: ReadSession, actor: ReadActor) -> list[KeyRead]:
    return [KeyRead.model_validate(k) for k in credentials.list_api_keys(session)]


@router.post(
    "/api-keys",
    response_model=KeyIssued,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
)
def create_key(
    body: KeyCreate,
    session: WriteSession,
    actor: WriteActor,
    idempotency_key: idem.KeyHeader = None,
) -> KeyIssued | JSONResponse:
    """Issue a key. It is in this answer only; a replay (same Idempotency-Key) shows the
    key's row without it."""

    def make() -> KeyIssued:
        issued = credentials.create_api_key(
            session,
            name=body.name,
            role=body.role.value if body.role else None,
            region=body.region_code,
            username=body.username,
            expires_at=body.expires_at,
            now=utc_now(),
        )
        return KeyIssued(**KeyRead.model_validate(issued.row).model_dump(), key=issued.key)

    return idem.once(
        session,
        actor=actor,
        key=idempotency_key,
        operation="POST /api/v1/api-keys",
        request=body,
        status_code=201,
        make=make,
        now=utc_now(),
        secret_fields=("key",),
    )


@router.delete("/api-keys/{name}", response_model=KeyRead, responses=error_responses(401, 403, 404))
def revoke_key(name: str, session: WriteSession, actor: WriteActor) -> KeyRead:
    row: ApiKey = credentials.revoke_api_key(session, name=name, now=utc_now())
    return KeyRead.model_validate(row)
