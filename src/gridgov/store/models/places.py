"""Standard addresses (标准地址), buildings and households."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime, json_type


class StandardAddress(Base):
    __tablename__ = "standard_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(300))
    normalized: Mapped[str] = mapped_column(String(300), index=True)
    lon: Mapped[float] = mapped_column(Float)  # WGS-84
    lat: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(17), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # a county's last change, read at every match to tell whether its kept registry is stale
    __table_args__ = (Index("ix_standard_address_county_updated", "county_code", "updated_at"),)


class Building(Base):
    __tablename__ = "building"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("standard_address.id"))
    address: Mapped[str] = mapped_column(String(300))
    grid_code: Mapped[str | None] = mapped_column(String(17), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    households: Mapped[int] = mapped_column(Integer, default=0)
    risk_colour: Mapped[str] = mapped_column(String(8), default="green")
    risk_reasons: Mapped[list[Any]] = mapped_column(json_type(), default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Household(Base):
    """Minimal personal data: a door, a head count and a risk colour with reasons."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("building.id", ondelete="CASCADE"), index=True
    )
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    door: Mapped[str] = mapped_column(String(40))  # e.g. 2单元301室
    members: Mapped[int] = mapped_column(Integer, default=1)
    risk_colour: Mapped[str] = mapped_column(String(8), default="green")
    risk_reasons: Mapped[list[Any]] = mapped_column(json_type(), default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
