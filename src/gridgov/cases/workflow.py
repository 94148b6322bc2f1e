"""The shape of the case workflow (pure): statuses, actions, the one transition table.

``TRANSITIONS[(status, action)]`` is the status after the action. Nothing else in the code base
decides a case's status: the service calls :func:`apply` and stores what it returns.
Some moves also depend on facts beyond the status (a pending extension, a suspension, the
catalogue item's admission to the grid layer); :data:`GUARDS` states those as data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from gridgov.kit.errors import InvalidTransition


class Status(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    dispatched = "dispatched"
    in_progress = "in_progress"
    handled = "handled"
    verifying = "verifying"
    closed = "closed"
    rejected = "rejected"
    answered = "answered"


TERMINAL: frozenset[Status] = frozenset({Status.rejected, Status.answered})
OPEN: frozenset[Status] = frozenset(
    {
        Status.submitted,
        Status.accepted,
        Status.dispatched,
        Status.in_progress,
        Status.handled,
        Status.verifying,
    }
)


class Action(StrEnum):
    accept = "accept"
    reject = "reject"
    merge_into = "merge_into"
    answer_directly = "answer_directly"
    self_handle = "self_handle"
    dispatch = "dispatch"
    sign = "sign"
    return_ = "return"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    deny_extension = "deny_extension"
    request_suspension = "request_suspension"
    approve_suspension = "approve_suspension"
    deny_suspension = "deny_suspension"
    resume = "resume"
    escalate = "escalate"
    contribute = "contribute"
    report_result = "report_result"
    start_verify = "start_verify"
    verify_pass = "verify_pass"
    verify_fail = "verify_fail"
    close = "close"
    return_visit = "return_visit"
    reopen = "reopen"
    supervise = "supervise"
    urge = "urge"
    instruct = "instruct"
    comment = "comment"


_S, _A = Status, Action
_ON_OPEN_CASES = (_A.supervise, _A.urge, _A.instruct, _A.comment)

TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (_S.submitted, _A.accept): _S.accepted,
    (_S.submitted, _A.reject): _S.rejected,
    (_S.submitted, _A.merge_into): _S.rejected,
    (_S.submitted, _A.answer_directly): _S.answered,
    (_S.submitted, _A.self_handle): _S.handled,
    (_S.accepted, _A.dispatch): _S.dispatched,
    (_S.accepted, _A.escalate): _S.accepted,
    (_S.dispatched, _A.sign): _S.in_progress,
    (_S.dispatched, _A.return_): _S.accepted,
    (_S.in_progress, _A.return_): _S.accepted,
    (_S.in_progress, _A.request_extension): _S.in_progress,
    (_S.in_progress, _A.approve_extension): _S.in_progress,
    (_S.in_progress, _A.deny_extension): _S.in_progress,
    (_S.in_progress, _A.request_suspension): _S.in_progress,
    (_S.in_progress, _A.approve_suspension): _S.in_progress,
    (_S.in_progress, _A.deny_suspension): _S.in_progress,
    (_S.in_progress, _A.resume): _S.in_progress,
    (_S.in_progress, _A.escalate): _S.accepted,
    (_S.in_progress, _A.contribute): _S.in_progress,
    (_S.in_progress, _A.report_result): _S.handled,
    (_S.handled, _A.start_verify): _S.verifying,
    (_S.handled, _A.close): _S.closed,
    (_S.verifying, _A.verify_pass): _S.closed,
    (_S.verifying, _A.verify_fail): _S.in_progress,
    (_S.closed, _A.return_visit): _S.closed,
    # a duplicate merged into another case: its reporter is called back once that case closes
    (_S.rejected, _A.return_visit): _S.rejected,
    (_S.closed, _A.reopen): _S.in_progress,
    **{(status, action): status for status in OPEN for action in _ON_OPEN_CASES},
}

# A grid worker's on-the-spot handling of an item that needs no verification closes the case.
SHORTCUTS: dict[tuple[Status, Action], Status] = {(_S.submitted, _A.self_handle): _S.closed}


@dataclass(frozen=True)
class CaseFacts:
    """What the guards need to know about a case beyond its status."""

    suspended: bool = False
    extension_pending: bool = False
    suspension_pending: bool = False
    grid_admissible: bool = False
    verification_required: bool = True
    visited: bool = False
    # a closed case, or a duplicate merged into a case that has closed (its reporter is owed one)
    visit_due: bool = False
    # its reporter's return visit, or a merged reporter's since it closed, was dissatisfied
    dissatisfied: bool = False
    has_upper_center: bool = True


Guard = Callable[[CaseFacts], str | None]

_NOT_WHILE_SUSPENDED = "the case is suspended; resume it first"

GUARDS: dict[Action, Guard] = {
    _A.self_handle: lambda f: (
        None
        if f.grid_admissible
        else "this catalogue item is not admitted to the grid layer for self-handling"
    ),
    _A.return_: lambda f: _NOT_WHILE_SUSPENDED if f.suspended else None,
    _A.escalate: lambda f: (
        _NOT_WHILE_SUSPENDED
        if f.suspended
        else (None if f.has_upper_center else "there is no centre above this one")
    ),
    _A.report_result: lambda f: _NOT_WHILE_SUSPENDED if f.suspended else None,
    _A.request_extension: lambda f: (
        _NOT_WHILE_SUSPENDED
        if f.suspended
        else ("an extension request is already pending" if f.extension_pending else None)
    ),
    _A.approve_extension: lambda f: None if f.extension_pending else "no extension is pending",
    _A.deny_extension: lambda f: None if f.extension_pending else "no extension is pending",
    _A.request_suspension: lambda f: (
        "the case is already suspended"
        if f.suspended
        else ("a suspension request is already pending" if f.suspension_pending else None)
    ),
    _A.approve_suspension: lambda f: None if f.suspension_pending else "no suspension is pending",
    _A.deny_suspension: lambda f: None if f.suspension_pending else "no suspension is pending",
    _A.resume: lambda f: None if f.suspended else "the case is not suspended",
    _A.close: lambda f: (
        "this catalogue item requires verification; start verification instead"
        if f.verification_required
        else None
    ),
    _A.return_visit: lambda f: (
        "the return visit has already been made"
        if f.visited
        else (
            None
            if f.visit_due
            else "no return visit is due (a merged report's is due once its case has closed)"
        )
    ),
    _A.reopen: lambda f: (
        None
        if f.dissatisfied
        else "only a case with a dissatisfied return visit (its reporter's or a merged"
        " reporter's) can be reopened"
    ),
}


def target(status: Status, action: Action) -> Status | None:
    """The status the table allows, or ``None`` if the move is not in the table."""
    return TRANSITIONS.get((status, action))


def apply(status: Status, action: Action, facts: CaseFacts) -> Status:
    """Return the status after ``action``, or raise :class:`InvalidTransition`."""
    new = TRANSITIONS.get((status, action))
    if new is None:
        raise InvalidTransition(f"cannot {action.value} a case that is {status.value}")
    guard = GUARDS.get(action)
    reason = guard(facts) if guard else None
    if reason:
        raise InvalidTransition(f"cannot {action.value}: {reason}")
    if action is Action.self_handle and not facts.verification_required:
        return SHORTCUTS[(status, action)]
    return new


def allowed_actions(status: Status, facts: CaseFacts) -> list[Action]:
    """Every action the table and guards allow now (before permissions)."""
    allowed = []
    for action in Action:
        try:
            apply(status, action, facts)
        except InvalidTransition:
            continue
        allowed.append(action)
    return allowed
