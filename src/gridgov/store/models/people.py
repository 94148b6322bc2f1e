"""People on grids: staff assignments (一长五员 + instructors, volunteers) and links (挂联)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime


class GridStaff(Base):
    __tablename__ = "grid_staff"
    __table_args__ = (UniqueConstraint("grid_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # grid_head, grid_worker, supervisor ...
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class GridLink(Base):
    """A leader or police/judicial officer linked to a grid (挂联)."""

    __tablename__ = "grid_link"
    __table_args__ = (UniqueConstraint("grid_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # leader / police / judicial
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class PatrolCheckin(Base):
    """A grid worker's patrol check-in (巡查打卡): where and when, placed in a grid.

    ``client_id`` is made on the phone, so a check-in queued offline and sent twice is one.
    """

    __tablename__ = "patrol_checkin"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(100))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(20), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # on the phone
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
