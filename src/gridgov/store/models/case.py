"""The case aggregate: the case row, its event log, deadlines, assignments, centre trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime, json_type


class Case(Base):
    __tablename__ = "case"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_case_center_status", "center_id", "status"),
        Index("ix_case_county_created", "county_code", "created_at"),
        # the big screen's lists: newest first, overall and per colour / supervision
        Index("ix_case_created_at", "created_at"),
        Index("ix_case_colour_created", "sla_colour", "created_at"),
        # only the supervised cases, in order: read oldest first, the list stops at its tenth
        Index(
            "ix_case_supervised_created",
            "created_at",
            postgresql_where=text("supervised_level > 0"),
            sqlite_where=text("supervised_level > 0"),
        ),
        # the few cases that name another: deleting a case (a withdrawn import's) checks its
        # foreign keys by them, which without an index reads the whole table for each case
        *(
            Index(
                f"ix_case_{column}",
                column,
                postgresql_where=text(f"{column} IS NOT NULL"),
                sqlite_where=text(f"{column} IS NOT NULL"),
            )
            for column in ("duplicate_of_id", "probable_duplicate_id", "parent_id")
        ),
        # an import's cases: withdrawing it and the queue's batch filter read them, and only
        # imported cases are in it
        Index(
            "ix_case_import_batch_id",
            "import_batch_id",
            postgresql_where=text("import_batch_id IS NOT NULL"),
            sqlite_where=text("import_batch_id IS NOT NULL"),
        ),
        # a caller's cases, newest first: only cases with a callback number are in it
        Index(
            "ix_case_caller_key_created",
            "caller_key",
            "created_at",
            postgresql_where=text("caller_key IS NOT NULL"),
            sqlite_where=text("caller_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    county_code: Mapped[str] = mapped_column(String(6))
    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"))
    origin_center_id: Mapped[int] = mapped_column(ForeignKey("center.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24))
    external_id: Mapped[str | None] = mapped_column(String(100))
    # the bulk import that wrote it (import_batch.id), so that the import can be withdrawn; no
    # foreign key: on PostgreSQL each would cost the import a server trigger per row
    import_batch_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    # the point as reported, before conversion to WGS-84 (lon/lat above)
    source_crs: Mapped[str] = mapped_column(String(8), default="wgs84", server_default="wgs84")
    source_lon: Mapped[float | None] = mapped_column(Float)
    source_lat: Mapped[float | None] = mapped_column(Float)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(20), index=True)
    catalog_item_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_item.id"), index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reporter_name: Mapped[str | None] = mapped_column(String(100))  # personal data
    reporter_phone: Mapped[str | None] = mapped_column(String(32))  # personal data
    # the callback number's digits (``pii.caller_key``): one caller's cases, however the number
    # was written; personal data too, never shown
    caller_key: Mapped[str | None] = mapped_column(String(20))
    sla_colour: Mapped[str | None] = mapped_column(String(8))
    suspended: Mapped[bool] = mapped_column(default=False)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pending_extension: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    pending_suspension: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    supervised_level: Mapped[int] = mapped_column(default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    # the best open case this one probably repeats, found at intake (merge is a person's call)
    probable_duplicate_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    # what automatic triage found and decided, with its reasons (see gridgov.intake.triage)
    triage: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    visited: Mapped[bool] = mapped_column(default=False)
    return_count: Mapped[int] = mapped_column(default=0)
    escalation_count: Mapped[int] = mapped_column(default=0)
    extension_count: Mapped[int] = mapped_column(default=0)
    rework_count: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # anchor of the audit chain: how many events and the newest hash
    event_count: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class CaseEvent(Base):
    """Append-only, hash-chained record of everything that happened to a case."""

    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_case_event_county_at", "county_code", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    county_code: Mapped[str] = mapped_column(String(6))
    seq: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CaseAssignment(Base):
    """A unit's part in a case: ``lead`` or ``assisting``; released on return/escalation."""

    __tablename__ = "case_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseDeadline(Base):
    """One run of a step clock. A step that starts again (rework, re-dispatch) gets a new seq."""

    __tablename__ = "case_deadline"
    __table_args__ = (
        UniqueConstraint("case_id", "step", "seq"),
        Index(
            "ix_case_deadline_open_due",
            "due_at",
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
        Index(
            "ix_case_deadline_open_warn",
            "warn_at",
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6))
    step: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    limit_amount: Mapped[float] = mapped_column(Float)
    limit_unit: Mapped[str] = mapped_column(String(16))
    warning_ratio: Mapped[float] = mapped_column(Float)
    extension_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseCenter(Base):
    """Every centre that has held the case: the owner, and those it was escalated from."""

    __tablename__ = "case_center"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))  # owner / escalated_from
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseNumberSequence(Base):
    """Per centre and year counter behind human-readable case numbers."""

    __tablename__ = "case_number_sequence"

    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
