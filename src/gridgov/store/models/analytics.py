"""KPI rollups: the facts of every case (see ``gridgov.analytics.facts``) counted per day and
per grouping, kept up to date from the event log, so dashboards never scan the case table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.store.models.base import Base
from gridgov.store.types import UTCDateTime, json_type


class KpiRollup(Base):
    """How many facts of one kind fall on one day for one combination of the groupings."""

    __tablename__ = "kpi_rollup"
    __table_args__ = (Index("ix_kpi_rollup_kind_day", "kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # every column below, joined
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    since: Mapped[date | None] = mapped_column(Date)  # spans: closed / overdue from …
    until: Mapped[date | None] = mapped_column(Date)  # … until (null: still)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    minutes: Mapped[int] = mapped_column(Integer, default=0)  # handling time (kind handled)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    grid_code: Mapped[str] = mapped_column(String(20), default="")
    catalog_item_id: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(24))
    unit: Mapped[str] = mapped_column(String(40), default="")
    worker_id: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int] = mapped_column(Integer)


class KpiCaseState(Base):
    """What a case counted for at its last rollup: the events seen and its groupings then,
    so that a new event can take the old contribution back before adding the new one."""

    __tablename__ = "kpi_case_state"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    county_code: Mapped[str] = mapped_column(String(6))
    region_code: Mapped[str] = mapped_column(String(12))
    grid_code: Mapped[str] = mapped_column(String(20), default="")
    catalog_item_id: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(24))
    worker_id: Mapped[int] = mapped_column(Integer, default=0)
    # the facts counted then (``gridgov.analytics.rollups.fact_text``): taking them back needs
    # no second replay of the log
    facts: Mapped[str | None] = mapped_column(Text)


class KpiBoard(Base):
    """The cockpit's rollups: the same facts counted per centre region (``scope``: every city,
    county and town above the case), by day, in a few narrow grains, so that a city's big
    screen sums a few thousand rows rather than its cases' facts.

    Grains: ``all`` (every fact; handling time as a bucketed histogram beside its exact sum,
    kind ``handled_minutes``); ``unit`` (what ranks units: dispatches, returns, visits,
    deadlines, overdue spans, under the unit that held the case); ``item`` and ``grid``
    (cases received, per month: ``day`` is the month's first day)."""

    __tablename__ = "kpi_board"
    # Covering indexes: every reading statement finds all it needs in one index range, with
    # no lookup of the row per entry (at a city's scale that halved the cockpit's reads)
    __table_args__ = (
        Index(
            "ix_kpi_board_scope_day",
            *("scope", "grain", "kind", "day"),
            *("member", "outcome", "minutes", "since", "until", "count"),
        ),
        Index(
            "ix_kpi_board_scope_until",
            *("scope", "grain", "kind", "until", "since"),
            *("member", "outcome", "minutes", "count"),
        ),
        Index("ix_kpi_board_top", "scope", "grain", "day", "count", "member"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # every column below, joined
    scope: Mapped[str] = mapped_column(String(12))
    grain: Mapped[str] = mapped_column(String(8))
    member: Mapped[str] = mapped_column(String(40), default="")  # the unit / item / grid
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    minutes: Mapped[int] = mapped_column(Integer, default=0)  # handled: the bucket's upper bound
    count: Mapped[int] = mapped_column(BigInteger)  # kind handled_minutes: the minutes


class KpiCursor(Base):
    """How far along the event log the rollups have read."""

    __tablename__ = "kpi_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)


class AssessmentScheme(Base):
    """An administrator's scoring scheme: weights over the KPIs, bonus and penalty points,
    and the scores that put a unit, town or grid worker on the red or the black list."""

    __tablename__ = "assessment_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(16))  # unit / town / worker
    weights: Mapped[dict[str, float]] = mapped_column(json_type())
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    red_at: Mapped[float | None] = mapped_column(Float)
    black_below: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Report(Base):
    """A centre's daily, weekly or monthly report, as made: its files share ``stem``
    (``.html``, ``.xlsx`` and, where WeasyPrint could run, ``.pdf``)."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("center_id", "kind", "first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # daily / weekly / monthly
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    made_by: Mapped[str] = mapped_column(String(64))
    stem: Mapped[str] = mapped_column(String(500))
    has_pdf: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
