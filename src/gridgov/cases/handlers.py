"""What each action does besides changing the status, keyed by action (one handler each).

A handler checks what the input references (raising ``ValidationFailed`` / ``NotFound``; the
caller's transaction then rolls back, so nothing is written), changes the case and its clocks,
and puts the facts it derives (new due times, the approved request) in ``ctx.extra`` for the
event payload. The status itself is set by the service from the transition table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.auth import scope
from gridgov.auth.actor import Actor
from gridgov.cases import attachments, deadlines, repository
from gridgov.cases import schemas as s
from gridgov.cases.permissions import Role
from gridgov.cases.sla import Limit, Step
from gridgov.cases.workflow import Action, Status
from gridgov.catalog import repository as catalog
from gridgov.catalog.calendar import WorkingCalendar
from gridgov.kit.errors import ValidationFailed
from gridgov.regions import repository as regions
from gridgov.store.models import (
    Case,
    CaseAssignment,
    CaseCenter,
    CatalogItem,
    Center,
    Grid,
    SlaPolicy,
    Unit,
    User,
)


@dataclass
class Context:
    session: Session
    case: Case
    actor: Actor
    data: Any
    now: datetime
    calendar: WorkingCalendar
    new_status: Status
    extra: dict[str, Any] = field(default_factory=dict)

    _policy: tuple[int | None, SlaPolicy | None] | None = None

    def policy(self) -> SlaPolicy | None:
        """The SLA policy of the case's catalogue item (looked up once per item)."""
        item_id = self.case.catalog_item_id
        if self._policy is None or self._policy[0] != item_id:
            item = self.session.get(CatalogItem, item_id) if item_id is not None else None
            found = catalog.policy_for_item(self.session, item=item) if item else None
            self._policy = (item_id, found)
        return self._policy[1]

    def start(self, step: Step) -> None:
        row = deadlines.start_step(
            self.session,
            case=self.case,
            step=step,
            policy=self.policy(),
            now=self.now,
            calendar=self.calendar,
        )
        if row is not None:
            self.extra.setdefault("due", {})[step.value] = row.due_at.isoformat()

    def end(self, *steps: Step) -> None:
        deadlines.end_steps(self.session, case=self.case, steps=steps, now=self.now)


Handler = Callable[[Context], None]


def _set_item(ctx: Context, code: str | None) -> None:
    if code is None:
        return
    item = catalog.get_item(ctx.session, code=code)
    ctx.case.catalog_item_id = item.id
    ctx.case.priority = item.priority if ctx.case.priority == "normal" else ctx.case.priority


def _set_grid(ctx: Context, code: str | None) -> None:
    """A dispatcher places a case intake could not: in a grid of the owning centre's area
    (its region follows the grid's)."""
    if code is None or code == ctx.case.grid_code:
        return
    grid = ctx.session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        raise ValidationFailed(f"no grid {code!r}")
    area = ctx.session.scalar(select(Center.region_code).where(Center.id == ctx.case.center_id))
    if area and not grid.region_code.startswith(area):
        raise ValidationFailed(f"grid {code} lies outside this centre's area")
    ctx.extra["placed_in"] = code  # the timeline's line (a case's record names its grid too)
    if ctx.case.grid_code:
        ctx.extra["grid_was"] = ctx.case.grid_code
    ctx.case.grid_code, ctx.case.region_code = code, grid.region_code


def _release_units(ctx: Context) -> None:
    for assignment in repository.active_assignments(ctx.session, case_id=ctx.case.id):
        assignment.released_at = ctx.now
    ctx.case.lead_unit_id = None


def accept(ctx: Context) -> None:
    data: s.AcceptInput = ctx.data
    _set_item(ctx, data.catalog_item)
    _set_grid(ctx, data.grid_code)
    if data.priority is not None:
        ctx.case.priority = data.priority.value
    ctx.case.accepted_at = ctx.now


def merge_into(ctx: Context) -> None:
    data: s.MergeInput = ctx.data
    target = repository.get_by_number(
        ctx.session, number=data.into, visible=scope.case_condition(ctx.session, ctx.actor)
    )
    if target.id == ctx.case.id:
        raise ValidationFailed("a case cannot be merged into itself")
    if target.status in (Status.rejected, Status.answered):
        raise ValidationFailed(f"case {target.number} is {target.status}; merge into an open one")
    ctx.case.duplicate_of_id = target.id
    ctx.case.parent_id = target.id
    # Reports merged into this one go along: a merged report always points at the case that
    # is handled, whose closing makes its reporter's return visit due.
    along = repository.merged_into(ctx.session, case_id=ctx.case.id)
    for report in along:
        repository.claim(ctx.session, case=report, now=ctx.now)
        report.duplicate_of_id = report.parent_id = target.id
        _log(ctx, report, "follow_merge", {"into": target.number, "with": ctx.case.number})
    if target.status == Status.closed:  # its reporters are owed their visits at once
        item = ctx.session.get(CatalogItem, target.catalog_item_id)
        policy = catalog.policy_for_item(ctx.session, item=item) if item else None
        for report in (ctx.case, *along):
            if not report.visited:
                _visit_clock(ctx, report, policy)
    # the parent's log says it absorbed the reports: its closing owes each reporter a visit
    repository.claim(ctx.session, case=target, now=ctx.now)
    absorbed: dict[str, Any] = {"duplicate": ctx.case.number, "reason": data.reason or ""}
    if along:
        absorbed["with"] = [r.number for r in along]
    _log(ctx, target, "absorb_duplicate", absorbed)


def _closing(ctx: Context) -> None:
    """The case closes: its reporter's return visit is due, and each merged reporter's not
    yet called back, on the same time limit (the merged reports have no item of their own)."""
    ctx.case.closed_at = ctx.now
    ctx.start(Step.visit)
    for report in repository.merged_into(ctx.session, case_id=ctx.case.id):
        if not report.visited:
            _visit_clock(ctx, report, ctx.policy())


def _visit_clock(ctx: Context, report: Case, policy: SlaPolicy | None) -> None:
    """Start a merged report's return-visit clock, under the policy of the case it joined."""
    deadlines.start_step(
        ctx.session,
        case=report,
        step=Step.visit,
        policy=policy,
        now=ctx.now,
        calendar=ctx.calendar,
    )
    deadlines.refresh_colour(ctx.session, case=report, calendar=ctx.calendar, now=ctx.now)


def _log(ctx: Context, case: Case, action: str, payload: dict[str, Any]) -> None:
    """An event on another case than the one acted on, its status unchanged."""
    repository.append_event(
        ctx.session,
        case=case,
        at=ctx.now,
        actor_id=ctx.actor.user_id,
        actor=ctx.actor.username,
        action=action,
        from_status=case.status,
        to_status=case.status,
        payload=payload,
    )


def answer_directly(ctx: Context) -> None:
    ctx.case.closed_at = ctx.now


def self_handle(ctx: Context) -> None:
    data: s.ResultInput = ctx.data
    attachments.link(ctx.session, case=ctx.case, ids=data.attachments)
    ctx.case.handled_at = ctx.now
    if ctx.new_status is Status.closed:
        _closing(ctx)
    else:
        ctx.start(Step.verify)


NO_POLICY = "the catalogue item has no SLA policy; an admin must set one"


def dispatch(ctx: Context) -> None:
    data: s.DispatchInput = ctx.data
    _set_item(ctx, data.catalog_item)
    _set_grid(ctx, data.grid_code)
    if ctx.case.catalog_item_id is None:
        raise ValidationFailed("choose a catalogue item before dispatching (it sets the limits)")
    if ctx.policy() is None:
        raise ValidationFailed(NO_POLICY)
    lead = regions.get_unit(ctx.session, code=data.lead_unit)
    assisting = [regions.get_unit(ctx.session, code=c) for c in dict.fromkeys(data.assisting_units)]
    for unit in (lead, *assisting):
        if unit.center_id != ctx.case.center_id:
            raise ValidationFailed(f"unit {unit.code} is not on this centre's dispatch list")
    if lead in assisting:
        raise ValidationFailed("the lead unit cannot also be an assisting unit")
    _release_units(ctx)
    for unit, role in [(lead, "lead"), *[(u, "assisting") for u in assisting]]:
        ctx.session.add(
            CaseAssignment(
                case_id=ctx.case.id,
                county_code=ctx.case.county_code,
                unit_id=unit.id,
                role=role,
                assigned_at=ctx.now,
            )
        )
    ctx.case.lead_unit_id = lead.id
    ctx.case.verifier_id = None
    ctx.case.dispatched_at = ctx.now
    ctx.start(Step.sign)
    ctx.start(Step.handle)


def sign(ctx: Context) -> None:
    for assignment in repository.active_assignments(ctx.session, case_id=ctx.case.id):
        if assignment.role == "lead":
            assignment.signed_at = ctx.now
    ctx.end(Step.sign)


def return_(ctx: Context) -> None:
    _release_units(ctx)
    ctx.end(Step.sign, Step.handle)
    ctx.case.pending_extension = None
    ctx.case.pending_suspension = None
    ctx.case.return_count += 1


def request_extension(ctx: Context) -> None:
    data: s.ExtensionInput = ctx.data
    ctx.case.pending_extension = {
        "amount": data.amount,
        "unit": data.unit.value,
        "reason": data.reason,
        "requested_by": ctx.actor.username,
        "requested_at": ctx.now.isoformat(),
    }


def approve_extension(ctx: Context) -> None:
    request = dict(ctx.case.pending_extension or {})
    extra = Limit(float(request["amount"]), s.LimitUnit(request["unit"]))
    row = deadlines.extend_step(
        ctx.session, case=ctx.case, step=Step.handle, extra=extra, calendar=ctx.calendar
    )
    ctx.extra["extension"] = request
    if row is not None:
        ctx.extra["due"] = {Step.handle.value: row.due_at.isoformat()}
    ctx.case.pending_extension = None
    ctx.case.extension_count += 1


def deny_extension(ctx: Context) -> None:
    ctx.extra["extension"] = dict(ctx.case.pending_extension or {})
    ctx.case.pending_extension = None


def request_suspension(ctx: Context) -> None:
    data: s.ReasonInput = ctx.data
    ctx.case.pending_suspension = {
        "reason": data.reason,
        "requested_by": ctx.actor.username,
        "requested_at": ctx.now.isoformat(),
    }


def approve_suspension(ctx: Context) -> None:
    ctx.extra["suspension"] = dict(ctx.case.pending_suspension or {})
    ctx.case.pending_suspension = None
    ctx.case.suspended = True
    ctx.case.suspended_at = ctx.now
    deadlines.pause_open(ctx.session, case=ctx.case, now=ctx.now, calendar=ctx.calendar)


def deny_suspension(ctx: Context) -> None:
    ctx.extra["suspension"] = dict(ctx.case.pending_suspension or {})
    ctx.case.pending_suspension = None


def resume(ctx: Context) -> None:
    paused, due = deadlines.resume_open(
        ctx.session, case=ctx.case, now=ctx.now, calendar=ctx.calendar
    )
    ctx.extra["paused_clock_seconds"] = round(paused, 3)
    if due:
        ctx.extra["due"] = due
    ctx.case.suspended = False
    ctx.case.suspended_at = None


def escalate(ctx: Context) -> None:
    current = ctx.session.get(Center, ctx.case.center_id)
    assert current is not None
    assert current.parent_id is not None
    upper = ctx.session.get(Center, current.parent_id)
    assert upper is not None
    _release_units(ctx)
    ctx.end(Step.sign, Step.handle)
    ctx.case.pending_extension = None
    ctx.case.pending_suspension = None
    ctx.session.add(
        CaseCenter(
            case_id=ctx.case.id, center_id=current.id, relation="escalated_from", since=ctx.now
        )
    )
    ctx.session.add(
        CaseCenter(case_id=ctx.case.id, center_id=upper.id, relation="owner", since=ctx.now)
    )
    ctx.case.center_id = upper.id
    ctx.case.escalation_count += 1
    ctx.extra.update({"from_center": current.code, "to_center": upper.code})


def contribute(ctx: Context) -> None:
    data: s.ContributeInput = ctx.data
    attachments.link(ctx.session, case=ctx.case, ids=data.attachments)


def report_result(ctx: Context) -> None:
    data: s.ResultInput = ctx.data
    attachments.link(ctx.session, case=ctx.case, ids=data.attachments)
    ctx.case.handled_at = ctx.now
    ctx.end(Step.sign, Step.handle)
    ctx.start(Step.verify)


def start_verify(ctx: Context) -> None:
    data: s.StartVerifyInput = ctx.data
    user = ctx.session.scalar(select(User).where(User.username == data.verifier))
    if user is None or not user.active:
        raise ValidationFailed(f"no active user named {data.verifier!r} to verify")
    if not {Role.grid_worker, Role.dispatcher} & {Role(r) for r in user.role_names}:
        raise ValidationFailed(f"{data.verifier} is not a grid worker or inspector")
    ctx.case.verifier_id = user.id


def verify_pass(ctx: Context) -> None:
    data: s.VerifyInput = ctx.data
    attachments.link(ctx.session, case=ctx.case, ids=data.attachments)
    ctx.end(Step.verify)
    _closing(ctx)


def verify_fail(ctx: Context) -> None:
    data: s.VerifyInput = ctx.data
    attachments.link(ctx.session, case=ctx.case, ids=data.attachments)
    ctx.end(Step.verify)
    ctx.case.rework_count += 1
    ctx.case.verifier_id = None
    ctx.case.handled_at = None
    ctx.start(Step.handle)


def close(ctx: Context) -> None:
    ctx.end(Step.verify)
    _closing(ctx)


def return_visit(ctx: Context) -> None:
    data: s.ReturnVisitInput = ctx.data
    ctx.case.satisfaction = data.satisfaction.value
    ctx.case.visited = True
    ctx.end(Step.visit)
    if ctx.case.duplicate_of_id is not None:
        # a merged report's visit judges the handling of the case it joined, and counts for
        # the unit that led it (the report itself was never dispatched)
        handled = ctx.session.get(Case, ctx.case.duplicate_of_id)
        assert handled is not None
        ctx.extra["merged_into"] = handled.number
        if handled.lead_unit_id is not None:
            unit = ctx.session.get(Unit, handled.lead_unit_id)
            assert unit is not None
            ctx.extra["lead_unit"] = unit.code


def reopen(ctx: Context) -> None:
    ctx.end(Step.visit)
    ctx.case.reopen_count += 1
    ctx.case.visited = False
    ctx.case.satisfaction = None
    ctx.case.closed_at = None
    ctx.case.handled_at = None
    ctx.start(Step.handle)
    # the merged reporters called back are called back again once it closes again; those
    # who were dissatisfied are named on the reopening (one of them may be why)
    dissatisfied = []
    for report in repository.merged_into(ctx.session, case_id=ctx.case.id):
        if not report.visited:  # not called back yet: nothing is due until it closes again
            deadlines.end_steps(ctx.session, case=report, steps=(Step.visit,), now=ctx.now)
            deadlines.refresh_colour(ctx.session, case=report, calendar=ctx.calendar, now=ctx.now)
            continue
        if report.satisfaction == s.Satisfaction.dissatisfied.value:
            dissatisfied.append(report.number)
        repository.claim(ctx.session, case=report, now=ctx.now)
        report.visited, report.satisfaction = False, None
        _log(ctx, report, "follow_reopen", {"reopened": ctx.case.number})
    if dissatisfied:
        ctx.extra["dissatisfied"] = dissatisfied


def supervise(ctx: Context) -> None:
    data: s.SuperviseInput = ctx.data
    ctx.case.supervised_level = data.level


def _message_only(ctx: Context) -> None:
    return None


HANDLERS: dict[Action, Handler] = {
    Action.accept: accept,
    Action.reject: _message_only,
    Action.merge_into: merge_into,
    Action.answer_directly: answer_directly,
    Action.self_handle: self_handle,
    Action.dispatch: dispatch,
    Action.sign: sign,
    Action.return_: return_,
    Action.request_extension: request_extension,
    Action.approve_extension: approve_extension,
    Action.deny_extension: deny_extension,
    Action.request_suspension: request_suspension,
    Action.approve_suspension: approve_suspension,
    Action.deny_suspension: deny_suspension,
    Action.resume: resume,
    Action.escalate: escalate,
    Action.contribute: contribute,
    Action.report_result: report_result,
    Action.start_verify: start_verify,
    Action.verify_pass: verify_pass,
    Action.verify_fail: verify_fail,
    Action.close: close,
    Action.return_visit: return_visit,
    Action.reopen: reopen,
    Action.supervise: supervise,
    Action.urge: _message_only,
    Action.instruct: _message_only,
    Action.comment: _message_only,
}
