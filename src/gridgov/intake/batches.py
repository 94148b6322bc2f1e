"""Import batches: each bulk import written, newest first, with what came of it (who imported
which file with which mapping, the report it gave) and how many of its refused rows still
wait as dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gridgov.auth import scope
from gridgov.auth.actor import Actor
from gridgov.intake.mapping import Mapping
from gridgov.kit.errors import NotFound
from gridgov.regions import repository as regions
from gridgov.store.models import Center, DeadLetter, ImportBatch

if TYPE_CHECKING:
    from gridgov.intake.bulk import Report

REPORT_LINES = 100  # of an import's refused lines, kept with its batch

# what a list shows of a batch's report (the detail shows all of it, with the mapping)
SUMMARY = ("valid", "duplicates_in_file", "classified", "placed", "personal_data_rows")
SUMMARY += ("first", "last", "categories", "statuses")


def begin(
    session: Session, mapping: Mapping, file_name: str, *, now: datetime, actor: str
) -> ImportBatch:
    """The batch of an import about to be written (its id for the rows to name)."""
    batch = ImportBatch(
        center_id=regions.get_center(session, code=mapping.center).id,
        channel=mapping.channel.value,
        at=now,
        actor=actor,
        file_name=file_name[:255],
        mapping=mapping.source,
        report={},
    )
    session.add(batch)
    session.flush()
    return batch


def record(batch: ImportBatch, report: Report) -> None:
    """What came of the import, on its batch (its refused lines cut to the first
    :data:`REPORT_LINES`); the report names the batch."""
    report.batch = batch.id
    batch.rows, batch.imported = report.rows, report.imported
    batch.already_on_file, batch.dead_letters = report.already_on_file, report.dead_letters
    kept = report.as_dict()
    kept["rejected"] = kept["rejected"][:REPORT_LINES]
    batch.report = kept


def recent(
    session: Session, *, limit: int = 50, actor: Actor | None = None
) -> list[dict[str, Any]]:
    """The newest batches first: those of centres in the ``actor``'s scope (None: all, an
    operator at the command line)."""
    stmt = _visible(session, actor).order_by(ImportBatch.id.desc()).limit(limit)
    found = session.execute(stmt).all()
    pending = _pending(session, [batch.id for batch, _ in found])
    return [_summary(batch, code, pending.get(batch.id, 0)) for batch, code in found]


def one(session: Session, batch_id: int, *, actor: Actor | None = None) -> dict[str, Any]:
    """A batch with its whole report (refused lines: the first
    :data:`REPORT_LINES`) and the mapping it was read with; outside the
    ``actor``'s scope it is answered as missing."""
    batch, code = _found(session, batch_id, actor)
    return {
        **_summary(batch, code, _pending(session, [batch.id]).get(batch.id, 0)),
        "rejected": list(batch.report.get("rejected", [])),
        "unused_columns": list(batch.report.get("unused_columns", [])),
        "mapping": batch.mapping,
    }


def find(
    session: Session, batch_id: int, *, actor: Actor | None = None, lock: bool = False
) -> ImportBatch:
    """The batch, if in the ``actor``'s scope (as :func:`one`); with ``lock``, locked
    (``FOR UPDATE``) for a change to it."""
    batch, _ = _found(session, batch_id, actor, lock=lock)
    return batch


def _found(
    session: Session, batch_id: int, actor: Actor | None, *, lock: bool = False
) -> tuple[ImportBatch, str]:
    stmt = _visible(session, actor).where(ImportBatch.id == batch_id)
    if lock:  # read afresh, and locked, in the one statement
        stmt = stmt.with_for_update(of=ImportBatch).execution_options(populate_existing=True)
    found = session.execute(stmt).first()
    if found is None:
        raise NotFound(f"no import batch {batch_id}")
    batch, code = found
    return batch, code


def _visible(session: Session, actor: Actor | None) -> Select[tuple[ImportBatch, str]]:
    """The batches with their centre's code: those of centres in the ``actor``'s scope
    (None: all)."""
    stmt = select(ImportBatch, Center.code).join(Center, Center.id == ImportBatch.center_id)
    return stmt if actor is None else stmt.where(scope.center_condition(session, actor))


def _pending(session: Session, ids: list[int]) -> dict[int, int]:
    """Of each batch, its dead letters still waiting to be replayed or discarded."""
    if not ids:
        return {}
    rows = session.execute(
        select(DeadLetter.import_batch_id, func.count())
        .where(DeadLetter.import_batch_id.in_(ids), DeadLetter.state == "pending")
        .group_by(DeadLetter.import_batch_id)
    )
    return {batch_id: count for batch_id, count in rows}


def _summary(batch: ImportBatch, center: str, pending: int) -> dict[str, Any]:
    return {
        "id": batch.id,
        "center": center,
        "channel": batch.channel,
        "at": batch.at,
        "actor": batch.actor,
        "file_name": batch.file_name,
        "rows": batch.rows,
        "imported": batch.imported,
        "already_on_file": batch.already_on_file,
        "dead_letters": batch.dead_letters,
        "pending_letters": pending,
        "withdrawn_at": batch.withdrawn_at,
        "withdrawn_by": batch.withdrawn_by,
        "withdrawal": batch.withdrawal,
        **{key: batch.report.get(key) for key in SUMMARY},
    }
