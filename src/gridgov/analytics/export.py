"""Export cases for analysts: one row per case, every step's time, the due times, colour,
unit, place, item, channel, satisfaction — personal data masked. CSV, XLSX or Parquet,
written in chunks so a year of a city fits in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session, aliased

from gridgov.auth.scope import region_subtree
from gridgov.intake import pii
from gridgov.kit.errors import ValidationFailed
from gridgov.store.models import (
    Case,
    CaseAssignment,
    CaseDeadline,
    CaseEvent,
    CatalogItem,
    Center,
    Region,
    Unit,
)

FORMATS = ("csv", "xlsx", "parquet")
CHUNK = 2_000
COLUMNS = (
    "number", "channel", "status", "priority", "title", "address", "lon", "lat",
    "region_code", "region_name", "grid_code", "category_code", "category_name",
    "center", "lead_unit", "lead_unit_name", "sla_colour", "supervised_level",
    "created_at", "accepted_at", "dispatched_at", "signed_at", "handled_at", "closed_at",
    "visited_at", "sign_due", "handle_due", "verify_due", "satisfaction",
    "returns", "extensions", "reworks", "reopens", "escalations", "duplicate_of",
    "reporter_name", "reporter_phone",
)  # fmt: skip
TIMES = frozenset(c for c in COLUMNS if c.endswith(("_at", "_due")))


def cases(
    session: Session,
    *,
    first: date | None,
    last: date | None,
    tz: ZoneInfo,
    center: str | None = None,
    visible: ColumnElement[bool] | None = None,
) -> Iterator[dict[str, Any]]:
    """The rows, oldest case first (created between ``first`` and ``last``, local days)."""
    where = [visible if visible is not None else true()]
    if first is not None:
        where.append(Case.created_at >= datetime.combine(first, time(), tz))
    if last is not None:
        where.append(Case.created_at < datetime.combine(last + timedelta(days=1), time(), tz))
    if center is not None:
        found = session.scalar(select(Center).where(Center.code == center))
        if found is None:
            raise ValidationFailed(f"no centre {center!r}")
        where.append(Case.region_code.in_(region_subtree(found.region_code, "export_regions")))
    held = aliased(Center)
    after = 0
    while True:
        chunk = session.execute(
            select(
                Case,
                Region.name,
                CatalogItem.code,
                CatalogItem.name,
                held.code,
                Unit.code,
                Unit.name,
            )
            .join(Region, Region.code == Case.region_code)
            .join(held, held.id == Case.center_id)
            .outerjoin(CatalogItem, CatalogItem.id == Case.catalog_item_id)
            .outerjoin(Unit, Unit.id == Case.lead_unit_id)
            .where(Case.id > after, *where)
            .order_by(Case.id)
            .limit(CHUNK)
        ).all()
        if not chunk:
            return
        ids = [row[0].id for row in chunk]
        dues = _latest_dues(session, ids)
        signed = dict(
            session.execute(
                select(CaseAssignment.case_id, func.max(CaseAssignment.signed_at))
                .where(CaseAssignment.case_id.in_(ids), CaseAssignment.role == "lead")
                .group_by(CaseAssignment.case_id)
            ).all()
        )
        visited = dict(
            session.execute(
                select(CaseEvent.case_id, func.max(CaseEvent.at))
                .where(CaseEvent.case_id.in_(ids), CaseEvent.action == "return_visit")
                .group_by(CaseEvent.case_id)
            ).all()
        )
        parents = _numbers(session, {r[0].duplicate_of_id for r in chunk} - {None})
        for case, region, item_code, item_name, center_code, unit_code, unit_name in chunk:
            due = dues.get(case.id, {})
            yield {
                "number": case.number,
                "channel": case.channel,
                "status": case.status,
                "priority": case.priority,
                "title": case.title,
                "address": case.address,
                "lon": case.lon,
                "lat": case.lat,
                "region_code": case.region_code,
                "region_name": region,
                "grid_code": case.grid_code,
                "category_code": item_code,
                "category_name": item_name,
                "center": center_code,
                "lead_unit": unit_code,
                "lead_unit_name": unit_name,
                "sla_colour": case.sla_colour,
                "supervised_level": case.supervised_level,
                "created_at": case.created_at,
                "accepted_at": case.accepted_at,
                "dispatched_at": case.dispatched_at,
                "signed_at": signed.get(case.id),
                "handled_at": case.handled_at,
                "closed_at": case.closed_at,
                "visited_at": visited.get(case.id),
                "sign_due": due.get("sign"),
                "handle_due": due.get("handle"),
                "verify_due": due.get("verify"),
                "satisfaction": case.satisfaction,
                "returns": case.return_count,
                "extensions": case.extension_count,
                "reworks": case.rework_count,
                "reopens": case.reopen_count,
                "escalations": case.escalation_count,
                "duplicate_of": parents.get(case.duplicate_of_id),
                "reporter_name": pii.mask_name(case.reporter_name),
                "reporter_phone": pii.mask_phone(case.reporter_phone),
            }
        after = ids[-1]


def _latest_dues(session: Session, ids: list[int]) -> dict[int, dict[str, datetime]]:
    out: dict[int, dict[str, datetime]] = {}
    rows = session.execute(
        select(CaseDeadline.case_id, CaseDeadline.step, CaseDeadline.due_at)
        .where(CaseDeadline.case_id.in_(ids))
        .order_by(CaseDeadline.case_id, CaseDeadline.seq)
    )
    for case_id, step, due in rows:
        out.setdefault(case_id, {})[step] = due  # the newest run of each step wins
    return out


def _numbers(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.execute(select(Case.id, Case.number).where(Case.id.in_(wanted))).all())


def _local(value: Any, tz: ZoneInfo) -> Any:
    return value.astimezone(tz).replace(tzinfo=None) if isinstance(value, datetime) else value


def write(rows: Iterator[dict[str, Any]], *, fmt: str, out: Path | IO[str], tz: ZoneInfo) -> int:
    """Write the rows; times in the centre's time zone (ISO text in CSV). Returns the count."""
    if fmt not in FORMATS:
        raise ValidationFailed(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt == "csv":
        return _csv(rows, out, tz)
    if not isinstance(out, Path):
        raise ValidationFailed(f"{fmt} needs an output file (--output)")
    return _xlsx(rows, out, tz) if fmt == "xlsx" else _parquet(rows, out, tz)


def _csv(rows: Iterator[dict[str, Any]], out: Path | IO[str], tz: ZoneInfo) -> int:
    handle = out.open("w", encoding="utf-8-sig", newline="") if isinstance(out, Path) else out
    try:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        n = 0
        for row in rows:
            writer.writerow(
                {
                    k: (_local(v, tz).isoformat(sep=" ") if k in TIMES and v else v)
                    for k, v in row.items()
                }
            )
            n += 1
        return n
    finally:
        if isinstance(out, Path):
            handle.close()


def _xlsx(rows: Iterator[dict[str, Any]], out: Path, tz: ZoneInfo) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("cases")
    sheet.append(list(COLUMNS))
    n = 0
    for row in rows:
        sheet.append([_local(row[c], tz) for c in COLUMNS])
        n += 1
    book.save(out)
    return n


def _parquet(rows: Iterator[dict[str, Any]], out: Path, tz: ZoneInfo) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the analytics extra is part of every install here
        raise ValidationFailed("Parquet needs pyarrow: pip install 'gridgov[analytics]'") from None

    timestamp = pa.timestamp("us", tz=str(tz))
    numbers = {"lon": pa.float64(), "lat": pa.float64()}
    counts = ("supervised_level", "returns", "extensions", "reworks", "reopens", "escalations")
    schema = pa.schema(
        [
            (
                c,
                timestamp
                if c in TIMES
                else numbers.get(c, pa.int32() if c in counts else pa.string()),
            )
            for c in COLUMNS
        ]
    )
    n = 0
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == CHUNK:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n, batch = n + len(batch), []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n
