"""Open311 GeoReport v2 over the platform's catalogue and cases.

- *services* are the active leaves of the catalogue (``group`` = the level-1 item);
- a *service request* is a case: ``service_request_id`` is the case number; POSTs go through
  the intake door as the ``open311`` channel, so they are classified, located, checked for
  duplicates and routed like every other report;
- *public* output: cases from the channels citizens use (not 110, leaders or superiors),
  masked text, no reporter, no internal ids; ``jurisdiction_id`` is a centre code.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from gridgov.auth import credentials
from gridgov.auth.actor import Actor
from gridgov.auth.scope import region_subtree
from gridgov.cases import service as cases
from gridgov.intake import service as intake
from gridgov.kit.errors import AppError, Unauthenticated
from gridgov.open311 import spec
from gridgov.open311.spec import Open311Error
from gridgov.store.models import Case, CaseDeadline, CaseEvent, CatalogItem, Center, Unit

PRIVATE_CHANNELS = frozenset({"police_110", "leader", "superior"})
STATUS_NOTES = {
    "submitted": "已受理登记，等待分拨",
    "accepted": "已受理，等待派遣",
    "dispatched": "已派遣至承办单位",
    "in_progress": "承办单位正在办理",
    "handled": "已办理，等待核查",
    "verifying": "正在核查办理结果",
    "closed": "已办结",
    "rejected": "不予受理",
    "answered": "已当场解答",
}
MERGED_NOTE = "已并入 {} 一并办理"  # a duplicate, after merge_into: follow that request


@dataclass(frozen=True)
class Scope:
    """The jurisdiction asked for: a centre's region subtree, or every public case."""

    center: Center | None

    def condition(self) -> ColumnElement[bool]:
        public = Case.channel.not_in(PRIVATE_CHANNELS)
        if self.center is None:
            return public
        return and_(public, Case.region_code.in_(region_subtree(self.center.region_code)))


def jurisdiction(session: Session, jurisdiction_id: str | None) -> Scope:
    if not jurisdiction_id:
        return Scope(None)
    center = session.scalar(select(Center).where(Center.code == jurisdiction_id))
    if center is None:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction_id!r} was not found")
    return Scope(center)


# ---- services -----------------------------------------------------------------------------
def _catalog(session: Session) -> tuple[dict[int, CatalogItem], set[int]]:
    items = {i.id: i for i in session.scalars(select(CatalogItem).where(CatalogItem.active))}
    parents = {i.parent_id for i in items.values() if i.parent_id is not None}
    return items, parents


def _group(items: Mapping[int, CatalogItem], item: CatalogItem) -> str:
    while item.parent_id is not None and item.parent_id in items:
        item = items[item.parent_id]
    return item.name


def services(session: Session) -> list[dict[str, Any]]:
    items, parents = _catalog(session)
    leaves = sorted((i for i in items.values() if i.id not in parents), key=lambda i: i.code)
    return [
        {
            "service_code": i.code,
            "service_name": i.name,
            "description": i.description or i.name,
            "metadata": bool(i.attributes),
            "type": "realtime",
            "keywords": i.keywords,
            "group": _group(items, i),
        }
        for i in leaves
    ]


def _service(session: Session, code: str) -> CatalogItem:
    items, parents = _catalog(session)
    item = next((i for i in items.values() if i.code == code), None)
    if item is None or item.id in parents:
        raise Open311Error(404, f"service_code {code!r} was not found")
    return item


def definition(session: Session, code: str) -> dict[str, Any]:
    item = _service(session, code)
    attrs = spec.parse_definitions(item.attributes)
    return {
        "service_code": item.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype.value,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                **({"values": [v.model_dump() for v in a.values]} if a.values else {}),
            }
            for a in attrs
        ],
    }


# ---- POST requests ------------------------------------------------------------------------
FIELDS = (
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)


def key_actor(session: Session, api_key: str | None, now: datetime) -> Actor:
    if not api_key:
        raise Open311Error(403, "api_key was not provided")
    try:
        return credentials.check_api_key(session, key=api_key, now=now).actor
    except Unauthenticated as exc:
        raise Open311Error(403, f"api_key is invalid: {exc.detail}") from None


def submit(
    session: Session,
    *,
    form: Mapping[str, list[str]],
    actor: Actor,
    scope: Scope,
    now: datetime,
    platform_rules: cases.Rules,
    triage: intake.Triage,
    idempotency_key: str | None,
) -> dict[str, Any] | Open311Error:
    def field(name: str) -> str | None:
        values = form.get(name) or []
        if len(values) > 1:
            raise Open311Error(400, f"{name} was given more than once")
        return values[0].strip() if values and values[0].strip() else None

    code = field("service_code")
    if code is None:
        raise Open311Error(400, "service_code was not provided")
    item = _service(session, code)
    answers: dict[str, list[str]] = {}
    for name, values in form.items():  # attribute[CODE], or attribute[CODE][] for lists
        if name.startswith("attribute[") and name.endswith("]"):
            answers.setdefault(name[len("attribute[") : -1].removesuffix("]["), []).extend(values)
    attrs = spec.check_answers(spec.parse_definitions(item.attributes), answers)
    lat, lon, address = field("lat"), field("long"), field("address_string") or field("address_id")
    if (lat is None or lon is None) and address is None:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    try:
        coords = (float(lat), float(lon)) if lat is not None and lon is not None else None
    except ValueError:
        raise Open311Error(400, "lat and long must be numbers") from None
    description = field("description") or item.name
    token = secrets.token_hex(12)
    payload: dict[str, Any] = {
        "service_code": code,
        "description": description,
        "address_string": address or "",
        "token": f"o311:{token}",
        **{k: field(k) for k in ("first_name", "last_name", "phone", "email", "device_id")},
        **{k: field(k) for k in ("account_id", "media_url")},
    }
    if coords is not None:
        payload["lat"], payload["long"] = coords
    if attrs:
        payload["attributes"] = attrs
    payload = {k: v for k, v in payload.items() if v is not None}
    received = intake.receive(
        session,
        channel="open311",
        payload=payload,
        actor=actor,
        now=now,
        rules=platform_rules,
        triage=triage,
        center=scope.center.code if scope.center else None,
        idempotency_key=idempotency_key,
    )
    if received.case is None:  # kept as a dead letter: returned, not raised, so it commits
        letter = received.dead_letter
        reason = letter.reason if letter else "the request could not be accepted"
        return Open311Error(400, f"{reason} (kept as dead letter {letter.id if letter else '-'})")
    external = received.case.external_id or ""
    return {
        "service_request_id": received.case.number,
        "token": external.removeprefix("o311:") if external.startswith("o311:") else None,
        "service_notice": "",
        "account_id": field("account_id"),
    }


def token(session: Session, token_id: str, scope: Scope) -> list[dict[str, Any]]:
    number = session.scalar(
        select(Case.number).where(
            Case.channel == "open311", Case.external_id == f"o311:{token_id}", scope.condition()
        )
    )
    if number is None:
        raise Open311Error(404, f"token {token_id!r} was not found")
    return [{"service_request_id": number, "token": token_id}]


# ---- GET requests -------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    ids: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    statuses: set[str]
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = spec.MAX_RESULTS


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def parse_query(params: Mapping[str, str], *, extensions: bool, now: datetime) -> Query:
    def time(name: str) -> datetime | None:
        return spec.parse_time(params[name], name) if params.get(name) else None

    start, end = time("start_date"), time("end_date")
    ids = _split(params.get("service_request_id"))
    if not ids:  # the spec's default window: the most recent 90 days
        if end is None:
            end = now if start is None else start + timedelta(days=spec.DEFAULT_WINDOW_DAYS)
        if start is None:
            start = end - timedelta(days=spec.DEFAULT_WINDOW_DAYS)
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > timedelta(days=spec.MAX_WINDOW_DAYS):
            raise Open311Error(
                400, f"start_date to end_date may not span more than {spec.MAX_WINDOW_DAYS} days"
            )
    page, size = 1, spec.MAX_RESULTS
    if extensions:
        try:
            page = int(params.get("page") or 1)
            size = int(params.get("page_size") or spec.MAX_RESULTS)
        except ValueError:
            raise Open311Error(400, "page and page_size must be whole numbers") from None
        if page < 1 or not 1 <= size <= spec.MAX_RESULTS:
            raise Open311Error(400, f"page ≥ 1 and 1 ≤ page_size ≤ {spec.MAX_RESULTS}")
    return Query(
        ids=ids,
        service_codes=_split(params.get("service_code")),
        start=start,
        end=end,
        statuses=spec.statuses_for(params["status"]) if params.get("status") else set(),
        updated_after=time("updated_after") if extensions else None,
        updated_before=time("updated_before") if extensions else None,
        page=page,
        page_size=size,
    )


def find(
    session: Session, q: Query, scope: Scope, *, zone: ZoneInfo, extensions: bool
) -> list[dict[str, Any]]:
    stmt = select(Case).where(scope.condition())
    if q.ids:
        stmt = stmt.where(Case.number.in_(q.ids))
    else:
        if q.service_codes:
            codes = select(CatalogItem.id).where(CatalogItem.code.in_(q.service_codes))
            stmt = stmt.where(Case.catalog_item_id.in_(codes))
        if q.start is not None:
            stmt = stmt.where(Case.created_at >= q.start)
        if q.end is not None:
            stmt = stmt.where(Case.created_at <= q.end)
        if q.statuses == {"open"}:
            stmt = stmt.where(Case.status.not_in(spec.CLOSED_STATUSES))
        elif q.statuses == {"closed"}:
            stmt = stmt.where(Case.status.in_(spec.CLOSED_STATUSES))
        if q.updated_after is not None:
            stmt = stmt.where(Case.updated_at > q.updated_after)
        if q.updated_before is not None:
            stmt = stmt.where(Case.updated_at < q.updated_before)
    stmt = (
        stmt.order_by(Case.created_at.desc(), Case.id.desc())
        .offset((q.page - 1) * q.page_size)
        .limit(q.page_size)
    )
    rows = list(session.scalars(stmt))
    return render(session, rows, zone=zone, extensions=extensions)


def one(
    session: Session, number: str, scope: Scope, *, zone: ZoneInfo, extensions: bool
) -> list[dict[str, Any]]:
    case = session.scalar(select(Case).where(Case.number == number, scope.condition()))
    if case is None:
        raise Open311Error(404, f"service_request_id {number!r} was not found")
    return render(session, [case], zone=zone, extensions=extensions)


def render(
    session: Session, rows: Sequence[Case], *, zone: ZoneInfo, extensions: bool
) -> list[dict[str, Any]]:
    ids = [c.id for c in rows]
    items = {
        i.id: i
        for i in session.scalars(
            select(CatalogItem).where(
                CatalogItem.id.in_({c.catalog_item_id for c in rows if c.catalog_item_id})
            )
        )
    }
    units = dict(
        session.execute(
            select(Unit.id, Unit.name).where(
                Unit.id.in_({c.lead_unit_id for c in rows if c.lead_unit_id})
            )
        ).all()
    )
    expected = dict(
        session.execute(
            select(CaseDeadline.case_id, func.max(CaseDeadline.due_at))
            .where(CaseDeadline.case_id.in_(ids), CaseDeadline.ended_at.is_(None))
            .group_by(CaseDeadline.case_id)
        ).all()
    )
    numbers = dict(
        session.execute(
            select(Case.id, Case.number).where(
                Case.id.in_({x for c in rows for x in (c.parent_id, c.duplicate_of_id) if x})
            )
        ).all()
    )
    # a duplicate merged into another case is not refused: it is handled with that case
    merged = {
        c.id: MERGED_NOTE.format(numbers[c.duplicate_of_id])
        for c in rows
        if c.status == "rejected" and c.duplicate_of_id in numbers
    }
    notes: dict[int, list[dict[str, Any]]] = {}
    if extensions and ids:
        for e in session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id.in_(ids))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        ):
            if e.action != "create" and e.from_status == e.to_status:
                continue  # comments, urges, reveals: internal work, not public updates
            notes.setdefault(e.case_id, []).append(
                {
                    "datetime": spec.w3c(e.at, zone),
                    "summary": merged.get(e.case_id, STATUS_NOTES.get(e.to_status, e.to_status))
                    if e.action == "merge_into"
                    else STATUS_NOTES.get(e.to_status, e.to_status),
                    "type": e.action,
                    "status": spec.public_status(e.to_status),
                }
            )
    out = []
    for c in rows:
        item = items.get(c.catalog_item_id) if c.catalog_item_id else None
        channel = (c.triage or {}).get("channel") or {}
        request: dict[str, Any] = {
            "service_request_id": c.number,
            "status": spec.public_status(c.status),
            "status_notes": merged.get(c.id) or STATUS_NOTES.get(c.status, ""),
            "service_name": item.name if item else None,
            "service_code": item.code if item else None,
            "description": c.description or c.title,
            "agency_responsible": units.get(c.lead_unit_id) if c.lead_unit_id else None,
            "service_notice": "",
            "requested_datetime": spec.w3c(c.created_at, zone),
            "updated_datetime": spec.w3c(c.updated_at, zone),
            "expected_datetime": spec.w3c(expected.get(c.id), zone),
            "address": c.address or None,
            "address_id": None,
            "zipcode": None,
            "lat": c.lat,
            "long": c.lon,
            "media_url": channel.get("media_url"),
        }
        if extensions:
            request["extended_attributes"] = {
                "channel": c.channel,
                "grid_code": c.grid_code,
                "region_code": c.region_code,
                "workflow_status": c.status,
                "parent_service_request_id": numbers.get(c.parent_id) if c.parent_id else None,
                "duplicate_of": numbers.get(c.duplicate_of_id) if c.duplicate_of_id else None,
                "attributes": channel.get("attributes") or {},
            }
            request["notes"] = notes.get(c.id, [])
        out.append(request)
    return out


def describe(error: AppError) -> Open311Error:
    """A platform error met inside an Open311 call, in the spec's terms."""
    code = error.status_code if error.status_code in (400, 403, 404) else 400
    return Open311Error(code, error.detail)
