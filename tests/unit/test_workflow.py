"""The transition table, generated into the full (status × action) matrix."""

from __future__ import annotations

import itertools

import pytest

from gridgov.cases.permissions import PERMISSIONS, Relation, Role, may
from gridgov.cases.workflow import (
    GUARDS,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    Action,
    CaseFacts,
    Status,
    allowed_actions,
    apply,
)
from gridgov.kit.errors import Conflict, InvalidTransition

# Facts under which every guard passes, per action.
PERMISSIVE = {
    Action.approve_extension: CaseFacts(extension_pending=True),
    Action.deny_extension: CaseFacts(extension_pending=True),
    Action.approve_suspension: CaseFacts(suspension_pending=True),
    Action.deny_suspension: CaseFacts(suspension_pending=True),
    Action.resume: CaseFacts(suspended=True),
    Action.self_handle: CaseFacts(grid_admissible=True),
    Action.close: CaseFacts(verification_required=False),
    Action.reopen: CaseFacts(dissatisfied=True),
    Action.return_visit: CaseFacts(visit_due=True),
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_matrix(status: Status, action: Action) -> None:
    facts = PERMISSIVE.get(action, CaseFacts())
    expected = TRANSITIONS.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            apply(status, action, facts)
    else:
        assert apply(status, action, facts) is expected


def test_terminal_statuses_allow_nothing() -> None:
    for status in TERMINAL:
        assert allowed_actions(status, CaseFacts()) == []


def test_a_merged_report_owes_only_its_return_visit() -> None:
    due = CaseFacts(visit_due=True)
    assert allowed_actions(Status.rejected, due) == [Action.return_visit]
    assert allowed_actions(Status.answered, due) == []
    with pytest.raises(InvalidTransition, match="no return visit is due"):
        apply(Status.rejected, Action.return_visit, CaseFacts())
    with pytest.raises(InvalidTransition, match="already been made"):
        apply(Status.rejected, Action.return_visit, CaseFacts(visit_due=True, visited=True))


def test_every_status_is_reachable_from_submitted() -> None:
    reached, frontier = {Status.submitted}, [Status.submitted]
    while frontier:
        s = frontier.pop()
        for (src, _), dst in TRANSITIONS.items():
            if src is s and dst not in reached:
                reached.add(dst)
                frontier.append(dst)
    assert reached == set(Status)


def test_guards_refuse_with_a_reason() -> None:
    with pytest.raises(InvalidTransition, match="suspended"):
        apply(Status.in_progress, Action.report_result, CaseFacts(suspended=True))
    with pytest.raises(InvalidTransition, match="already pending"):
        apply(Status.in_progress, Action.request_extension, CaseFacts(extension_pending=True))
    with pytest.raises(InvalidTransition, match="not admitted"):
        apply(Status.submitted, Action.self_handle, CaseFacts(grid_admissible=False))
    with pytest.raises(InvalidTransition, match="no centre above"):
        apply(Status.accepted, Action.escalate, CaseFacts(has_upper_center=False))
    with pytest.raises(InvalidTransition, match="dissatisfied"):
        apply(Status.closed, Action.reopen, CaseFacts())


def test_self_handling_closes_at_once_when_no_verification_is_needed() -> None:
    facts = CaseFacts(grid_admissible=True, verification_required=False)
    assert apply(Status.submitted, Action.self_handle, facts) is Status.closed
    facts = CaseFacts(grid_admissible=True, verification_required=True)
    assert apply(Status.submitted, Action.self_handle, facts) is Status.handled


def test_invalid_transition_is_a_conflict() -> None:
    assert issubclass(InvalidTransition, Conflict)
    assert InvalidTransition.status_code == 409


def test_every_action_has_permissions_and_supervision_works_on_every_open_case() -> None:
    assert set(PERMISSIONS) == set(Action)
    assert set(GUARDS) <= set(Action)
    for status in OPEN:
        assert apply(status, Action.supervise, CaseFacts()) is status


def test_permissions_need_the_right_relation() -> None:
    assert may(Action.sign, {Role.unit_handler}, {Relation.lead_unit})
    assert not may(Action.sign, {Role.unit_handler}, {Relation.assisting_unit})
    assert may(Action.contribute, {Role.unit_handler}, {Relation.assisting_unit})
    assert not may(Action.dispatch, {Role.dispatcher}, set())
    assert not may(Action.dispatch, {Role.unit_handler}, {Relation.owning_center})
    assert may(Action.dispatch, {Role.system}, set())
    assert not may(Action.supervise, {Role.auditor}, {Relation.in_region})
