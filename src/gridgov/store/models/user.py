"""People who use the platform, and their roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime, json_type


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("center.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))  # personal data
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Sign-in: an argon2 hash (None: the account cannot sign in, e.g. a system's key holder).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optional catalogue subset of the data scope: item codes (each with its descendants).
    catalog_scope: Mapped[list[Any] | None] = mapped_column(json_type())

    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def role_names(self) -> list[str]:
        return [r.role for r in self.roles]


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ApiKey(Base):
    """A key a system presents (``Authorization: Bearer …``). Only its SHA-256 is kept: keys
    are 256-bit random strings, so a fast hash is enough and every request can afford it."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginSession(Base):
    """A console sign-in. The cookie carries a random token; the row keeps its SHA-256."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client: Mapped[str] = mapped_column(String(200), default="")


class IdempotencyRecord(Base):
    """The answer to a create sent with an ``Idempotency-Key``: a retry with the same key and
    the same request gets this answer again instead of a second creation."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    key: Mapped[str] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(160))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request body
    status_code: Mapped[int] = mapped_column()
    body: Mapped[Any] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
