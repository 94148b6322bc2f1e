"""The 3-level catalogue, SLA policies and the local working-calendar days."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridgov.store.models.base import Base
from gridgov.store.types import json_type


class SlaPolicy(Base):
    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    warning_ratio: Mapped[float] = mapped_column(Float, default=0.8)

    limits: Mapped[list[SlaLimit]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SlaLimit.step"
    )


class SlaLimit(Base):
    """The limit of one step (sign/handle/verify/visit) under a policy."""

    __tablename__ = "sla_limit"

    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policy.id"), primary_key=True)
    step: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))  # working_hours/working_days/natural_*


class CatalogItem(Base):
    __tablename__ = "catalog_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_item.id"), index=True)
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id"))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    grid_admissible: Mapped[bool] = mapped_column(default=False)
    verification_required: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Published to citizens' apps (Open311 services): what the item covers, search words, and
    # the extra questions a report of this kind answers (GeoReport v2 attribute definitions).
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    keywords: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Digital city management (数字城管): the standard part/event codes an inspector's event
    # carries that mean this item, as comma-separated prefixes ("0101,0203"); the longest
    # prefix that matches a code wins.
    standard_codes: Mapped[str] = mapped_column(String(300), default="", server_default="")
    attributes: Mapped[list[Any] | None] = mapped_column(json_type())


class CalendarDay(Base):
    """An admin-defined day that overrides the statutory calendar (``*`` = every region)."""

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("region_code", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), default="*")
    day: Mapped[date] = mapped_column(Date)
    is_workday: Mapped[bool] = mapped_column()
    name: Mapped[str] = mapped_column(String(100), default="")
