"""Webhooks: subscriptions of external systems to case events, and their delivery jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime, json_type


class Webhook(Base):
    """A subscription: which case events (types, region subtree) go to which URL, signed
    with the subscription's secret. ``cursor`` is the last case event already considered."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))  # needed in clear to sign; never shown again
    event_types: Mapped[list[Any]] = mapped_column(json_type())  # ["*"] = every event
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    active: Mapped[bool] = mapped_column(default=True)
    cursor: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One event for one subscription: a durable job (pending → delivered, or failed and
    retried with back-off until ``dead``) and, with its attempts, the delivery log."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
        Index("ix_webhook_delivery_event_id", "event_id"),  # deleting an event checks by it
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("case_event.id"))
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    state: Mapped[str] = mapped_column(String(12), default="pending")  # delivered / dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
