"""Grids (网格): comprehensive, micro and dedicated, with their polygons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime


class Grid(Base):
    """A grid with its unified code (DESIGN §4) and polygon (WKB, WGS-84 lon/lat)."""

    __tablename__ = "grid"
    __table_args__ = (
        Index("ix_grid_county_kind", "county_code", "kind"),
        Index("ix_grid_bbox", "min_lon", "min_lat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(17), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # comprehensive / micro / dedicated
    subject: Mapped[str | None] = mapped_column(String(24))  # dedicated: school, hospital ...
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    county_code: Mapped[str] = mapped_column(String(6))
    parent_code: Mapped[str | None] = mapped_column(String(17), index=True)  # micro → its grid
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    source_crs: Mapped[str] = mapped_column(String(8), default="wgs84")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
