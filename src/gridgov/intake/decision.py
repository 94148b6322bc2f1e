"""What happens to a case after triage, from the facts triage found (pure).

Both doors (per record and per batch) call :func:`decide`; the words it returns are written
on the case (``triage.decision``) and the steps are taken by the system actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gridgov.auth.actor import SYSTEM, Actor
from gridgov.cases.workflow import Action
from gridgov.dispatch.routing import Route

Step = tuple[Action, Actor, dict[str, Any]]  # an automatic workflow action: what, who, input


@dataclass(frozen=True)
class Facts:
    """What the decision after triage depends on (no database: both doors share it)."""

    answer: str | None
    self_handle: str | None
    item_known: bool
    item_admissible: bool
    by_grid_worker: bool
    confident_item: bool
    located: bool
    duplicate_of: str | None
    auto_accept: bool
    auto_dispatch: bool
    off_list: tuple[str, ...]  # routed units not on the holding centre's dispatch list


def decide(facts: Facts, routed: Route | None, actor: Actor) -> tuple[str, list[Step]]:
    """What happens next, in words, and the workflow steps that do it."""
    if facts.answer:
        return "answered on the call", [(Action.answer_directly, actor, {"answer": facts.answer})]
    if facts.self_handle:
        if facts.item_admissible and facts.by_grid_worker:
            return "handled in the grid by its worker (admission list)", [
                (Action.self_handle, actor, {"result": facts.self_handle})
            ]
        reason = "not on the grid admission list" if facts.item_known else "item not known"
        return f"self-handling refused ({reason}): dispatcher queue", []
    waits = []
    if not facts.confident_item:
        waits.append("classification below threshold")
    if not facts.located:
        waits.append("location uncertain")
    if facts.duplicate_of:
        waits.append(f"probable duplicate of {facts.duplicate_of}")
    if not facts.auto_accept:
        waits.append("automatic acceptance off at this centre")
    if waits:
        return "dispatcher queue: " + ", ".join(waits), []
    steps: list[Step] = [(Action.accept, SYSTEM, {"note": "accepted automatically"})]
    if facts.item_admissible and facts.by_grid_worker:
        return "accepted; stays with the grid worker (admission list)", steps
    if routed is None:
        return "accepted; dispatcher to choose the unit (no routing rule)", steps
    if not facts.auto_dispatch:
        return "accepted; automatic dispatch off at this centre", steps
    if facts.off_list:
        units = ", ".join(facts.off_list)
        return f"accepted; routed unit(s) {units} not on this centre's list", steps
    dispatch = {
        "lead_unit": routed.lead_unit,
        "assisting_units": list(routed.assisting),
        "note": f"dispatched automatically by {routed.explain()}",
    }
    steps.append((Action.dispatch, SYSTEM, dispatch))
    return f"dispatched automatically to {routed.lead_unit}", steps
