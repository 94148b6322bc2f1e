"""Who may do what to which case (pure).

A grant pairs a role with the relation the actor must have to the case. The service works out
the actor's relations (is the actor's centre the case's owning centre? is the actor's unit the
lead unit?) and asks :func:`may`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from gridgov.cases.workflow import Action


class Role(StrEnum):
    agent = "agent"
    dispatcher = "dispatcher"
    unit_handler = "unit_handler"
    grid_worker = "grid_worker"
    leader = "leader"
    admin = "admin"
    auditor = "auditor"
    citizen = "citizen"
    system = "system"


class Relation(StrEnum):
    owning_center = "owning_center"  # the actor works at the centre that holds the case
    lead_unit = "lead_unit"  # the actor's unit leads the handling
    assisting_unit = "assisting_unit"  # the actor's unit assists
    in_region = "in_region"  # the case lies in the actor's region subtree
    reporter = "reporter"  # the actor reported the case
    verifier = "verifier"  # the actor was assigned to verify the result
    any = "any"  # no relation needed (system integrations)


@dataclass(frozen=True)
class Grant:
    role: Role
    relation: Relation


_R, _L = Role, Relation
_DISPATCHER = Grant(_R.dispatcher, _L.owning_center)
_LEAD = Grant(_R.unit_handler, _L.lead_unit)
_LEADER = Grant(_R.leader, _L.in_region)
_SYSTEM = Grant(_R.system, _L.any)

PERMISSIONS: dict[Action, tuple[Grant, ...]] = {
    Action.accept: (_DISPATCHER,),
    Action.reject: (_DISPATCHER,),
    Action.merge_into: (_DISPATCHER,),
    Action.answer_directly: (Grant(_R.agent, _L.owning_center),),
    Action.self_handle: (Grant(_R.grid_worker, _L.reporter),),
    Action.dispatch: (_DISPATCHER,),
    Action.sign: (_LEAD,),
    Action.return_: (_LEAD,),
    Action.request_extension: (_LEAD,),
    Action.approve_extension: (_DISPATCHER,),
    Action.deny_extension: (_DISPATCHER,),
    Action.request_suspension: (_LEAD,),
    Action.approve_suspension: (_DISPATCHER,),
    Action.deny_suspension: (_DISPATCHER,),
    Action.resume: (_LEAD, _DISPATCHER),
    Action.escalate: (_DISPATCHER, _LEAD),
    Action.contribute: (Grant(_R.unit_handler, _L.assisting_unit),),
    Action.report_result: (_LEAD,),
    Action.start_verify: (_DISPATCHER,),
    Action.verify_pass: (Grant(_R.grid_worker, _L.verifier), _DISPATCHER),
    Action.verify_fail: (Grant(_R.grid_worker, _L.verifier), _DISPATCHER),
    Action.close: (_DISPATCHER,),
    Action.return_visit: (Grant(_R.agent, _L.owning_center), _DISPATCHER),
    Action.reopen: (_DISPATCHER,),
    Action.supervise: (_LEADER,),
    # and the hotline agent taking a caller's chase of their own open case (催办来电)
    Action.urge: (_DISPATCHER, _LEADER, Grant(_R.agent, _L.owning_center)),
    Action.instruct: (_LEADER,),
    Action.comment: (
        _DISPATCHER,
        _LEAD,
        Grant(_R.unit_handler, _L.assisting_unit),
        _LEADER,
        Grant(_R.agent, _L.owning_center),
    ),
}
# Trusted system integrations (auto-dispatch, the 110 linkage) may perform any action.
for _action in Action:
    PERMISSIONS[_action] = (*PERMISSIONS[_action], _SYSTEM)


def may(action: Action, roles: Iterable[Role], relations: Iterable[Relation]) -> bool:
    held_roles, held_relations = set(roles), {*relations, Relation.any}
    return any(g.role in held_roles and g.relation in held_relations for g in PERMISSIONS[action])
