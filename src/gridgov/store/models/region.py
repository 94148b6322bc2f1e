"""Administrative regions, command centres and handling units."""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base


class Region(Base):
    """A division with its national code (GB/T 2260 / statistical division codes)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))  # province/city/county/town/village
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    boundary: Mapped[bytes | None] = mapped_column(LargeBinary)  # WKB, WGS-84


class Center(Base):
    """A command centre (指挥中心) at city, county or town level."""

    __tablename__ = "center"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))  # city/county/town
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("center.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")


class Unit(Base):
    """A handling unit (承办单位): department, town government, team."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # department/town/team/enterprise
    level: Mapped[str] = mapped_column(String(16))  # city/county/town
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"), index=True)
    duties: Mapped[str] = mapped_column(Text, default="")
