"""Accounts and credentials: users with passwords, console sign-in sessions, API keys.

Secrets are random (``secrets.token_urlsafe``) and stored only as SHA-256 digests; the
plaintext of a key or session token is shown once, to whoever created it. Passwords are
argon2id hashes (:mod:`gridgov.auth.passwords`). Failed sign-ins lock the account for a
doubling back-off; the lock is stored on the user row, so it holds across server processes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gridgov.auth import passwords
from gridgov.auth.actor import Actor, actor_of
from gridgov.cases.permissions import Role
from gridgov.kit.errors import (
    Conflict,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)
from gridgov.store.models import (
    ApiKey,
    CatalogItem,
    Center,
    LoginSession,
    Region,
    Unit,
    User,
    UserRole,
)

KEY_PREFIX = "gg_"
FREE_FAILURES = 5  # wrong passwords allowed before the account locks
LOCK_BASE = timedelta(seconds=30)  # then 30 s, 60 s, 120 s … up to LOCK_MAX
LOCK_MAX = timedelta(minutes=15)
TOUCH_EVERY = timedelta(seconds=60)
USERNAME = re.compile(
    r"[\w.@:\-]{1,64}"
)  # last-seen/last-used times are written at most this often


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SessionTimeouts:
    idle: timedelta
    absolute: timedelta


# ---- users --------------------------------------------------------------------------------
def _check_place(
    session: Session, *, region: str | None, center: str | None, unit: str | None
) -> tuple[int | None, int | None]:
    if region is not None and session.get(Region, region) is None:
        raise NotFound(f"no region with code {region!r}")
    center_id = unit_id = None
    if center is not None:
        center_id = session.scalar(select(Center.id).where(Center.code == center))
        if center_id is None:
            raise NotFound(f"no centre with code {center!r}")
    if unit is not None:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit))
        if unit_id is None:
            raise NotFound(f"no unit with code {unit!r}")
    return center_id, unit_id


def _roles(names: list[str]) -> list[Role]:
    try:
        roles = [Role(name) for name in dict.fromkeys(names)]
    except ValueError:
        raise ValidationFailed(
            f"roles must be among {', '.join(r.value for r in Role)}; got {', '.join(names)}"
        ) from None
    if not roles:
        raise ValidationFailed("a user needs at least one role")
    return roles


def create_user(
    session: Session,
    *,
    username: str,
    roles: list[str],
    now: datetime,
    password: str | None = None,
    display_name: str | None = None,
    region: str | None = None,
    center: str | None = None,
    unit: str | None = None,
    catalog_scope: list[str] | None = None,
) -> User:
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise ValidationFailed(
            "a user name is 1–64 letters, digits or . _ - @ : (no spaces or control characters)"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"a user named {username!r} already exists")
    checked = _roles(roles)
    if password is not None:
        passwords.check_policy(password, username=username)
    center_id, unit_id = _check_place(session, region=region, center=center, unit=unit)
    if catalog_scope:
        _check_items(session, catalog_scope)
    user = User(
        username=username,
        display_name=display_name or username,
        region_code=region,
        center_id=center_id,
        unit_id=unit_id,
        created_at=now,
        catalog_scope=catalog_scope or None,
        password_hash=passwords.hash_password(password) if password is not None else None,
        password_changed_at=now if password is not None else None,
    )
    user.roles = [UserRole(role=r.value) for r in checked]
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def update_user(
    session: Session,
    *,
    username: str,
    now: datetime,
    roles: list[str] | None = None,
    display_name: str | None = None,
    region: str | None = None,
    center: str | None = None,
    unit: str | None = None,
    catalog_scope: list[str] | None = None,
    active: bool | None = None,
) -> User:
    """Change roles, place, scope, name or the active flag (``None`` = leave as it is).
    Deactivating ends the user's sessions at once; the user's API keys stop with them."""
    user = get_user(session, username=username)
    if roles is not None:
        user.roles = [UserRole(role=r.value) for r in _roles(roles)]
    center_id, unit_id = _check_place(session, region=region, center=center, unit=unit)
    if region is not None:
        user.region_code = region
    if center_id is not None:
        user.center_id = center_id
    if unit_id is not None:
        user.unit_id = unit_id
    if catalog_scope is not None:
        _check_items(session, catalog_scope)
        user.catalog_scope = catalog_scope or None
    if display_name is not None:
        user.display_name = display_name
    if active is not None:
        user.active = active
        if not active:
            session.execute(
                update(LoginSession)
                .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
                .values(ended_at=now)
            )
    session.flush()
    return user


def _check_items(session: Session, codes: list[str]) -> None:
    known = set(session.scalars(select(CatalogItem.code).where(CatalogItem.code.in_(codes))))
    missing = sorted(set(codes) - known)
    if missing:
        raise NotFound(f"no catalogue item with code {', '.join(map(repr, missing))}")


def set_password(session: Session, *, username: str, password: str, now: datetime) -> User:
    """Set a new password, unlock the account and end its open sessions."""
    user = get_user(session, username=username)
    passwords.check_policy(password, username=user.username)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return user


# ---- console sign-in ----------------------------------------------------------------------
@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str  # goes into the HTTP-only cookie
    csrf_token: str  # echoed by the console in X-CSRF-Token on every state-changing request


def _lock_for(failures: int) -> timedelta:
    steps = failures - FREE_FAILURES
    return min(LOCK_BASE * (2**steps), LOCK_MAX)


def sign_in(
    session: Session, *, username: str, password: str, now: datetime, client: str = ""
) -> SignedIn:
    """Check a password and open a session. The caller commits even on failure (the
    failure count must stick), so failures are raised *after* the count is written."""
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        wait = (user.locked_until - now).total_seconds()
        raise TooManyRequests(
            f"too many failed sign-ins; try again in {int(wait) + 1} s", retry_after=wait
        )
    ok = passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        if user is not None and not ok:
            user.failed_logins += 1
            if user.failed_logins >= FREE_FAILURES:
                user.locked_until = now + _lock_for(user.failed_logins)
        raise Unauthenticated("wrong user name or password")
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=digest(token),
            csrf_token=csrf,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            client=client[:200],
        )
    )
    session.flush()
    return SignedIn(user=user, token=token, csrf_token=csrf)


@dataclass(frozen=True)
class Presented:
    """What a credential check found: who acts, and whether its last-seen time is stale."""

    actor: Actor
    row_id: int
    csrf_token: str | None = None
    stale: bool = False


def check_session(
    session: Session, *, token: str, now: datetime, timeouts: SessionTimeouts
) -> Presented:
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == digest(token)))
    if row is None or row.ended_at is not None:
        raise Unauthenticated("not signed in (or signed out)")
    if now - row.last_seen_at > timeouts.idle:
        raise Unauthenticated("the session expired after inactivity; sign in again")
    if now - row.created_at > timeouts.absolute:
        raise Unauthenticated("the session reached its maximum age; sign in again")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("the account is deactivated")
    return Presented(
        actor=actor_of(user),
        row_id=row.id,
        csrf_token=row.csrf_token,
        stale=now - row.last_seen_at > TOUCH_EVERY,
    )


def touch_session(session: Session, *, row_id: int, now: datetime) -> None:
    session.execute(update(LoginSession).where(LoginSession.id == row_id).values(last_seen_at=now))


def sign_out(session: Session, *, token: str, now: datetime) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == digest(token), LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def csrf_matches(expected: str | None, presented: str | None) -> bool:
    return bool(expected and presented) and hmac.compare_digest(
        str(expected).encode(), str(presented).encode()
    )


# ---- API keys -----------------------------------------------------------------------------
@dataclass(frozen=True)
class IssuedKey:
    row: ApiKey
    key: str  # shown once


def create_api_key(
    session: Session,
    *,
    name: str,
    now: datetime,
    role: str | None = None,
    region: str | None = None,
    username: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedKey:
    """A key for a system. With ``role`` it acts as a new system account of that role and
    region (named ``key:NAME``); with ``username`` it acts as that existing user."""
    name = name.strip()
    if not name or len(name) > 56:
        raise ValidationFailed("a key name is 1–56 characters")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Conflict(f"an API key named {name!r} already exists")
    if (role is None) == (username is None):
        raise ValidationFailed("give the key either a role (a new system account) or a user")
    if username is not None:
        user = get_user(session, username=username)
    else:
        assert role is not None
        center = None
        if region is not None:
            center = session.scalar(select(Center.code).where(Center.region_code == region))
        user = create_user(
            session,
            username=f"key:{name}",
            display_name=f"API key {name}",
            roles=[role],
            region=region,
            center=center,
            now=now,
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        prefix=key[:10],
        key_hash=digest(key),
        user_id=user.id,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return IssuedKey(row=row, key=key)


def check_api_key(session: Session, *, key: str, now: datetime) -> Presented:
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(key)))
    if row is None:
        raise Unauthenticated("unknown API key")
    if row.revoked_at is not None:
        raise Unauthenticated(f"API key {row.name!r} was revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthenticated(f"API key {row.name!r} expired")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("the key's account is deactivated")
    stale = row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY
    return Presented(actor=actor_of(user), row_id=row.id, stale=stale)


def touch_api_key(session: Session, *, row_id: int, now: datetime) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == row_id).values(last_used_at=now))


def revoke_api_key(session: Session, *, name: str, now: datetime) -> ApiKey:
    row = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None:
        raise NotFound(f"no API key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.name)))
