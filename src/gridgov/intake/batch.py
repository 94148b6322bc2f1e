"""The door for a batch: the triage of :func:`gridgov.intake.service.receive`, record for
record, with the work done once per batch — one idempotency query, one locate over the
in-memory grid index, one classifier call, one duplicate query, routes and policies looked up
once, and multi-row inserts of cases, chained events, clocks, assignments and centre rows.

The per-record path stays the definition: a record this path does not take (a consultation
answered on the call, a grid worker's own handling, an assignment with instructions, a
report with no coordinates or grid, or anything it cannot check up front) goes through
``service.receive`` after the batch, and a test proves both paths leave the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.audit.chain import GENESIS, event_fields, fields_hash
from gridgov.auth.actor import SYSTEM, Actor
from gridgov.cases import repository as cases_repo
from gridgov.cases import schemas as s
from gridgov.cases import service as cases
from gridgov.cases import sla
from gridgov.cases.handlers import NO_POLICY
from gridgov.cases.permissions import Role
from gridgov.cases.workflow import Action, Status
from gridgov.catalog.repository import StandardCodes
from gridgov.catalog.service import calendar_for
from gridgov.dispatch.routing import Route
from gridgov.grids.coords import to_wgs84
from gridgov.intake import channels, deadletters, duplicates, pii, service
from gridgov.intake.decision import Facts, decide
from gridgov.intake.linkage import LINKED_CHANNELS
from gridgov.intake.reference import Reference
from gridgov.intake.suggest import Classification
from gridgov.kit.errors import Forbidden, ValidationFailed
from gridgov.kit.gc import collector_paused
from gridgov.nlp import similar
from gridgov.regions import repository as regions
from gridgov.store.engine import retried_on_race
from gridgov.store.fast import insert_many
from gridgov.store.models import (
    Case,
    CaseAssignment,
    CaseCenter,
    CaseDeadline,
    CaseEvent,
    CaseProtected,
    Center,
    Grid,
    Outbox,
    Region,
    TriagePolicy,
)


@dataclass
class _New:
    """One record on its way to becoming a case row and its events."""

    index: int
    draft: channels.Draft
    home: Center
    policy: TriagePolicy
    data: s.CaseCreate
    row: dict[str, Any]
    placed: service.Placed
    classification: Classification
    confident: bool
    protected: dict[str, str]
    kinds: list[str]
    events: list[tuple[str, str | None, str, str | None, dict[str, Any], int | None]] = field(
        default_factory=list
    )


@retried_on_race("uq_case_channel_external_id")
@collector_paused()  # a batch's rows live to its end: nothing for the collector (kit.gc)
def receive_batch(
    session: Session,
    *,
    channel: str,
    records: list[Any],
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
    triage: service.Triage,
    center: str | None = None,
) -> list[dict[str, Any]]:
    """Take a batch of one channel's records; one outcome per record, as ``receive_all``.

    A batch that meets the same record being received by a concurrent request (an offline
    upload retried while the first upload is still being written, on PostgreSQL) waits for
    that request at the unique constraint, then starts again from a savepoint and finds the
    record ``existing``: a retried upload gets an outcome per record, not an error."""
    if not actor.roles & cases.CREATE_ROLES:
        raise Forbidden(f"{actor.username} may not report cases")
    out: list[dict[str, Any] | None] = [None] * len(records)
    # where the batch was received: looked up once, and only if a letter needs it
    received_in = cache(partial(deadletters.received_in, session, actor=actor, center=center))

    later: list[int] = []  # records for the per-record path
    drafts: list[tuple[int, channels.Draft]] = []
    for i, record in enumerate(records):
        try:
            draft = service.parse_record(channel, record, None)
        except ValidationFailed as exc:
            out[i] = _rejected(session, i, channel, record, str(exc), now, received_in())
            continue
        if (
            draft.answer
            or draft.self_handle
            or draft.instruction
            or draft.attachments  # photos to check and link: rare, and the door's own work
            or (draft.lon is None and draft.grid_code is None)
        ):
            later.append(i)
        else:
            drafts.append((i, draft))

    drafts, repeats = _drop_known(session, drafts, out)
    invalid: list[tuple[int, str]] = []
    news = _prepare(
        session,
        drafts,
        actor=actor,
        center=center,
        triage=triage,
        later=later,
        invalid=invalid,
    )
    for i, detail in invalid:
        out[i] = _rejected(session, i, channel, records[i], detail, now, received_in())
    if news:
        _create(session, news, actor=actor, now=now, rules=rules, triage=triage)
        for new in news:
            out[new.index] = {
                "index": new.index,
                "outcome": "created",
                "number": new.row["number"],
                "status": new.row["status"],
                "explanation": new.row["triage"]["explanation"],
            }
    for i, first in repeats:  # the same record twice in one batch: one case
        done = out[first]
        if done is not None and done["outcome"] != "rejected":
            out[i] = {**done, "index": i, "outcome": "existing"}
        else:
            later.append(i)
    for i in sorted(later):
        out[i] = service.receive_all(
            session,
            channel=channel,
            records=[records[i]],
            actor=actor,
            now=now,
            rules=rules,
            triage=triage,
            center=center,
        )[0] | {"index": i}
    return [o for o in out if o is not None]


def _rejected(
    session: Session,
    index: int,
    channel: str,
    record: Any,
    reason: str,
    now: datetime,
    region: str | None,
) -> dict[str, Any]:
    letter = deadletters.dead_letter(
        session, channel=channel, payload=record, reason=reason, now=now, region_code=region
    )
    return {"index": index, "outcome": "rejected", "dead_letter": letter.id, "reason": reason}


def _drop_known(
    session: Session, drafts: list[tuple[int, channels.Draft]], out: list[Any]
) -> tuple[list[tuple[int, channels.Draft]], list[tuple[int, int]]]:
    """Records already on file are ``existing``; a repeat inside the batch is paired with
    its first occurrence."""
    by_channel: dict[str, set[str]] = {}
    for _, d in drafts:
        if d.external_id:
            by_channel.setdefault(d.channel.value, set()).add(d.external_id)
    known: dict[tuple[str, str], Any] = {}
    # by channel and id, the unique key's two columns: by id alone no index serves, and the
    # lookup scanned every case (2 → 6 ms a batch over 10,000 cases on SQLite)
    columns = [Case.channel, Case.external_id, Case.number, Case.status, Case.triage]
    for channel, ids in by_channel.items():
        for row in cases_repo.on_file(session, channel=channel, external_ids=ids, columns=columns):
            known[(row.channel, row.external_id)] = row
    keep: list[tuple[int, channels.Draft]] = []
    repeats: list[tuple[int, int]] = []
    first: dict[tuple[str, str], int] = {}
    for i, draft in drafts:
        key = (draft.channel.value, draft.external_id or "")
        if draft.external_id and key in known:
            row = known[key]
            out[i] = {
                "index": i,
                "outcome": "existing",
                "number": row.number,
                "status": row.status,
                "explanation": (row.triage or {}).get("explanation"),
            }
        elif draft.external_id and key in first:
            repeats.append((i, first[key]))
        else:
            if draft.external_id:
                first[key] = i
            keep.append((i, draft))
    return keep, repeats


def _prepare(
    session: Session,
    drafts: list[tuple[int, channels.Draft]],
    *,
    actor: Actor,
    center: str | None,
    triage: service.Triage,
    later: list[int],
    invalid: list[tuple[int, str]],
) -> list[_New]:
    """Locate, classify and build the validated case input of every record the batch can
    take; records for the per-record path go to ``later``, invalid ones to ``invalid``."""
    if not drafts:
        return []
    catalog_names = triage.suggester.catalog(session).names
    region_codes = {d.region_code for _, d in drafts if d.region_code}
    known_regions = set(session.scalars(select(Region.code).where(Region.code.in_(region_codes))))
    given_grids = {d.grid_code for _, d in drafts if d.grid_code and d.lon is None}
    grid_regions = {
        code: region
        for code, region in session.execute(
            select(Grid.code, Grid.region_code).where(Grid.code.in_(given_grids))
        )
    }
    taken: list[tuple[int, channels.Draft]] = []
    for i, draft in drafts:
        if (
            (draft.region_code and draft.region_code not in known_regions)
            or (draft.catalog_item and draft.catalog_item not in catalog_names)
            or (draft.lon is None and draft.grid_code not in grid_regions)
        ):
            later.append(i)  # the per-record path says what is wrong (a dead letter)
        else:
            taken.append((i, draft))
    located = _locate(session, taken, triage=triage)
    homes: dict[str | None, Center | None] = {}
    policies: dict[int, TriagePolicy] = {}
    texts, needs_model = [], []
    coded = [
        k for k, (_, d) in enumerate(taken) if not d.catalog_item and d.extra.get("standard_code")
    ]
    mapped: dict[int, Classification] = {}
    if coded:
        table = StandardCodes.load(session)
        for k in coded:
            standard = taken[k][1].extra["standard_code"]
            item = table.item_for(standard)
            if item:
                mapped[k] = service.by_standard_code(item, standard)
    for k, (_, draft) in enumerate(taken):
        if not draft.catalog_item and k not in mapped:
            needs_model.append(k)
            texts.append(service.classified_text(draft))
    suggested = dict(zip(needs_model, triage.suggester.suggest_many(session, texts), strict=True))
    news = []
    for k, (i, draft) in enumerate(taken):
        grid, region = located.get(k, (draft.grid_code, grid_regions.get(draft.grid_code or "")))
        if region is None:  # a point in no grid: the per-record path knows the fallbacks
            later.append(i)
            continue
        key = draft.region_code
        if key not in homes:
            homes[key] = service.centre_for(session, draft=draft, actor=actor, center=center)
        home = homes[key] or regions.center_for_region(session, code=region)
        if home.id not in policies:
            policies[home.id] = service.policy_for(session, center_id=home.id)
        policy = policies[home.id]
        if draft.catalog_item:
            classification = Classification(draft.catalog_item, 1.0, "channel")
        else:
            classification = mapped.get(k) or suggested[k]
        confident = classification.item_code is not None and (
            classification.source == "channel"
            or classification.confidence >= policy.classify_threshold
        )
        source = "coordinates" if draft.lon is not None else "grid"
        placed = service.Placed(region, draft.lon, draft.lat, grid, source, 1.0)
        masked = service.mask_draft(draft)
        fields = service.case_fields(
            draft,
            masked,
            placed,
            center=home.code,
            item=classification.item_code if confident else None,
        )
        try:
            data = s.CaseCreate.model_validate(fields)
        except ValidationError as exc:  # what the channel's own model could not know
            invalid.append((i, f"{draft.channel.value}: {s.describe(exc)}"))
            continue
        news.append(
            _New(
                index=i,
                draft=draft,
                home=home,
                policy=policy,
                data=data,
                row={},
                placed=placed,
                classification=classification,
                confident=confident,
                protected=masked.protected,
                kinds=masked.kinds,
            )
        )
    return news


def _locate(
    session: Session, taken: list[tuple[int, channels.Draft]], *, triage: service.Triage
) -> dict[int, tuple[str | None, str | None]]:
    """Grid and region of every record with coordinates, in one pass over the index."""
    points = [(k, d) for k, (_, d) in enumerate(taken) if d.lon is not None]
    if not points:
        return {}
    locator, region_of = triage.locator(session)
    lon = np.empty(len(points))
    lat = np.empty(len(points))
    for j, (_, d) in enumerate(points):
        x, y = to_wgs84(d.lon, d.lat, d.crs)  # type: ignore[arg-type]
        lon[j], lat[j] = round(float(x), 7), round(float(y), 7)
    codes = locator.codes_for(lon, lat)
    return {
        k: (code, region_of.get(code) if code else None)
        for (k, _), code in zip(points, codes, strict=True)
    }


def wgs84_of(data: s.CaseCreate) -> tuple[float | None, float | None]:
    if data.lon is None or data.lat is None:
        return None, None
    x, y = to_wgs84(data.lon, data.lat, data.crs)
    return round(float(x), 7), round(float(y), 7)


# ---- writing -----------------------------------------------------------------------------
def _create(
    session: Session,
    news: list[_New],
    *,
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
    triage: service.Triage,
) -> None:
    region_rows = {
        r.code: r
        for r in session.scalars(
            select(Region).where(Region.code.in_({n.data.region_code for n in news}))
        )
    }
    look = Reference.load(session, triage.suggester)
    items = look.items
    reporter = actor.user_id if actor.roles & {Role.grid_worker, Role.citizen} else None
    # numbers per centre and year, in record order
    years: dict[tuple[int, int], int] = {}
    for n in news:
        key = (n.home.id, now.astimezone(ZoneInfo(n.home.timezone)).year)
        years[key] = years.get(key, 0) + 1
    next_value = {
        key: cases_repo.reserve_numbers(session, center_id=key[0], year=key[1], count=count)
        for key, count in years.items()
    }
    ids = cases_repo.reserve_case_ids(session, len(news))
    weights = triage.suggester.bigram_weights()
    candidates = duplicates.Candidates(
        duplicates.open_cases(session, news, now=now, memo=triage.rows), triage.bigrams
    )
    texts = similar.weigh(
        similar.grams_many([(n.data.title, n.data.description) for n in news]), weights
    )
    for case_id, n in zip(ids, news, strict=True):
        data = n.data
        key = (n.home.id, now.astimezone(ZoneInfo(n.home.timezone)).year)
        number = f"{n.home.code}-{key[1]}-{next_value[key]:06d}"
        next_value[key] += 1
        region = region_rows[data.region_code]
        lon, lat = wgs84_of(data)
        n.row = {
            "id": case_id,
            "number": number,
            "county_code": region.county_code or region.code[:6],
            "center_id": n.home.id,
            "origin_center_id": n.home.id,
            "channel": data.channel.value,
            "external_id": data.external_id,
            "title": data.title,
            "description": data.description,
            "address": data.address,
            "lon": lon,
            "lat": lat,
            "source_crs": data.crs.value,
            "source_lon": data.lon,
            "source_lat": data.lat,
            "region_code": data.region_code,
            "grid_code": data.grid_code,
            "catalog_item_id": items[data.catalog_item].id if data.catalog_item else None,
            "priority": data.priority.value,
            "status": Status.submitted.value,
            "version": 1,
            "reporter_user_id": reporter,
            "reporter_name": data.reporter_name,
            "reporter_phone": data.reporter_phone,
            "caller_key": pii.caller_key(data.reporter_phone),
            "created_at": now,
            "updated_at": now,
        }
        create = data.model_dump(
            mode="json", exclude_none=True, exclude={"reporter_name", "reporter_phone"}
        )
        n.events = [("create", None, "submitted", actor.username, create, actor.user_id)]
    # each meets the open cases near it and the batch's earlier reports; triage reads and
    # writes none of what the duplicate check looks at (county, time, place, grid)
    rows = [n.row for n in news]
    near = candidates.near_many(rows, [n.policy for n in news])
    candidates.know(rows, texts)
    candidates.load_texts(session, [o for others in near for o in others], weights)
    found = duplicates.best_duplicates(list(zip(news, texts, strict=True)), near, candidates)
    for n, duplicate in zip(news, found, strict=True):
        if duplicate:
            n.row["probable_duplicate_id"] = duplicate[0]["id"]
            n.row["duplicate_score"] = duplicate[1].score
        _triage(session, n, duplicate, look, actor, now, rules)
    _write(session, news, now)


def _triage(
    session: Session,
    n: _New,
    duplicate: tuple[dict[str, Any], similar.Score] | None,
    look: Reference,
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
) -> None:
    """Route, decide, and apply accept/dispatch to the rows, as the workflow would."""
    row, policy = n.row, n.policy
    item_code = n.classification.item_code
    routed: Route | None = None
    if item_code is not None:
        routed = look.route(item_code, row["region_code"], n.home.level)
    item = look.items.get(n.data.catalog_item) if n.data.catalog_item else None
    off_list = tuple(
        code
        for code in ((routed.lead_unit, *routed.assisting) if routed else ())
        if (look.units[code].center_id if code in look.units else None) != n.home.id
    )
    facts = Facts(
        answer=None,
        self_handle=None,
        item_known=item is not None,
        item_admissible=bool(item and item.grid_admissible),
        by_grid_worker=Role.grid_worker in actor.roles,
        confident_item=n.confident,
        located=n.placed.confidence >= policy.locate_threshold,
        duplicate_of=duplicate[0]["number"] if duplicate else None,
        auto_accept=policy.auto_accept,
        auto_dispatch=policy.auto_dispatch,
        off_list=off_list,
    )
    outcome, steps = decide(facts, routed, actor)
    record = service.triage_record(
        classification=n.classification,
        names=look.names,
        placed=n.placed,
        duplicate=(duplicate[0]["number"], duplicate[1]) if duplicate else None,
        routed=routed,
        outcome=outcome,
        extra=n.draft.extra,
    )
    explanation = record["explanation"]
    row["triage"] = record
    n.events.append(
        ("triage", "submitted", "submitted", SYSTEM.username, {"explanation": explanation}, None)
    )
    for action, _who, payload in steps:
        if action is Action.accept:
            row["status"], row["accepted_at"] = Status.accepted.value, now
            row["version"] += 1
            n.events.append(("accept", "submitted", "accepted", SYSTEM.username, payload, None))
        elif action is Action.dispatch:
            due = _dispatch(session, n, payload, look, now, rules)
            if due is None:
                row["triage"] = service.failed(record, outcome, "dispatch", NO_POLICY)
                break
            n.events.append(
                ("dispatch", "accepted", "dispatched", SYSTEM.username, {**payload, **due}, None)
            )


def _dispatch(
    session: Session,
    n: _New,
    payload: dict[str, Any],
    look: Reference,
    now: datetime,
    rules: cases.Rules,
) -> dict[str, Any] | None:
    """The dispatch handler's effects on the rows: assignments, clocks, colour."""
    row = n.row
    item = look.items[n.data.catalog_item] if n.data.catalog_item else None
    policy = look.policy(session, item) if item else None
    if policy is None:
        return None
    lead = look.units[payload["lead_unit"]]
    row["assignments"] = [(lead.id, "lead")] + [
        (look.units[c].id, "assisting") for c in dict.fromkeys(payload["assisting_units"])
    ]
    row["lead_unit_id"], row["verifier_id"], row["dispatched_at"] = lead.id, None, now
    # every clock of a batch starts at ``now``: the clocks, due times and colour are the same
    # for every case of one policy, time zone and county
    key = (policy.id, n.home.timezone, row["county_code"])
    if key not in look.clocks:
        calendar = calendar_for(
            session, tz=key[1], office_hours=rules.office_hours, county_code=key[2]
        )
        look.clocks[key] = _clocks(policy, calendar, now)
    row["clocks"], due, row["sla_colour"] = look.clocks[key]
    row["status"] = Status.dispatched.value
    row["version"] += 1
    return {"due": due} if due else {}


def _clocks(
    policy: Any, calendar: Any, now: datetime
) -> tuple[list[tuple[Any, Any, datetime, datetime]], dict[str, str], str | None]:
    """The sign and handle clocks a dispatch at ``now`` starts under ``policy``: (clock,
    limit, due, warn) each, the due times by step, and the case's colour."""
    clocks = []
    due: dict[str, str] = {}
    colours = []
    for step in (sla.Step.sign, sla.Step.handle):
        limit = next((lim for lim in policy.limits if lim.step == step.value), None)
        if limit is None:
            continue
        clock = sla.StepClock(
            step=step,
            started_at=now,
            limit=sla.Limit(limit.amount, sla.LimitUnit(limit.unit)),
            warning_ratio=policy.warning_ratio,
        )
        due_at, warn_at = sla.due_at(clock, calendar), sla.warn_at(clock, calendar)
        clocks.append((clock, limit, due_at, warn_at))
        due[step.value] = due_at.isoformat()
        # sla.colour of a clock that has just started (nothing paused) at ``now``
        colours.append("overdue" if now >= due_at else "warning" if now >= warn_at else "normal")
    worst = max(colours, key=("normal", "warning", "overdue").index, default=None)
    return clocks, due, worst


def _write(session: Session, news: list[_New], now: datetime) -> None:
    case_rows, events, centres, protected, assignments, clocks, outbox = [], [], [], [], [], [], []
    memo: dict[str, str] = {}  # the batch's strings, masked
    for n in news:
        row = n.row
        prev = GENESIS
        for seq, (action, before, after, who, payload, who_id) in enumerate(n.events, start=1):
            payload = pii.mask_payload(payload, memo)
            # what link_hash of the event would give, without building a ChainedEvent per event
            fields = event_fields(row["id"], seq, now, who, action, before, after, payload)
            digest = fields_hash(prev, fields)
            events.append(
                {
                    "case_id": row["id"],
                    "county_code": row["county_code"],
                    "seq": seq,
                    "at": now,
                    "actor_id": who_id,
                    "actor": who,
                    "action": action,
                    "from_status": before,
                    "to_status": after,
                    "payload": payload,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            if row["channel"] in LINKED_CHANNELS and before != after:
                outbox.append(
                    {
                        "target": row["channel"],
                        "case_id": row["id"],
                        "external_id": row["external_id"],
                        "payload": {
                            "number": row["number"],
                            "action": action,
                            "status": after,
                            "at": now.isoformat(),
                            "note": payload.get("note")
                            or payload.get("result")
                            or payload.get("reason"),
                        },
                        "created_at": now,
                    }
                )
            prev = digest
        row["event_count"], row["last_hash"] = len(n.events), prev
        centres.append(
            {"case_id": row["id"], "center_id": row["center_id"], "relation": "owner", "since": now}
        )
        for unit_id, role in row.pop("assignments", []):
            assignments.append(
                {
                    "case_id": row["id"],
                    "county_code": row["county_code"],
                    "unit_id": unit_id,
                    "role": role,
                    "assigned_at": now,
                }
            )
        for clock, limit, due_at, warn_at in row.pop("clocks", []):
            clocks.append(
                {
                    "case_id": row["id"],
                    "county_code": row["county_code"],
                    "step": clock.step.value,
                    "seq": 1,
                    "started_at": now,
                    "limit_amount": limit.amount,
                    "limit_unit": limit.unit,
                    "warning_ratio": clock.warning_ratio,
                    "due_at": due_at,
                    "warn_at": warn_at,
                }
            )
        if n.protected:
            protected.append(
                {
                    "case_id": row["id"],
                    "county_code": row["county_code"],
                    "fields": n.protected,
                    "kinds": n.kinds,
                }
            )
        case_rows.append(row)
    conn = session.connection()
    columns = set().union(*(r.keys() for r in case_rows))
    for r in case_rows:  # one shape for executemany
        for c in columns:
            r.setdefault(c, None)
    insert_many(conn, Case.__table__, case_rows)
    insert_many(conn, CaseEvent.__table__, events)
    insert_many(conn, CaseCenter.__table__, centres)
    insert_many(conn, CaseAssignment.__table__, assignments)
    insert_many(conn, CaseDeadline.__table__, clocks)
    insert_many(conn, CaseProtected.__table__, protected)
    insert_many(conn, Outbox.__table__, outbox)
