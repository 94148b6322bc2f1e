"""The full (status × action) matrix, generated from the transition table, on a real database.

Each cell takes a fresh case to the status (as the system integration, which holds every grant),
satisfies the action's guard when the move is in the table, and applies the action: legal moves
land on the table's status; illegal ones raise InvalidTransition and leave the database unchanged.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridgov.bootstrap import Platform
from gridgov.cases import repository, service
from gridgov.cases.workflow import TRANSITIONS, Action, Status
from gridgov.kit.errors import InvalidTransition
from gridgov.store.models import CaseAssignment, CaseDeadline, CaseEvent

from ..conftest import NOW
from ..factories import SELF_CLOSE, SELF_VERIFY, World, case_data

S, A = Status, Action
PATHS: dict[Status, list[Action]] = {
    S.submitted: [],
    S.accepted: [A.accept],
    S.dispatched: [A.accept, A.dispatch],
    S.in_progress: [A.accept, A.dispatch, A.sign],
    S.handled: [A.accept, A.dispatch, A.sign, A.report_result],
    S.verifying: [A.accept, A.dispatch, A.sign, A.report_result, A.start_verify],
    S.closed: [A.accept, A.dispatch, A.sign, A.report_result, A.start_verify, A.verify_pass],
    S.rejected: [A.reject],
    S.answered: [A.answer_directly],
}
# What makes the guard of a legal move pass.
PREP: dict[Action, list[Action]] = {
    A.approve_extension: [A.request_extension],
    A.deny_extension: [A.request_extension],
    A.approve_suspension: [A.request_suspension],
    A.deny_suspension: [A.request_suspension],
    A.resume: [A.request_suspension, A.approve_suspension],
    A.reopen: [A.return_visit],
}
# A merged report's return visit is due once the case it joined has closed: the cell merges
# its case into a closed one instead of rejecting it.
MERGED_INTO_CLOSED = (S.rejected, A.return_visit)
PAYLOAD: dict[Action, dict[str, object]] = {
    A.accept: {},
    A.reject: {"reason": "无效信息"},
    A.answer_directly: {"answer": "已解答"},
    A.self_handle: {"result": "现场处理完毕"},
    A.dispatch: {"lead_unit": "320724-cgj", "assisting_units": ["320724-zjj"]},
    A.return_: {"reason": "非本单位职责"},
    A.request_extension: {"amount": 1, "reason": "需会商"},
    A.request_suspension: {"reason": "等待鉴定"},
    A.escalate: {"reason": "需上级协调"},
    A.contribute: {"text": "协办意见"},
    A.report_result: {"result": "已处理"},
    A.start_verify: {"verifier": "grid_worker"},
    A.return_visit: {"satisfaction": "dissatisfied"},
    A.reopen: {"reason": "不满意"},
    A.supervise: {"level": 1},
    A.urge: {"text": "请尽快"},
    A.instruct: {"text": "限期办结"},
    A.comment: {"text": "备注"},
}


def snapshot(session, number: str) -> tuple[object, ...]:
    case = repository.get_by_number(session, number=number)
    count = lambda model: session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.case_id == case.id)
    )
    return (
        case.status,
        case.version,
        case.event_count,
        case.last_hash,
        case.center_id,
        case.lead_unit_id,
        case.suspended,
        case.pending_extension,
        case.pending_suspension,
        count(CaseEvent),
        count(CaseDeadline),
        count(CaseAssignment),
    )


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_matrix_on_the_database(
    shared: tuple[Platform, World], status: Status, action: Action
) -> None:
    platform, world = shared
    legal = (status, action) in TRANSITIONS
    item = SELF_CLOSE if action is A.close else SELF_VERIFY
    now = NOW
    with platform.db.write() as session:
        system = world.actor(session, "system")
        target = service.create_case(
            session, data=case_data(catalog_item=SELF_VERIFY), actor=system, now=now
        ).case
        number = service.create_case(
            session, data=case_data(catalog_item=item), actor=system, now=now
        ).case.number
        steps = [(number, a) for a in PATHS[status] + (PREP.get(action, []) if legal else [])]
        if (status, action) == MERGED_INTO_CLOSED:
            steps = [(target.number, a) for a in PATHS[S.closed]] + [(number, A.merge_into)]
        for on, step in steps:
            now += timedelta(minutes=10)
            service.act(
                session,
                number=on,
                action=step,
                actor=system,
                payload={"into": target.number} if step is A.merge_into else PAYLOAD.get(step, {}),
                now=now,
                rules=platform.rules,
            )
        before = snapshot(session, number)
    payload = {"into": target.number} if action is A.merge_into else PAYLOAD.get(action, {})
    if legal:
        with platform.db.write() as session:
            case = service.act(
                session,
                number=number,
                action=action,
                actor=world.actor(session, "system"),
                payload=payload,
                now=now + timedelta(minutes=10),
                rules=platform.rules,
            )
            assert case.status == TRANSITIONS[(status, action)].value
            assert case.event_count == before[2] + 1
    else:
        with pytest.raises(InvalidTransition), platform.db.write() as session:
            service.act(
                session,
                number=number,
                action=action,
                actor=world.actor(session, "system"),
                payload=payload,
                now=now + timedelta(minutes=10),
                rules=platform.rules,
            )
        with platform.db.read() as session:
            assert snapshot(session, number) == before
