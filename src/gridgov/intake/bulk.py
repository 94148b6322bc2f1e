"""Bulk import from an existing 12345 platform: CSV or XLSX plus a column mapping file
(:mod:`gridgov.intake.mapping`: the mapping's form, with an old platform's history).

Rows are known by their external id; where the export has none, by their time, title and
text (``content:`` + a digest), so a file imported twice, or two files that overlap, write
each message once. A dry run reads and checks every row and reports (rows, valid, already
on file, duplicates in the file, rejected rows with line and reason, categories, states,
rows classified and placed, date range) without writing. An import writes the valid rows
as cases in one transaction — each with its ``import`` event — and every rejected row as a
dead letter with the raw row, so nothing is lost.

Rows are written with multi-row INSERTs (case, event, centre rows), not through the one-case
service: an import of a year of history must take seconds, not an hour.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.audit.chain import GENESIS, Slot, event_fields, fields_hash, fields_hashes
from gridgov.cases import repository as cases_repo
from gridgov.cases.schemas import Channel
from gridgov.intake import batches, deadletters, pii, placing
from gridgov.intake.mapping import (
    BUILTIN_FORMATS,
    FIELDS,
    FINISHED,
    STATUSES,
    Mapping,
    clean,
    parse_cleaned,
    parse_time,
)
from gridgov.intake.service import classifier_text
from gridgov.intake.service import policy_for as intake_policy
from gridgov.intake.suggest import Suggester
from gridgov.intake.titles import title_from
from gridgov.kit.errors import ValidationFailed
from gridgov.kit.gc import collector_paused
from gridgov.kit.tables import read_table
from gridgov.regions import repository as regions
from gridgov.store.engine import checkpoint_later, retrying_races
from gridgov.store.fast import analyze_grown, insert_columns
from gridgov.store.models import (
    Case,
    CaseCenter,
    CaseEvent,
    CaseProtected,
    CatalogItem,
    Region,
)

__all__ = [  # the mapping's names are this module's too, as before they had their own
    "BUILTIN_FORMATS",
    "FIELDS",
    "STATUSES",
    "Mapping",
    "Report",
    "check",
    "clean",
    "parse_time",
    "read_table",
    "run",
    "write",
]
BATCH = 2000


@dataclass(slots=True)  # tens of thousands at once: no per-row __dict__
class Row:
    line: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Report:
    rows: int = 0
    valid: int = 0
    already_on_file: int = 0
    duplicates_in_file: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    categories: dict[str, int] = field(default_factory=dict)
    first: str | None = None
    last: str | None = None
    personal_data_rows: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # valid rows by the state written
    classified: int = 0  # valid rows given their item by the classifier (``classify``)
    placed: int = 0  # valid rows placed in a grid (by their point, or address if asked)
    unused_columns: list[str] = field(default_factory=list)
    imported: int = 0
    dead_letters: int = 0
    dry_run: bool = True
    batch: int | None = None  # the import batch written (none for a dry run)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


CONTENT = "content:"  # the external id of a row from an export without ids


def content_id(created_at: datetime | None, title: str, text: str) -> str:
    """An id for a message of an export that has none (its time, title and text, cleaned),
    so that importing the file twice, or two files that overlap, writes each message once."""
    stamp = created_at.isoformat() if created_at else ""
    digest = hashlib.sha256(f"{stamp}\x1f{title}\x1f{text}".encode()).hexdigest()
    return f"{CONTENT}{digest[:40]}"


# ---- checking ---------------------------------------------------------------------------
def check(
    session: Session,
    *,
    mapping: Mapping,
    header: list[str],
    rows: list[dict[str, str]],
    suggester: Suggester,
    first_line: int = 2,  # the file's line of the first row (after the header)
    locate: placing.Places | None = None,
) -> tuple[Report, list[Row]]:
    """Read every row into case values or a reason, placed and (if asked) classified, so
    that a dry run reports what an import would do; nothing is written."""
    missing = [f"{k} → {v!r}" for k, v in mapping.columns.items() if v not in header]
    if missing:
        raise ValidationFailed(
            f"the file has no column for {', '.join(missing)} (columns: {', '.join(header)})"
        )
    center = regions.get_center(session, code=mapping.center)
    catalog = suggester.catalog(session)
    known_regions = set(session.scalars(select(Region.code)))
    if mapping.region_code and mapping.region_code not in known_regions:
        raise ValidationFailed(f"mapping region_code {mapping.region_code!r} is not a region")
    tz = ZoneInfo(mapping.timezone)
    col = mapping.columns
    report = Report(rows=len(rows), unused_columns=sorted(set(header) - set(col.values())))
    out: list[Row] = []
    for line, raw in enumerate(rows, start=first_line):
        row = Row(line, raw)
        out.append(row)
        try:
            row.values = _values(raw, col, mapping, tz, catalog.by_label, known_regions)
        except ValueError as exc:
            row.error = str(exc)
    ids = {r.values["external_id"] for r in out if r.error is None} - {None}
    existing = _existing_ids(session, mapping.channel, ids)
    seen: dict[str, int] = {}
    categories: Counter[str] = Counter()
    states: Counter[str] = Counter()
    times: list[datetime] = []
    valid: list[Row] = []
    for row in out:
        if row.error is not None:
            report.rejected.append({"line": row.line, "reason": row.error})
            continue
        values, ext = row.values, row.values["external_id"]
        if ext and ext in existing:
            row.values, row.error = {}, "already on file"
            report.already_on_file += 1
            continue
        if ext and ext in seen:
            row.values = {}
            row.error = (
                f"the same message as line {seen[ext]}"
                if ext.startswith(CONTENT)
                else f"external id {ext!r} appears twice in the file"
            )
            report.duplicates_in_file += 1
            report.rejected.append({"line": row.line, "reason": row.error})
            continue
        if ext:
            seen[ext] = row.line
        valid.append(row)
    if mapping.classify:
        threshold = intake_policy(session, center_id=center.id).classify_threshold
        report.classified = _classify(session, suggester, valid, threshold)
    home = mapping.region_code or center.region_code
    placing.place([r.values for r in valid], mapping.crs, session, locate, home)
    if mapping.locate_addresses:
        placing.place_addresses([r.values for r in valid], session, center)
    report.placed = sum(1 for r in valid if r.values.get("grid"))
    for row in valid:
        values = row.values
        report.valid += 1
        categories[values.get("catalog_item") or "(unclassified)"] += 1
        states[values["status"]] += 1
        if values["protected"]:
            report.personal_data_rows += 1
        times.append(values["created_at"])
    report.categories = dict(categories.most_common())
    report.statuses = dict(states.most_common())
    if times:
        report.first, report.last = min(times).isoformat(), max(times).isoformat()
    return report, out


def _existing_ids(session: Session, channel: Channel, wanted: set[str]) -> set[str]:
    rows = cases_repo.on_file(
        session, channel=channel.value, external_ids=wanted, columns=[Case.external_id]
    )
    return {row.external_id for row in rows}


def _values(
    raw: dict[str, str],
    col: dict[str, str],
    mapping: Mapping,
    tz: ZoneInfo,
    by_label: dict[str, str],
    known_regions: set[str],
) -> dict[str, Any]:
    cells = dict.fromkeys(FIELDS, "")  # "" where the mapping has no column
    for name, column in col.items():  # every mapped field cleaned once
        cells[name] = clean(raw.get(column, ""))
    get = cells.__getitem__

    text = get("text")
    if len(text) < 2:
        raise ValueError("the text is empty")
    if len(text) > 8000:
        raise ValueError(f"the text has {len(text)} characters (at most 8000)")
    masked_text, found_text = pii.mask_text(text)
    title = get("title") or title_from(masked_text)  # cut from the masked text: no half IDs
    masked_title, found_title = pii.mask_text(title)
    received = get("received_at")
    if "received_at" in col:
        if not received:
            raise ValueError("no time")
        created_at = parse_cleaned(received, mapping.date_formats, tz)
    else:
        created_at = None
    status, closed_at = _outcome(get("status"), get("closed_at"), created_at, mapping, tz)
    label = get("category")
    item = None
    if label:
        item = by_label.get(mapping.categories.get(label, label))
        if item is None and mapping.unknown_category == "reject":
            raise ValueError(f"category {label!r} is not in the catalogue (map it in [categories])")
    # no category, or one the catalogue does not know (left blank): the classifier's to read
    read = classifier_text(get("title"), text) if mapping.classify and item is None else ""
    region = get("region_code") or mapping.region_code
    if region and region not in known_regions:
        raise ValueError(f"no region {region!r}")
    lon = lat = None
    if get("lon") or get("lat"):
        try:
            lon, lat = float(get("lon")), float(get("lat"))
        except ValueError:
            raise ValueError("lon/lat are not numbers") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError("lon/lat out of range")
    phone = (get("reporter_phone") or "")[:32] or None
    if "external_id" in col:
        ext = get("external_id") or None
        if ext and len(ext) > 100:
            raise ValueError("external id longer than 100 characters")
    else:  # an export without ids: a message is known by its time and words (and its title
        # as earlier versions took it when the export has none, so that their imports are known)
        ext = content_id(created_at, get("title") or text[:40], text)
    answer = get("answer")
    masked_answer, found_answer = pii.mask_text(answer) if answer else ("", [])
    protected = {}
    if found_text:
        protected["description"] = text
    if found_title:
        protected["title"] = title
    if found_answer:
        protected["answer"] = answer
    found = (*found_text, *found_title, *found_answer)
    return {
        "external_id": ext,
        "title": masked_title[:200],
        "description": masked_text,
        "created_at": created_at,
        "catalog_item": item,
        "region_code": region,
        "address": get("address")[:300],
        "lon": lon,
        "lat": lat,
        "reporter_name": (get("reporter_name") or None),
        "reporter_phone": phone,
        "caller_key": pii.caller_key(phone),
        "status": status,
        "closed_at": closed_at,
        "read": read,  # for the classifier, where the row has no item (``classify``)
        "classification": None,
        "answer": masked_answer,
        "protected": protected,
        "kinds": sorted({s.kind.value for s in found}) if protected else (),
    }


def _classify(session: Session, suggester: Suggester, rows: list[Row], threshold: float) -> int:
    """The classifier's suggestion for each row without an item, in batches as the batch
    door asks it; the item is the row's when the suggestion is as sure as the centre's
    threshold for dispatching by itself. Returns how many rows it gave an item."""
    wanted = [r.values for r in rows if r.values["read"]]
    given = 0
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found = suggester.suggest_many(session, [v["read"] for v in chunk])
        for values, c in zip(chunk, found, strict=True):
            values["classification"] = c.as_dict()
            if c.item_code and c.confidence >= threshold:
                values["catalog_item"] = c.item_code
                given += 1
    return given


def _outcome(
    state: str, closed: str, created_at: datetime | None, mapping: Mapping, tz: ZoneInfo
) -> tuple[str, datetime | None]:
    """A row's state as written (its cell through ``[statuses]``, or the mapping's default)
    and, for history the old platform finished, when it closed."""
    if not state:
        status = mapping.status
    elif state in mapping.statuses:
        status = mapping.statuses[state]
    elif state in STATUSES:
        status = state
    else:
        raise ValueError(f"status {state!r} is not mapped (map it in [statuses])")
    if status not in FINISHED:
        return status, None
    if not closed:
        raise ValueError(f"a {status} row needs its closing time")
    closed_at = parse_cleaned(closed, mapping.date_formats, tz)
    if created_at is not None and closed_at < created_at:
        raise ValueError(f"closed at {closed} before it was received")
    return status, closed_at


# ---- writing ----------------------------------------------------------------------------
def write(
    session: Session,
    *,
    mapping: Mapping,
    report: Report,
    rows: list[Row],
    now: datetime,
    actor: str,
    batch_id: int | None = None,
) -> Report:
    """Write the checked rows (placed by :func:`check`): valid ones as cases, rejected ones
    as dead letters, both naming the import batch ``batch_id`` (if any)."""
    center = regions.get_center(session, code=mapping.center)
    default_region = mapping.region_code or center.region_code
    county = (
        session.scalar(select(Region.county_code).where(Region.code == default_region))
        or default_region[:6]
    )
    items = {c: i for c, i in session.execute(select(CatalogItem.code, CatalogItem.id))}
    good = [r for r in rows if r.error is None and r.values]
    letters = [r for r in rows if r.error is not None and r.error != "already on file"]
    tz = ZoneInfo(center.timezone)
    by_year: Counter[int] = Counter(
        (r.values["created_at"] or now).astimezone(tz).year for r in good
    )
    next_value = {
        year: cases_repo.reserve_numbers(session, center_id=center.id, year=year, count=n)
        for year, n in by_year.items()
    }
    # plain locals: an ORM attribute read costs more than the rest of a row's field
    channel, center_id, center_code = mapping.channel.value, center.id, center.code
    shape = {
        **event_fields(0, 1, now, actor, "import", None, "submitted", {}),
        "case_id": Slot(0),
        "at": Slot(1),
        "payload": _payload(Slot(2), Slot(3), batch=batch_id),
    }
    for start in range(0, len(good), BATCH):
        chunk = [r.values for r in good[start : start + BATCH]]
        lines = [r.line for r in good[start : start + BATCH]]
        n = len(chunk)
        ats = [v["created_at"] or now for v in chunk]
        numbers = []
        for at in ats:
            year = at.astimezone(tz).year
            numbers.append(f"{center_code}-{year}-{next_value[year]:06d}")
            next_value[year] += 1
        ids = cases_repo.reserve_case_ids(session, n)
        for values, case_id in zip(chunk, ids, strict=True):
            values["case_id"] = case_id
        exts = [v["external_id"] for v in chunk]
        payloads = [
            _payload(line, ext, v["answer"], v["closed_at"], batch_id)
            for line, ext, v in zip(lines, exts, chunk, strict=True)
        ]
        # the chain's first link, its anchor on the case written at once: one event's form
        # with the four values that differ row by row left open; history, whose state and
        # payload differ too, one by one
        plain = [k for k, v in enumerate(chunk) if v["status"] == "submitted" and not v["answer"]]
        hashes = fields_hashes(GENESIS, shape, ((ids[k], ats[k], lines[k], exts[k]) for k in plain))
        if len(plain) < n:
            hashes = _with_history(hashes, plain, ids, ats, chunk, payloads, actor)
        statuses = [v["status"] for v in chunk]
        lons, lats = [v["lon"] for v in chunk], [v["lat"] for v in chunk]
        grids = [v.get("grid") for v in chunk]
        # column by column, into the driver's executemany (COPY on PostgreSQL): SQLAlchemy's
        # per-row parameter handling costs more than the database does
        conn = session.connection()
        protected = [(i, v) for i, v in zip(ids, chunk, strict=True) if v["protected"]]
        columns_by_table = {
            Case.__table__: {
                "id": ids,
                "number": numbers,
                "county_code": [county] * n,
                "center_id": [center_id] * n,
                "origin_center_id": [center_id] * n,
                "channel": [channel] * n,
                "external_id": exts,
                "import_batch_id": [batch_id] * n,
                "title": [v["title"] for v in chunk],
                "description": [v["description"] for v in chunk],
                "address": [v["address"] for v in chunk],
                "lon": [v.get("wgs", (None, None))[0] for v in chunk],
                "lat": [v.get("wgs", (None, None))[1] for v in chunk],
                "source_crs": [mapping.crs] * n,
                "source_lon": lons,
                "source_lat": lats,
                "grid_code": grids,
                "region_code": [
                    v.get("grid_region") or v["region_code"] or default_region for v in chunk
                ],
                "catalog_item_id": [
                    items.get(v["catalog_item"]) if v["catalog_item"] else None for v in chunk
                ],
                "priority": ["normal"] * n,
                "status": statuses,
                "version": [1] * n,
                "reporter_name": [v["reporter_name"] for v in chunk],
                "reporter_phone": [v["reporter_phone"] for v in chunk],
                "caller_key": [v["caller_key"] for v in chunk],
                "created_at": ats,
                "updated_at": [now] * n,
                "closed_at": [v["closed_at"] for v in chunk],
                "triage": [placing.triage_record(v) for v in chunk],
                # the old platform made its return visits: history owes no call
                "visited": [status in FINISHED for status in statuses],
                "event_count": [1] * n,
                "last_hash": hashes,
            },
            CaseEvent.__table__: {
                "case_id": ids,
                "county_code": [county] * n,
                "seq": [1] * n,
                "at": ats,
                "actor_id": [None] * n,
                "actor": [actor] * n,
                "action": ["import"] * n,
                "from_status": [None] * n,
                "to_status": statuses,
                "payload": payloads,
                "prev_hash": [GENESIS] * n,
                "hash": hashes,
            },
            CaseCenter.__table__: {
                "case_id": ids,
                "center_id": [center_id] * n,
                "relation": ["owner"] * n,
                "since": ats,
            },
            CaseProtected.__table__: {
                "case_id": [i for i, _ in protected],
                "county_code": [county] * len(protected),
                "fields": [v["protected"] for _, v in protected],
                "kinds": [v["kinds"] for _, v in protected],
            },
        }
        # in this order (the cases before the rows that refer to them), the timestamps'
        # conversions shared by the three tables that carry them
        memo: dict[str, dict[Any, Any]] = {}
        for table, columns in columns_by_table.items():
            insert_columns(conn, table, columns, memo=memo)
    # the next import's "already on file" lookup needs them (PostgreSQL)
    analyze_grown(session.connection(), Case.__table__, ["channel", "external_id"], added=len(good))
    id_column = mapping.columns.get("external_id")
    kept = set()  # a row sent again unchanged (in this file or an earlier import) is one letter
    for r in letters:
        letter = deadletters.keep(
            session,
            channel=mapping.channel.value,
            external_id=(clean(r.raw.get(id_column, "")) if id_column else "")[:100] or None,
            payload=dict(r.raw),
            reason=f"bulk import line {r.line}: {r.error}",
            now=now,
            region_code=center.region_code,
            import_mapping=mapping.source,
            import_batch_id=batch_id,
        )
        kept.add(letter.id)
    report.imported, report.dead_letters, report.dry_run = len(good), len(kept), False
    return report


def _payload(
    line: object,
    external_id: object,
    answer: str = "",
    closed_at: datetime | None = None,
    batch: int | None = None,
) -> dict[str, Any]:
    """An imported case's ``import`` event payload (with its import batch, and the old
    platform's answer and closing time, for history)."""
    payload: dict[str, Any] = {"source": "bulk import", "line": line, "external_id": external_id}
    if batch is not None:
        payload["batch"] = batch
    if answer:
        payload["answer"] = answer
    if closed_at is not None:
        payload["closed_at"] = closed_at.isoformat()
    return payload


def _with_history(
    plain_hashes: list[str],
    plain: list[int],
    ids: list[int],
    ats: list[datetime],
    chunk: list[dict[str, Any]],
    payloads: list[dict[str, Any]],
    actor: str,
) -> list[str]:
    """The chunk's first-link hashes: the plain rows' as given, the others' hashed whole."""
    hashes = [""] * len(chunk)
    for k, digest in zip(plain, plain_hashes, strict=True):
        hashes[k] = digest
    for k, v in enumerate(chunk):
        if not hashes[k]:
            fields = event_fields(
                ids[k], 1, ats[k], actor, "import", None, v["status"], payloads[k]
            )
            hashes[k] = fields_hash(GENESIS, fields)
    return hashes


def replay_row(
    session: Session,
    *,
    mapping_source: dict[str, Any],
    cells: dict[str, Any],
    line: int,
    suggester: Suggester,
    now: datetime,
    actor: str,
    locate: placing.Places | None = None,
    batch_id: int | None = None,
) -> Case:
    """A row an import refused (its cells as kept on the dead letter, or corrected), read with
    the mapping it was imported with and written as the import writes a row, in its import
    batch. Refused again (``ValidationFailed``, the reason as the import gives it) where it
    still fails a check, or where a case with its id is on file by now."""
    mapping = Mapping.parse(mapping_source, source="the import's mapping")
    row = {str(k): "" if v is None else str(v) for k, v in cells.items()}
    report, checked = check(
        session,
        mapping=mapping,
        header=list(row),
        rows=[row],
        suggester=suggester,
        first_line=line,
        locate=locate,
    )
    (one,) = checked
    if one.error is not None:
        raise ValidationFailed(one.error)
    write(
        session,
        mapping=mapping,
        report=report,
        rows=checked,
        now=now,
        actor=actor,
        batch_id=batch_id,
    )
    return session.get_one(Case, one.values["case_id"])


def run(
    session: Session,
    *,
    mapping: Mapping,
    path: Path,
    suggester: Suggester,
    dry_run: bool,
    now: datetime,
    actor: str,
    locate: placing.Places | None = None,
    name: str | None = None,
) -> Report:
    """Read, check and — unless a dry run — write an export: the whole import, one call,
    recorded as an import batch (the file's ``name``, by default the path's). An import that
    meets the same rows being imported by a concurrent one waits for it, checks again and
    counts them as already on file."""

    def check_and_write() -> Report:
        report, checked = check(
            session, mapping=mapping, header=header, rows=rows, suggester=suggester, locate=locate
        )
        if not dry_run:
            batch = batches.begin(session, mapping, name or path.name, now=now, actor=actor)
            write(
                session,
                mapping=mapping,
                report=report,
                rows=checked,
                now=now,
                actor=actor,
                batch_id=batch.id,
            )
            batches.record(batch, report)
        return report

    if not dry_run:  # its commit returns before its pages are copied back (SQLite)
        checkpoint_later(session)
    with collector_paused():  # its rows all live to the end: nothing for the collector
        header, rows = read_table(path)
        return retrying_races(session, check_and_write, race="uq_case_channel_external_id")
