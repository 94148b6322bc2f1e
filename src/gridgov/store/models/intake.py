"""Intake: rejected records, protected personal data, routing rules, triage thresholds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime, json_type


class DeadLetter(Base):
    """A record a channel delivered that could not become a case, kept verbatim for replay."""

    __tablename__ = "dead_letter"
    __table_args__ = (
        Index("ix_dead_letter_state_received", "state", "received_at"),
        # a record delivered again is found by its id in its channel (not unique: a record
        # sent again changed is a letter of its own)
        Index("ix_dead_letter_channel_external_id", "channel", "external_id"),
        # the letters replayed into a case (deleting one checks its foreign key by them)
        Index(
            "ix_dead_letter_case_id",
            "case_id",
            postgresql_where=text("case_id IS NOT NULL"),
            sqlite_where=text("case_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(24))
    external_id: Mapped[str | None] = mapped_column(String(100))
    county_code: Mapped[str | None] = mapped_column(String(6))
    # where it was received (the centre it was sent to, else the sender's region): whose
    # dispatchers see it; None for a platform-wide feed's
    region_code: Mapped[str | None] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    state: Mapped[str] = mapped_column(String(12), default="pending")  # replayed/discarded
    attempts: Mapped[int] = mapped_column(default=1)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # a bulk import's row (its raw cells are the payload): the mapping it was read with, to
    # replay it the way the import reads a row
    import_mapping: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    # and the import that met it (last)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class ImportBatch(Base):
    """One bulk import written (not a dry run): who imported which file, with which mapping,
    and what came of it. Its cases' import events and its refused rows' letters name it."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(255))
    mapping: Mapped[dict[str, Any]] = mapped_column(json_type())
    rows: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    already_on_file: Mapped[int] = mapped_column(default=0)
    dead_letters: Mapped[int] = mapped_column(default=0)
    # the import's report as it was given, its refused lines cut to the first REPORT_LINES
    report: Mapped[dict[str, Any]] = mapped_column(json_type())
    # its withdrawal (gridgov.intake.withdraw): when, by whom, and what came of it (the
    # reason given, the cases taken out and those kept, with why)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawal: Mapped[dict[str, Any] | None] = mapped_column(json_type())


class DeadLetterReveal(Base):
    """One look at a dead letter's personal data: lists show its payload masked, and each
    reveal of the original is recorded here (who, when, why)."""

    __tablename__ = "dead_letter_reveal"

    id: Mapped[int] = mapped_column(primary_key=True)
    dead_letter_id: Mapped[int] = mapped_column(ForeignKey("dead_letter.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)


class CaseProtected(Base):
    """The unmasked text of a case whose title or description held personal data.

    The case row keeps the masked text, so lists, exports, logs and the event log never see
    the originals; reading this row is a permission and every read is an audited case event.
    """

    __tablename__ = "case_protected"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    fields: Mapped[dict[str, str]] = mapped_column(json_type())
    kinds: Mapped[list[str]] = mapped_column(json_type())


class RoutingRule(Base):
    """Catalogue item (any level) × region level (× optional area) → lead + assisting units."""

    __tablename__ = "routing_rule"
    __table_args__ = (UniqueConstraint("catalog_item_id", "region_level", "area_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id"), index=True)
    region_level: Mapped[str] = mapped_column(String(16))  # county/town/village or "*"
    area_code: Mapped[str] = mapped_column(String(12), default="*")  # region subtree or "*"
    # a unit code, or a template such as "{town}-zhzf" (see gridgov.dispatch.routing)
    lead_unit: Mapped[str] = mapped_column(String(40))
    assisting: Mapped[list[str]] = mapped_column(json_type())  # unit codes or templates
    note: Mapped[str] = mapped_column(String(200), default="")


class TriagePolicy(Base):
    """A centre's thresholds for automatic acceptance and dispatch, and duplicate search."""

    __tablename__ = "triage_policy"

    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"), primary_key=True)
    classify_threshold: Mapped[float] = mapped_column(Float, default=0.85)
    locate_threshold: Mapped[float] = mapped_column(Float, default=0.8)
    auto_accept: Mapped[bool] = mapped_column(default=True)
    auto_dispatch: Mapped[bool] = mapped_column(default=True)
    duplicate_threshold: Mapped[float] = mapped_column(Float, default=0.3)
    duplicate_window_hours: Mapped[float] = mapped_column(Float, default=72.0)
    duplicate_radius_m: Mapped[float] = mapped_column(Float, default=500.0)


class Outbox(Base):
    """A message for an external system (the 110 linkage), written with the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "target", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
