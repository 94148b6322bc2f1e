"""Case steps: load → pure rule → persist. Services never commit; the caller's unit of work does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session, aliased

from gridgov.audit.chain import GENESIS
from gridgov.auth import scope
from gridgov.auth.actor import Actor
from gridgov.cases import attachments, callers, deadlines, handlers, repository, sla
from gridgov.cases import schemas as s
from gridgov.cases.permissions import Relation, Role, may
from gridgov.cases.workflow import Action, CaseFacts, Status, allowed_actions, apply
from gridgov.catalog import repository as catalog
from gridgov.catalog.calendar import WorkingCalendar
from gridgov.catalog.service import calendar_for
from gridgov.grids import repository as grids
from gridgov.grids.coords import to_wgs84
from gridgov.intake import batches, decision, pii
from gridgov.kit.errors import Conflict, Forbidden, ValidationFailed
from gridgov.kit.pagination import PageParams
from gridgov.regions import repository as regions
from gridgov.store.models import (
    Case,
    CaseCenter,
    CaseEvent,
    CaseProtected,
    CatalogItem,
    Center,
    Region,
    Unit,
    User,
)
from gridgov.store.types import json_array_has

CREATE_ROLES = frozenset(
    {Role.agent, Role.dispatcher, Role.grid_worker, Role.leader, Role.citizen, Role.system}
)


@dataclass(frozen=True)
class Rules:
    """Installation-wide settings the case steps need."""

    office_hours: str = "08:30-12:00,13:30-17:30"


@dataclass(frozen=True)
class Created:
    case: Case
    created: bool  # False when the same channel + external id was already on file


def case_calendar(session: Session, *, case: Case, rules: Rules) -> WorkingCalendar:
    center = session.get(Center, case.center_id)
    tz = center.timezone if center else "Asia/Shanghai"
    return calendar_for(
        session, tz=tz, office_hours=rules.office_hours, county_code=case.county_code
    )


def create_case(
    session: Session, *, data: s.CaseCreate | dict[str, object], actor: Actor, now: datetime
) -> Created:
    if isinstance(data, dict):
        try:
            data = s.CaseCreate.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed(s.describe(exc)) from exc
    if not actor.roles & CREATE_ROLES:
        raise Forbidden(f"{actor.username} may not report cases")
    # personal data in the text is kept apart and the case (and its create event) keeps the
    # text masked, whichever way the case came in (the intake door masks before it gets here)
    title, in_title = pii.mask_text(data.title)
    description, in_text = pii.mask_text(data.description)
    originals, kinds = pii.kept_apart(
        {"title": (data.title, in_title), "description": (data.description, in_text)}
    )
    if originals:
        data = data.model_copy(update={"title": title, "description": description})
    if data.external_id:
        existing = repository.find_by_external_id(
            session, channel=data.channel.value, external_id=data.external_id
        )
        if existing is not None:
            keyed = data.external_id.startswith(repository.IDEM)
            if keyed and not _made_by(session, existing, data):
                key = data.external_id.removeprefix(repository.IDEM)
                # a retry sends the same case; a new one under an old key would be answered
                # with the old case and silently lost
                raise Conflict(
                    f"Idempotency-Key {key!r} was used for another case ({existing.number}): "
                    "a new case needs a new key"
                )
            return Created(existing, created=False)
    region = regions.get_region(session, code=data.region_code)
    center = (
        regions.get_center(session, code=data.center)
        if data.center
        else regions.center_for_region(session, code=region.code)
    )
    item_id = catalog.get_item(session, code=data.catalog_item).id if data.catalog_item else None
    county = _county_code(session, region)
    lon, lat, grid_code = _place(session, data)
    year = now.astimezone(ZoneInfo(center.timezone)).year
    case = Case(
        number=repository.next_number(
            session, center_id=center.id, center_code=center.code, year=year
        ),
        county_code=county,
        center_id=center.id,
        origin_center_id=center.id,
        channel=data.channel.value,
        external_id=data.external_id,
        title=data.title,
        description=data.description,
        address=data.address,
        lon=lon,
        lat=lat,
        source_crs=data.crs.value,
        source_lon=data.lon,
        source_lat=data.lat,
        region_code=region.code,
        grid_code=grid_code,
        catalog_item_id=item_id,
        priority=data.priority.value,
        status=Status.submitted.value,
        version=1,
        reporter_user_id=actor.user_id if actor.roles & {Role.grid_worker, Role.citizen} else None,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        caller_key=pii.caller_key(data.reporter_phone),
        created_at=now,
        updated_at=now,
        last_hash=GENESIS,
    )
    session.add(case)
    session.flush()
    if originals:
        session.add(
            CaseProtected(case_id=case.id, county_code=county, fields=originals, kinds=kinds)
        )
    session.add(CaseCenter(case_id=case.id, center_id=center.id, relation="owner", since=now))
    repository.append_event(
        session,
        case=case,
        at=now,
        actor_id=actor.user_id,
        actor=actor.username,
        action="create",
        from_status=None,
        to_status=Status.submitted.value,
        payload=_create_payload(data),
    )
    return Created(case, created=True)


def _create_payload(data: s.CaseCreate) -> dict[str, Any]:
    return data.model_dump(
        mode="json", exclude_none=True, exclude={"reporter_name", "reporter_phone"}
    )


def _made_by(session: Session, case: Case, data: s.CaseCreate) -> bool:
    """Whether ``case`` was made from this same request (its create event's payload)."""
    first = session.scalar(
        select(CaseEvent.payload).where(CaseEvent.case_id == case.id, CaseEvent.seq == 1)
    )
    return first == pii.mask_payload(_create_payload(data))


def _place(session: Session, data: s.CaseCreate) -> tuple[float | None, float | None, str | None]:
    """WGS-84 lon/lat of the report and its grid (located when not given)."""
    if data.lon is None or data.lat is None:
        return None, None, data.grid_code
    x, y = to_wgs84(data.lon, data.lat, data.crs)
    lon, lat = round(float(x), 7), round(float(y), 7)
    grid_code = data.grid_code or grids.comprehensive_at(session, lon=lon, lat=lat)
    return lon, lat, grid_code


def _county_code(session: Session, region: Region) -> str:
    if region.county_code:
        return region.county_code
    return region.code[:6]


def facts(session: Session, *, case: Case) -> CaseFacts:
    item = session.get(CatalogItem, case.catalog_item_id) if case.catalog_item_id else None
    center = session.get(Center, case.center_id)
    return CaseFacts(
        suspended=case.suspended,
        extension_pending=case.pending_extension is not None,
        suspension_pending=case.pending_suspension is not None,
        grid_admissible=bool(item and item.grid_admissible),
        verification_required=item.verification_required if item else True,
        visited=case.visited,
        visit_due=visit_due(session, case),
        dissatisfied=case.satisfaction == s.Satisfaction.dissatisfied.value
        or (case.status == Status.closed and merged_dissatisfied(session, case)),
        has_upper_center=bool(center and center.parent_id is not None),
    )


def merged_dissatisfied(session: Session, case: Case) -> bool:
    """Whether a reporter merged into this case was called back and is dissatisfied (since it
    last closed: reopening it clears the merged reporters' visits)."""
    dissatisfied = s.Satisfaction.dissatisfied.value
    found = select(Case.id).where(
        Case.duplicate_of_id == case.id, Case.visited.is_(True), Case.satisfaction == dissatisfied
    )
    return session.scalar(found.limit(1)) is not None


def visit_due(session: Session, case: Case) -> bool:
    """A closed case owes its reporter a return visit; so does a report merged into a case
    that has closed (reopened, it owes none until it closes again)."""
    if case.status == Status.closed:
        return True
    if case.status != Status.rejected or case.duplicate_of_id is None:
        return False
    joined = session.scalar(select(Case.status).where(Case.id == case.duplicate_of_id))
    return joined == Status.closed.value


def owing_visit() -> ColumnElement[bool]:
    """:func:`visit_due` and not yet visited, as a condition on cases: the agents' call list."""
    joined = aliased(Case)
    joined_closed = (
        select(joined.id)
        .where(joined.id == Case.duplicate_of_id, joined.status == Status.closed.value)
        .exists()
    )
    return Case.visited.is_(False) & (
        (Case.status == Status.closed.value)
        | ((Case.status == Status.rejected.value) & joined_closed)
    )


def relations(session: Session, *, case: Case, actor: Actor) -> set[Relation]:
    held: set[Relation] = set()
    if actor.center_id is not None and actor.center_id == case.center_id:
        held.add(Relation.owning_center)
    if actor.unit_id is not None:
        for assignment in repository.active_assignments(session, case_id=case.id):
            if assignment.unit_id == actor.unit_id:
                held.add(
                    Relation.lead_unit if assignment.role == "lead" else Relation.assisting_unit
                )
    if actor.region_code and actor.region_code in regions.region_chain(
        session, code=case.region_code
    ):
        held.add(Relation.in_region)
    if actor.user_id is not None and actor.user_id == case.reporter_user_id:
        held.add(Relation.reporter)
    if actor.user_id is not None and actor.user_id == case.verifier_id:
        held.add(Relation.verifier)
    return held


def act(
    session: Session,
    *,
    number: str,
    action: Action | str,
    actor: Actor,
    payload: object = None,
    now: datetime,
    rules: Rules,
    expected_version: int | None = None,
) -> Case:
    """Apply one workflow action to a case, or raise and write nothing."""
    try:
        action = Action(action)
    except ValueError:
        raise ValidationFailed(f"unknown action {action!r}") from None
    data = s.parse_action_input(action, payload)
    case = repository.get_by_number(session, number=number, visible=visible_to(session, actor))
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            f"case {number} is at version {case.version}, not {expected_version}; reload it"
        )
    # The move must be legal now (else 409, also for the loser of a race), and then allowed
    # to this actor (else 403).
    old = Status(case.status)
    new = apply(old, action, facts(session, case=case))
    if not may(action, actor.roles, relations(session, case=case, actor=actor)):
        # Relations are read after the case row: if another transaction moved the case in
        # between (a unit released by a concurrent return), this is a lost race, not a refusal.
        current = session.scalar(select(Case.version).where(Case.id == case.id))
        if current != case.version:
            raise Conflict(f"case {number} changed while this action was checked; reload it")
        raise Forbidden(f"{actor.username} may not {action.value} case {number}")
    repository.claim(session, case=case, now=now)
    calendar = case_calendar(session, case=case, rules=rules)
    ctx = handlers.Context(
        session=session,
        case=case,
        actor=actor,
        data=data,
        now=now,
        calendar=calendar,
        new_status=new,
    )
    handlers.HANDLERS[action](ctx)
    case.status = new.value
    session.flush()
    deadlines.refresh_colour(session, case=case, calendar=calendar, now=now)
    repository.append_event(
        session,
        case=case,
        at=now,
        actor_id=actor.user_id,
        actor=actor.username,
        action=action.value,
        from_status=old.value,
        to_status=new.value,
        payload={**data.model_dump(mode="json", exclude_none=True), **ctx.extra},
    )
    session.flush()
    return case


def actions_for(session: Session, *, case: Case, actor: Actor) -> list[Action]:
    """The actions this actor may take on this case now (workflow, guards and permissions)."""
    held = relations(session, case=case, actor=actor)
    return [
        a
        for a in allowed_actions(Status(case.status), facts(session, case=case))
        if may(a, actor.roles, held)
    ]


# ---- reading ----------------------------------------------------------------------------
def _code(
    session: Session, model: type[Center] | type[Unit] | type[CatalogItem], pk: int | None
) -> str | None:
    if pk is None:
        return None
    row = session.get(model, pk)
    return row.code if row else None


def read(session: Session, *, case: Case, now: datetime, rules: Rules) -> s.CaseRead:
    calendar = case_calendar(session, case=case, rules=rules)
    rows = repository.deadlines(session, case_id=case.id)
    deadline_reads = []
    for row in rows:
        clock = deadlines.clock_of(row)
        colour = deadlines.colour_of(row, calendar, now)
        remaining = None if row.ended_at else sla.remaining_seconds(clock, calendar, now) / 3600
        deadline_reads.append(
            s.DeadlineRead(
                step=row.step,
                seq=row.seq,
                started_at=row.started_at,
                limit=f"{row.limit_amount:g} {row.limit_unit}",
                due_at=row.due_at,
                warn_at=row.warn_at,
                ended_at=row.ended_at,
                paused=row.paused_since is not None,
                colour=colour,
                remaining_hours=round(remaining, 2) if remaining is not None else None,
            )
        )
    assignments = repository.active_assignments(session, case_id=case.id)
    trail = repository.center_trail(session, case_id=case.id)
    verifier = session.get(User, case.verifier_id) if case.verifier_id else None
    duplicate = session.get(Case, case.duplicate_of_id) if case.duplicate_of_id else None
    probable = session.get(Case, case.probable_duplicate_id) if case.probable_duplicate_id else None
    protected = session.get(CaseProtected, case.id)
    worst = deadlines.worst_colour(rows, calendar, now)
    return s.CaseRead(
        number=case.number,
        version=case.version,
        status=case.status,
        channel=case.channel,
        external_id=case.external_id,
        import_batch=case.import_batch_id,
        title=case.title,
        description=case.description,
        address=case.address,
        lon=case.lon,
        lat=case.lat,
        source_crs=case.source_crs,
        source_lon=case.source_lon,
        source_lat=case.source_lat,
        region_code=case.region_code,
        county_code=case.county_code,
        grid_code=case.grid_code,
        center=_code(session, Center, case.center_id) or "",
        origin_center=_code(session, Center, case.origin_center_id) or "",
        escalated_from=[
            _code(session, Center, t.center_id) or ""
            for t in trail
            if t.relation == "escalated_from"
        ],
        catalog_item=_code(session, CatalogItem, case.catalog_item_id),
        priority=case.priority,
        lead_unit=_code(session, Unit, case.lead_unit_id),
        assisting_units=[
            _code(session, Unit, a.unit_id) or "" for a in assignments if a.role == "assisting"
        ],
        verifier=verifier.username if verifier else None,
        reporter_name=pii.mask_name(case.reporter_name),
        reporter_phone=pii.mask_phone(case.reporter_phone),
        personal_data=protected.kinds if protected else [],
        suspended=case.suspended,
        pending_extension=case.pending_extension,
        pending_suspension=case.pending_suspension,
        supervised_level=case.supervised_level,
        duplicate_of=duplicate.number if duplicate else None,
        probable_duplicate=probable.number if probable else None,
        duplicate_score=case.duplicate_score,
        merged=repository.children(session, case_id=case.id),
        triage=case.triage,
        satisfaction=case.satisfaction,
        counts={
            "returns": case.return_count,
            "escalations": case.escalation_count,
            "extensions": case.extension_count,
            "reworks": case.rework_count,
            "reopens": case.reopen_count,
            "events": case.event_count,
        },
        sla_colour=worst,
        deadlines=deadline_reads,
        created_at=case.created_at,
        updated_at=case.updated_at,
        closed_at=case.closed_at,
        attachments=[
            s.AttachmentRead.model_validate(a)
            for a in attachments.for_case(session, case_id=case.id)
        ],
    )


def read_events(session: Session, *, case: Case) -> list[s.EventRead]:
    return [
        s.EventRead.model_validate(e, from_attributes=True)
        for e in repository.events(session, case_id=case.id)
    ]


def visible_to(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The actor's data scope as a condition on cases (see :mod:`gridgov.auth.scope`)."""
    return scope.case_condition(session, actor)


def get_visible(session: Session, *, number: str, actor: Actor) -> Case:
    """The case if it exists *and* lies in the actor's scope; else 404 either way."""
    return repository.get_by_number(session, number=number, visible=visible_to(session, actor))


@dataclass(frozen=True)
class CaseQuery:
    """The queue's filters beyond centre, status and colour (all optional, all combined)."""

    channels: tuple[str, ...] = ()
    region: str | None = None  # the region and everything below it
    unit: str | None = None  # lead unit code
    category: str | None = None  # catalogue item code and everything below it
    supervised: bool | None = None
    to_visit: bool = False  # only those owing their reporter a return visit
    waiting: str | None = None  # only those triage left to a person for this reason (REASONS)
    text: str | None = None  # in the number or the title
    created_from: datetime | None = None
    created_to: datetime | None = None
    import_batch: int | None = None  # only the cases this bulk import wrote
    caller_of: str | None = None  # only the cases of this case's caller (its callback number)
    sort: str = "-created_at"

    def conditions(self, session: Session, actor: Actor) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.channels:
            found.append(Case.channel.in_(self.channels))
        if self.region:
            regions.get_region(session, code=self.region)
            found.append(Case.region_code.in_(scope.region_subtree(self.region, "filter_regions")))
        if self.unit:
            found.append(Case.lead_unit_id == regions.get_unit(session, code=self.unit).id)
        if self.category:
            catalog.get_item(session, code=self.category)  # 404 for an unknown code
            found.append(
                Case.catalog_item_id.in_(scope.catalog_subtree((self.category,), "filter_items"))
            )
        if self.supervised is not None:
            found.append(
                Case.supervised_level > 0 if self.supervised else Case.supervised_level == 0
            )
        if self.to_visit:
            found.append(owing_visit())
        if self.waiting:
            found.extend(waiting_for(self.waiting))
        if self.text:
            found.append(
                Case.title.contains(self.text, autoescape=True)
                | Case.number.contains(self.text, autoescape=True)
            )
        if self.created_from is not None:
            found.append(Case.created_at >= self.created_from)
        if self.created_to is not None:
            found.append(Case.created_at < self.created_to)
        if self.import_batch is not None:
            # 404 for no such batch, as for a code; any centre's (its cases are scoped apart)
            batches.find(session, self.import_batch)
            found.append(Case.import_batch_id == self.import_batch)
        if self.caller_of is not None:
            found.append(
                Case.caller_key == callers.key_of(session, number=self.caller_of, actor=actor)
            )
        return found


def waiting_for(reason: str) -> list[ColumnElement[bool]]:
    """The cases triage left to a person for ``reason`` (``decision.REASONS``) that still wait
    where it left them: what the queue's status column says (``web.explain.waiting``)."""
    where = decision.waiting_for(reason)
    failed = Case.triage[("failed", "action")].as_string()
    found = [Case.status == where.status]
    if where.failed:
        return [*found, failed == where.failed]
    found += [failed.is_(None), Case.triage[("outcome", "key")].as_string() == where.key]
    if where.wait:
        found.append(json_array_has(Case.triage, ("outcome", "waits"), where.wait))
    return found


def waiting_counts(session: Session, *, actor: Actor) -> dict[str, int]:
    """How many of the actor's cases wait for a person for each reason (``waiting_for``), in
    one query; reasons no case waits for are left out."""
    sums = [
        func.coalesce(func.sum(when((and_(*waiting_for(reason)), 1), else_=0)), 0)
        for reason in decision.REASONS
    ]
    row = session.execute(
        select(*sums).where(Case.status.in_(list(decision.LEFT_AT)), visible_to(session, actor))
    ).one()
    return {r: int(n) for r, n in zip(decision.REASONS, row, strict=True) if n}


def list_cases(
    session: Session,
    *,
    actor: Actor,
    center_code: str | None,
    statuses: list[str],
    colour: str | None,
    page: PageParams,
    query: CaseQuery | None = None,
) -> s.CasePage:
    center_id = regions.get_center(session, code=center_code).id if center_code else None
    query = query or CaseQuery()
    rows, total = repository.list_cases(
        session,
        center_id=center_id,
        statuses=statuses,
        colour=colour,
        page=page,
        visible=visible_to(session, actor),
        filters=query.conditions(session, actor),
        sort=query.sort,
    )
    items = [
        s.CaseSummary(
            number=c.number,
            status=c.status,
            title=c.title,
            channel=c.channel,
            center=_code(session, Center, c.center_id) or "",
            escalated=escalated,
            lead_unit=_code(session, Unit, c.lead_unit_id),
            sla_colour=c.sla_colour,
            supervised_level=c.supervised_level,
            merged=c.duplicate_of_id is not None,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c, escalated in rows
    ]
    return s.CasePage(items=items, total=total, page=page.page, page_size=page.page_size)


def get_user(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))
