"""One door: every channel's record becomes one case, triaged, with the reasons on the case.

validate → idempotency → personal data → locate → classify → create → duplicate check → route
→ automatic accept/dispatch when the centre's thresholds are met, else the dispatcher's queue.

A record that cannot become a case is kept verbatim as a dead letter, with the reason, and can
be replayed (after the cause is fixed: a missing catalogue item, a region not yet imported) or
replayed with a corrected payload. Services never commit; the caller's unit of work does.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.auth.actor import SYSTEM, Actor
from gridgov.cases import attachments
from gridgov.cases import repository as cases_repo
from gridgov.cases import schemas as s
from gridgov.cases import service as cases
from gridgov.cases.permissions import Role
from gridgov.catalog.repository import StandardCodes
from gridgov.dispatch import rules as rules_db
from gridgov.dispatch.routing import Route
from gridgov.grids import repository as grids_repo
from gridgov.grids.coords import Crs
from gridgov.grids.service import Locator, build_locator
from gridgov.intake import channels, deadletters, duplicates, pii
from gridgov.intake.decision import Facts, Outcome, Step, decide
from gridgov.intake.locate import Placed, locate, place_words
from gridgov.intake.suggest import Classification, Suggester
from gridgov.intake.titles import title_from
from gridgov.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gridgov.nlp import similar
from gridgov.regions import repository as regions
from gridgov.store.engine import retrying_races
from gridgov.store.models import (
    Case,
    CaseProtected,
    CatalogItem,
    Center,
    DeadLetter,
    TriagePolicy,
    Unit,
)


@dataclass
class Received:
    case: Case | None
    created: bool
    dead_letter: DeadLetter | None = None


@dataclass
class Triage:
    """What automatic triage needs besides the database: the classifier, and for batches
    the in-memory grid index (rebuilt when the grids change) and the remembered bigrams and
    rows of stored cases (duplicate candidates)."""

    suggester: Suggester
    _locator: tuple[object, Locator, dict[str, str]] | None = None
    bigrams: duplicates.GramMemo = field(default_factory=duplicates.GramMemo)
    rows: duplicates.RowMemo = field(default_factory=duplicates.RowMemo)

    def locator(self, session: Session) -> tuple[Locator, dict[str, str]]:
        """The grid index and each comprehensive grid's region."""
        current = grids_repo.revision(session)
        cached = self._locator
        if cached is None or cached[0] != current:
            cached = (current, *grid_places(session))
            self._locator = cached
        return cached[1], cached[2]


def grid_places(session: Session) -> tuple[Locator, dict[str, str]]:
    """The grid index, built afresh, and each comprehensive grid's region."""
    index = build_locator(session)
    return index, dict(zip(index.codes.tolist(), index.regions, strict=True))


def policy_for(session: Session, *, center_id: int) -> TriagePolicy:
    found = session.get(TriagePolicy, center_id)
    if found is not None:
        return found
    return TriagePolicy(
        center_id=center_id,
        classify_threshold=0.85,
        locate_threshold=0.8,
        auto_accept=True,
        auto_dispatch=True,
        duplicate_threshold=0.3,
        duplicate_window_hours=72.0,
        duplicate_radius_m=500.0,
    )


POLICY_FIELDS = (
    "classify_threshold",
    "locate_threshold",
    "auto_accept",
    "auto_dispatch",
    "duplicate_threshold",
    "duplicate_window_hours",
    "duplicate_radius_m",
)


def set_policy(session: Session, *, center_id: int, changes: dict[str, Any]) -> TriagePolicy:
    """Change some of a centre's thresholds (``None`` values are left as they are)."""
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(f"no triage setting named {', '.join(sorted(unknown))}")
    row = session.get(TriagePolicy, center_id)
    if row is None:
        row = policy_for(session, center_id=center_id)
        session.add(row)
    for name, value in changes.items():
        if value is not None:
            setattr(row, name, value)
    session.flush()
    return row


def policy_dict(row: TriagePolicy) -> dict[str, Any]:
    return {name: getattr(row, name) for name in POLICY_FIELDS}


# ---- the door ---------------------------------------------------------------------------
def receive(
    session: Session,
    *,
    channel: str,
    payload: object,
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
    triage: Triage,
    center: str | None = None,
    idempotency_key: str | None = None,
) -> Received:
    """Take one record from a channel. Bad records become dead letters, never exceptions —
    except when the actor may not report at all (:class:`Forbidden`)."""
    try:
        return take(
            session,
            channel=channel,
            payload=payload,
            actor=actor,
            now=now,
            rules=rules,
            triage=triage,
            center=center,
            idempotency_key=idempotency_key,
        )
    except (ValidationFailed, NotFound) as exc:
        letter = deadletters.dead_letter(
            session,
            channel=channel,
            payload=payload,
            reason=str(exc),
            now=now,
            idempotency_key=idempotency_key,
            region_code=deadletters.received_in(session, actor=actor, center=center),
        )
        return Received(None, created=False, dead_letter=letter)


def take(
    session: Session,
    *,
    channel: str,
    payload: object,
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
    triage: Triage,
    center: str | None = None,
    idempotency_key: str | None = None,
) -> Received:
    """:func:`receive_or_raise` for an actor who may report, run again from a savepoint when
    the same record, arriving on another connection a moment ago, is met at the unique
    constraint (the second run then finds that one's case)."""
    if not actor.roles & cases.CREATE_ROLES:
        raise Forbidden(f"{actor.username} may not report cases")
    return retrying_races(
        session,
        partial(
            receive_or_raise,
            session,
            channel=channel,
            payload=payload,
            actor=actor,
            now=now,
            rules=rules,
            triage=triage,
            center=center,
            idempotency_key=idempotency_key,
        ),
        race="uq_case_channel_external_id",
    )


def receive_all(
    session: Session,
    *,
    channel: str,
    records: list[Any],
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
    triage: Triage,
    center: str | None = None,
) -> list[dict[str, Any]]:
    """An offline batch: each record through the door on its own, one outcome each."""
    out = []
    for i, record in enumerate(records):
        got = receive(
            session,
            channel=channel,
            payload=record,
            actor=actor,
            now=now,
            rules=rules,
            triage=triage,
            center=center,
        )
        if got.case is None:
            assert got.dead_letter is not None
            letter = got.dead_letter
            out.append(
                {
                    "index": i,
                    "outcome": "rejected",
                    "dead_letter": letter.id,
                    "reason": letter.reason,
                }
            )
            continue
        out.append(
            {
                "index": i,
                "outcome": "created" if got.created else "existing",
                "number": got.case.number,
                "status": got.case.status,
                "explanation": (got.case.triage or {}).get("explanation"),
            }
        )
    return out


def receive_or_raise(
    session: Session,
    *,
    channel: str,
    payload: object,
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
    triage: Triage,
    center: str | None,
    idempotency_key: str | None = None,
    replaying: bool = False,
) -> Received:
    """:func:`receive` of one record, raising where ``receive`` keeps a dead letter."""
    draft = parse_record(channel, payload, idempotency_key)
    if draft.external_id:
        existing = cases_repo.find_by_external_id(
            session, channel=draft.channel.value, external_id=draft.external_id
        )
        if existing is not None:
            kept = ((existing.triage or {}).get("channel") or {}).get(KEYED)
            if kept and kept != draft.extra.get(KEYED) and not replaying:
                # a retry sends the same record; a new record under an old key would be
                # answered with the old case and silently lost
                raise Conflict(
                    f"Idempotency-Key {idempotency_key!r} was used for another record (case "
                    f"{existing.number}): a new record needs a new key"
                )
            return Received(existing, created=False)
    # photos uploaded first (POST /attachments): checked before anything is written
    photos = attachments.unlinked(
        session, ids=draft.attachments, uploader_id=actor.user_id, anyones=replaying
    )
    chosen = centre_for(session, draft=draft, actor=actor, center=center)
    policy = (
        policy_for(session, center_id=chosen.id) if chosen else policy_for(session, center_id=0)
    )

    masked = mask_draft(draft)
    placed = locate(session, draft=draft, home=chosen, threshold=policy.locate_threshold)
    home = chosen or regions.center_for_region(session, code=placed.region_code)
    if chosen is None:
        policy = policy_for(session, center_id=home.id)

    given = draft.catalog_item
    standard = draft.extra.get("standard_code")
    mapped = StandardCodes.load(session).item_for(standard) if standard and not given else None
    if given:
        item = session.scalar(select(CatalogItem).where(CatalogItem.code == given))
        if item is None:
            raise NotFound(f"no catalogue item {given!r}")
        classification = Classification(given, 1.0, "channel")
    elif mapped:
        classification = by_standard_code(mapped, standard)
    else:
        classification = triage.suggester.suggest(session, classified_text(draft))
    confident_item = classification.item_code is not None and (
        classification.source == "channel" or classification.confidence >= policy.classify_threshold
    )
    fields = case_fields(
        draft,
        masked,
        placed,
        center=home.code,
        item=classification.item_code if confident_item else None,
    )
    try:
        data = s.CaseCreate.model_validate(fields)
    except ValidationError as exc:  # what the channel's own model could not know
        raise ValidationFailed(f"{draft.channel.value}: {s.describe(exc)}") from exc
    case = cases.create_case(session, data=data, actor=actor, now=now).case
    for photo in photos:
        photo.case_id, photo.county_code = case.id, case.county_code
    if masked.protected:
        session.add(
            CaseProtected(
                case_id=case.id,
                county_code=case.county_code,
                fields=masked.protected,
                kinds=masked.kinds,
            )
        )
    duplicate = duplicates.find_duplicate(
        session, case=case, policy=policy, now=now, weights=triage.suggester.bigram_weights()
    )
    routed = _route(session, triage=triage, case=case, item=classification.item_code)
    outcome, steps = _decide(
        session,
        case=case,
        draft=draft,
        actor=actor,
        policy=policy,
        confident_item=confident_item,
        placed=placed,
        duplicate=duplicate,
        routed=routed,
    )
    record = triage_record(
        classification=classification,
        names=triage.suggester.catalog(session).names,
        placed=placed,
        duplicate=(duplicate[0].number, duplicate[1]) if duplicate else None,
        routed=routed,
        outcome=outcome,
        extra=draft.extra,
    )
    explanation = record["explanation"]
    case.triage = record
    cases_repo.append_event(
        session,
        case=case,
        at=now,
        actor_id=None,
        actor=SYSTEM.username,
        action="triage",
        from_status=case.status,
        to_status=case.status,
        payload={
            "explanation": explanation,
            **({"instruction": draft.instruction} if draft.instruction else {}),
        },
    )
    session.flush()
    for action, who, step_payload in steps:
        # an automatic step that cannot be taken (a unit without a time-limit policy, say)
        # leaves the case, valid as it is, in the dispatcher's queue with the reason
        try:
            with session.begin_nested():
                cases.act(
                    session,
                    number=case.number,
                    action=action,
                    actor=who,
                    payload=step_payload,
                    now=now,
                    rules=rules,
                )
        except (ValidationFailed, NotFound, Conflict) as exc:
            case.triage = failed(record, outcome, action.value, exc.detail)
            break
    return Received(case, created=True)


def failed(record: dict[str, Any], outcome: Outcome, action: str, detail: str) -> dict[str, Any]:
    """The triage record of a case whose automatic ``action`` could not be taken: it waits
    in the dispatcher's queue, with the reason."""
    note = f"automatic {action} failed ({detail}): dispatcher queue"
    return {
        **record,
        "decision": f"{outcome.words}; {note}",
        "explanation": f"{record['explanation']}; {note}",
        "failed": {"action": action, "detail": detail},
    }


def parse_record(channel: str, payload: object, idempotency_key: str | None) -> channels.Draft:
    draft = channels.parse(channel, payload)
    if idempotency_key and not draft.external_id:
        draft.external_id = f"{cases_repo.IDEM}{idempotency_key}"[:100]
        # kept on the case: a retry must send the same record (see receive_or_raise)
        draft.extra = {**draft.extra, KEYED: request_digest(payload)}
    return draft


KEYED = "idempotency_digest"


def request_digest(payload: object) -> str:
    """A record's fingerprint, whatever the order of its fields."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Masked:
    """A draft's text and title with personal data masked, and the originals to protect."""

    text: str
    title: str
    protected: dict[str, str]  # field → original, for the fields that held personal data
    kinds: list[str]


def by_standard_code(item: str, standard_code: str) -> Classification:
    """An inspector's event whose standard part/event code the catalogue maps to an item."""
    return Classification(item, 1.0, "standard_code", terms=[standard_code])


def classified_text(draft: channels.Draft) -> str:
    """What the classifier reads of a record (:func:`classifier_text`)."""
    return classifier_text(draft.title, draft.text)


def classifier_text(title: str, text: str) -> str:
    """What the classifier reads of a subject and a message: as the history it learnt from
    reads, the subject then the message, without personal data (:func:`pii.without`)."""
    return f"{pii.without(title)}{pii.without(text)}"


def mask_draft(draft: channels.Draft) -> Masked:
    text, found_text = pii.mask_text(draft.text)
    title_source = draft.title or title_from(text)  # cut from the masked text: no half IDs
    title, found_title = pii.mask_text(title_source)
    protected, kinds = pii.kept_apart(
        {"title": (title_source, found_title), "description": (draft.text, found_text)}
    )
    return Masked(text, title, protected, kinds)


def case_fields(
    draft: channels.Draft, masked: Masked, placed: Placed, *, center: str, item: str | None
) -> dict[str, Any]:
    """The case-creation input for a triaged draft (validated by ``CaseCreate``)."""
    return {
        "channel": draft.channel,
        "title": masked.title[:200] if len(masked.title) >= 2 else "无标题",
        "description": masked.text,
        "region_code": placed.region_code,
        "center": center,
        "external_id": draft.external_id,
        "address": draft.address,
        "lon": placed.lon,
        "lat": placed.lat,
        "crs": draft.crs if placed.source == "coordinates" else Crs.wgs84,
        "grid_code": placed.grid_code,
        "catalog_item": item,
        "priority": draft.priority,
        "reporter_name": draft.reporter_name,
        "reporter_phone": draft.reporter_phone,
    }


def centre_for(
    session: Session, *, draft: channels.Draft, actor: Actor, center: str | None
) -> Center | None:
    """The receiving centre: the one named, else the actor's (a 12345 agent's county centre,
    a grid worker's town centre), else the centre of the region the record names; None when
    only the record's location can tell."""
    if center:
        return regions.get_center(session, code=center)
    if actor.center_id is not None:
        found = session.get(Center, actor.center_id)
        if found is not None:
            return found
    if draft.region_code:
        return regions.center_for_region(session, code=draft.region_code)
    return None


def triage_record(
    *,
    classification: Classification,
    names: dict[str, str],
    placed: Placed,
    duplicate: tuple[str, similar.Score] | None,
    routed: Route | None,
    outcome: Outcome,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """What triage found and decided, as kept on the case, with its one-line explanation
    ("classified as …; grid …; rule … → unit …; dispatched automatically to …"); each part
    is there as data too, for the console to say it in its reader's language."""
    explanation = "; ".join(
        part
        for part in (
            classification.explain(names),
            place_words(placed),
            f"{duplicate[1].explain()} → like {duplicate[0]}" if duplicate else "",
            routed.explain() if routed else "no routing rule",
            outcome.words,
        )
        if part
    )
    return {
        "classification": classification.as_dict(),
        "location": placed.as_dict(),
        "duplicate": (
            {
                "case": duplicate[0],
                "score": duplicate[1].score,
                "text": duplicate[1].text,
                "distance_m": duplicate[1].distance_m,
                "hours": duplicate[1].hours,
                "why": duplicate[1].explain(),
            }
            if duplicate
            else None
        ),
        "route": routed.as_dict() if routed else None,
        "decision": outcome.words,
        "outcome": outcome.as_dict(),
        "explanation": explanation,
        "channel": extra,
    }


# ---- routing and decisions --------------------------------------------------------------
def _route(session: Session, *, triage: Triage, case: Case, item: str | None) -> Route | None:
    if item is None:
        return None
    center = session.get(Center, case.center_id)
    return rules_db.route_for(
        session,
        item=item,
        region_code=case.region_code,
        center_level=center.level if center else "*",
    )


def _decide(
    session: Session,
    *,
    case: Case,
    draft: channels.Draft,
    actor: Actor,
    policy: TriagePolicy,
    confident_item: bool,
    placed: Placed,
    duplicate: tuple[Case, similar.Score] | None,
    routed: Route | None,
) -> tuple[Outcome, list[Step]]:
    item = session.get(CatalogItem, case.catalog_item_id) if case.catalog_item_id else None
    off_list = tuple(
        code
        for code in ((routed.lead_unit, *routed.assisting) if routed else ())
        if session.scalar(select(Unit.center_id).where(Unit.code == code)) != case.center_id
    )
    facts = Facts(
        answer=draft.answer,
        self_handle=draft.self_handle,
        item_known=item is not None,
        item_admissible=bool(item and item.grid_admissible),
        by_grid_worker=Role.grid_worker in actor.roles,
        confident_item=confident_item,
        located=placed.confidence >= policy.locate_threshold,
        duplicate_of=duplicate[0].number if duplicate else None,
        auto_accept=policy.auto_accept,
        auto_dispatch=policy.auto_dispatch,
        off_list=off_list,
    )
    return decide(facts, routed, actor)


# ---- dead letters -----------------------------------------------------------------------
IMPORT_LINE = re.compile(r"bulk import line (\d+): ")


def replay(
    session: Session,
    *,
    letter_id: int,
    actor: Actor,
    now: datetime,
    rules: cases.Rules,
    triage: Triage,
    payload: dict[str, Any] | None = None,
    center: str | None = None,
) -> Received:
    """Feed a dead letter through the door again (optionally corrected); a bulk import's
    row, through the import with the mapping it was read with. On success the letter is
    marked replayed with its case; on failure it stays pending with the new reason. The
    letter is locked first (:func:`deadletters.pending`)."""
    letter = deadletters.pending(session, letter_id, actor)
    body = payload if payload is not None else letter.payload
    imported = letter.import_mapping is not None
    found = IMPORT_LINE.match(letter.reason) if imported else None
    line = int(found[1]) if found else 0
    # the record keeps its identity: the Idempotency-Key it came with, or its id where a
    # correction left it out; so two letters of one record replayed make one case
    # (an imported row is known by its cells, through the mapping)
    key, known = None, None if imported else letter.external_id
    if known and known.startswith(cases_repo.IDEM):
        key = known.removeprefix(cases_repo.IDEM)
    elif known and isinstance(body, dict):
        id_field = channels.id_field(letter.channel)
        if id_field and body.get(id_field) in (None, ""):
            body = {**body, id_field: known}
    letter.attempts += 1
    try:
        with session.begin_nested():
            if imported:
                result = _replay_row(session, letter, body, actor, now, triage, line)
            else:
                result = receive_or_raise(
                    session,
                    channel=letter.channel,
                    payload=body,
                    actor=actor,
                    now=now,
                    rules=rules,
                    triage=triage,
                    center=center,
                    idempotency_key=key,
                    replaying=True,
                )
    except (ValidationFailed, NotFound) as exc:
        letter.reason = f"bulk import line {line}: {exc}" if imported else str(exc)
        return Received(None, created=False, dead_letter=letter)
    letter.state = "replayed"
    letter.case_id = result.case.id if result.case else None
    letter.resolved_at = now
    if payload is not None:
        letter.payload = {**letter.payload, "_corrected": deadletters.jsonable(payload)}
    return result


def _replay_row(
    session: Session,
    letter: DeadLetter,
    cells: object,
    actor: Actor,
    now: datetime,
    triage: Triage,
    line: int,
) -> Received:
    """A bulk import's refused row (as kept or corrected) read and written as the import
    does, with the mapping it was read with."""
    from gridgov.intake import bulk  # the import uses this module's policies: imported late

    if not isinstance(cells, dict):
        raise ValidationFailed("a row of an export is an object: its columns and cells")
    case = bulk.replay_row(
        session,
        mapping_source=dict(letter.import_mapping or {}),
        cells=cells,
        line=line,
        suggester=triage.suggester,
        now=now,
        actor=actor.username,
        locate=triage.locator,
        batch_id=letter.import_batch_id,
    )
    return Received(case, created=True)
