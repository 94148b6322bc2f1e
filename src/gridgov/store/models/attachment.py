from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime


class Attachment(Base):
    """Metadata of a photo or file; the bytes live on disk under their SHA-256."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
