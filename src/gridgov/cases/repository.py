"""All SQL touching cases, their events, deadlines, assignments and centre trail."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gridgov.audit.chain import ChainedEvent, link_hash
from gridgov.intake import pii
from gridgov.intake.linkage import LINKED_CHANNELS
from gridgov.kit.errors import Conflict, NotFound
from gridgov.kit.pagination import PageParams
from gridgov.store.fast import one_of, unprepared
from gridgov.store.models import (
    Case,
    CaseAssignment,
    CaseCenter,
    CaseDeadline,
    CaseEvent,
    CaseNumberSequence,
    Outbox,
)


def get_by_number(
    session: Session, *, number: str, visible: ColumnElement[bool] | None = None
) -> Case:
    """The case with this number; with ``visible`` (the caller's data scope) a case outside
    it is reported missing, exactly like one that does not exist."""
    stmt = select(Case).where(Case.number == number)
    if visible is not None:
        stmt = stmt.where(visible)
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(f"no case numbered {number!r}")
    return case


IDEM = "idem:"  # an external id made of an HTTP Idempotency-Key (a case's, a dead letter's)


def find_by_external_id(session: Session, *, channel: str, external_id: str) -> Case | None:
    return session.scalar(
        select(Case).where(Case.channel == channel, Case.external_id == external_id)
    )


def on_file(
    session: Session, *, channel: str, external_ids: Iterable[str], columns: Sequence[Any]
) -> Iterator[Row[Any]]:
    """``columns`` of the cases of ``channel`` among ``external_ids``: by the unique key's two
    columns, 900 ids to a query (SQLite before 3.32 takes at most 999 variables), unprepared
    on PostgreSQL (see :func:`store.fast.one_of`)."""
    ids = sorted(external_ids)
    dialect = session.get_bind().dialect
    with unprepared(session.connection()):
        for start in range(0, len(ids), 900):
            yield from session.execute(
                select(*columns).where(
                    Case.channel == channel,
                    one_of(Case.external_id, ids[start : start + 900], dialect),
                )
            )


def claim(session: Session, *, case: Case, now: datetime) -> None:
    """Take the case for this transaction: bump its version only if nobody else has.

    On PostgreSQL a concurrent transaction that claimed the same case first makes this
    statement wait for it and then match no row; either way the loser gets ``Conflict``.
    """
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == case.version)
        .values(version=Case.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"case {case.number} was changed by someone else; reload and retry")
    set_committed_value(case, "version", case.version + 1)
    set_committed_value(case, "updated_at", now)


def next_number(session: Session, *, center_id: int, center_code: str, year: int) -> str:
    value = reserve_numbers(session, center_id=center_id, year=year, count=1)
    return f"{center_code}-{year}-{value:06d}"


def reserve_numbers(session: Session, *, center_id: int, year: int, count: int) -> int:
    """Take ``count`` consecutive case numbers of a centre and year; returns the first."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(CaseNumberSequence)
        .values(center_id=center_id, year=year, last_value=count)
        .on_conflict_do_update(
            index_elements=["center_id", "year"],
            set_={"last_value": CaseNumberSequence.last_value + count},
        )
        .returning(CaseNumberSequence.last_value)
    )
    return int(session.execute(stmt).scalar_one()) - count + 1


def reserve_case_ids(session: Session, count: int) -> list[int]:
    """``count`` case ids for rows inserted with their ids (bulk loads, no RETURNING round
    trips): from the sequence on PostgreSQL; above the largest id on SQLite, where the
    writing transaction holds the database lock (BEGIN IMMEDIATE) so nobody else takes them."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('\"case\"', 'id'))"
                " FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [int(row[0]) for row in rows]
    top = int(session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0)
    return list(range(top + 1, top + 1 + count))


def append_event(
    session: Session,
    *,
    case: Case,
    at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    from_status: str | None,
    to_status: str,
    payload: dict[str, Any],
) -> CaseEvent:
    """Append the next link of the case's hash chain and move the case's anchor."""
    if case.id is None:
        session.flush()
    payload = pii.mask_payload(payload)  # the log is kept for ever: never personal data
    chained = ChainedEvent(
        case_id=case.id,
        seq=case.event_count + 1,
        at=at,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        payload=payload,
        prev_hash=case.last_hash,
    )
    chained = replace(chained, hash=link_hash(case.last_hash, chained))
    event = CaseEvent(**asdict(chained), county_code=case.county_code, actor_id=actor_id)
    session.add(event)
    if case.channel in LINKED_CHANNELS and from_status != to_status:
        # the linked system (110) learns each step, committed with the step itself
        session.add(
            Outbox(
                target=case.channel,
                case_id=case.id,
                external_id=case.external_id,
                payload={
                    "number": case.number,
                    "action": action,
                    "status": to_status,
                    "at": at.isoformat(),
                    "note": payload.get("note") or payload.get("result") or payload.get("reason"),
                },
                created_at=at,
            )
        )
    case.event_count = chained.seq
    case.last_hash = chained.hash
    return event


def merged_into(session: Session, *, case_id: int) -> Sequence[Case]:
    """The reports merged into this case as duplicates, oldest first."""
    return session.scalars(
        select(Case).where(Case.duplicate_of_id == case_id).order_by(Case.id)
    ).all()


def children(session: Session, *, case_id: int) -> list[str]:
    """Numbers of the duplicates merged into this case."""
    return [c.number for c in merged_into(session, case_id=case_id)]


def events(session: Session, *, case_id: int) -> Sequence[CaseEvent]:
    return session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
    ).all()


def deadlines(session: Session, *, case_id: int) -> Sequence[CaseDeadline]:
    return session.scalars(
        select(CaseDeadline)
        .where(CaseDeadline.case_id == case_id)
        .order_by(CaseDeadline.started_at, CaseDeadline.id)
    ).all()


def open_deadlines(session: Session, *, case_id: int) -> list[CaseDeadline]:
    return [d for d in deadlines(session, case_id=case_id) if d.ended_at is None]


def last_deadline_seq(session: Session, *, case_id: int, step: str) -> int:
    value = session.scalar(
        select(func.max(CaseDeadline.seq)).where(
            CaseDeadline.case_id == case_id, CaseDeadline.step == step
        )
    )
    return int(value or 0)


def due_deadlines(session: Session, *, now: datetime, limit: int) -> Sequence[CaseDeadline]:
    """Open, running clocks whose warning or due time has passed without its event."""
    return session.scalars(
        select(CaseDeadline)
        .where(
            CaseDeadline.ended_at.is_(None),
            CaseDeadline.paused_since.is_(None),
            or_(
                (CaseDeadline.warned_at.is_(None)) & (CaseDeadline.warn_at <= now),
                (CaseDeadline.overdue_at.is_(None)) & (CaseDeadline.due_at <= now),
            ),
        )
        .order_by(CaseDeadline.case_id, CaseDeadline.id)
        .limit(limit)
    ).all()


def active_assignments(session: Session, *, case_id: int) -> Sequence[CaseAssignment]:
    return session.scalars(
        select(CaseAssignment)
        .where(CaseAssignment.case_id == case_id, CaseAssignment.released_at.is_(None))
        .order_by(CaseAssignment.id)
    ).all()


def center_trail(session: Session, *, case_id: int) -> Sequence[CaseCenter]:
    return session.scalars(
        select(CaseCenter).where(CaseCenter.case_id == case_id).order_by(CaseCenter.id)
    ).all()


SORTABLE = {"created_at": Case.created_at, "updated_at": Case.updated_at, "number": Case.number}


def list_cases(
    session: Session,
    *,
    center_id: int | None,
    statuses: Sequence[str] = (),
    colour: str | None = None,
    page: PageParams,
    visible: ColumnElement[bool] | None = None,
    filters: Sequence[ColumnElement[bool]] = (),
    sort: str = "-created_at",
) -> tuple[list[tuple[Case, bool]], int]:
    """Cases held by the centre, plus those it escalated upwards (flagged ``True``).

    ``sort`` is a column name (``created_at``, ``updated_at``, ``number``), descending with
    a leading ``-``; ties fall back to the id so pages never overlap."""
    stmt = select(Case)
    if visible is not None:
        stmt = stmt.where(visible)
    for condition in filters:
        stmt = stmt.where(condition)
    if center_id is not None:
        escalated_ids = select(CaseCenter.case_id).where(
            CaseCenter.center_id == center_id, CaseCenter.relation == "escalated_from"
        )
        stmt = stmt.where(or_(Case.center_id == center_id, Case.id.in_(escalated_ids)))
    if statuses:
        stmt = stmt.where(Case.status.in_(statuses))
    if colour:
        stmt = stmt.where(Case.sla_colour == colour)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    column = SORTABLE[sort.removeprefix("-")]
    descending = sort.startswith("-")
    rows = session.scalars(
        stmt.order_by(
            column.desc() if descending else column.asc(),
            Case.id.desc() if descending else Case.id.asc(),
        )
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    return [(c, center_id is not None and c.center_id != center_id) for c in rows], total
