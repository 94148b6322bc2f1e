"""What happens to a case after triage, from the facts triage found (pure).

Both doors (per record and per batch) call :func:`decide`; the outcome it returns is written
on the case, in words (``triage.decision``) and as data (``triage.outcome``), and the steps are
taken by the system actor.
"""

from __future__ import annotations

from collections.abc import Mapping
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


@dataclass(frozen=True)
class Outcome:
    """What triage decided, as data (``key`` and what it names) and in words: the words are
    the case's ``triage.decision``, the data lets the console say it in the reader's language.

    Keys: ``answered``, ``self_handled``, ``self_refused`` (``reason``: ``not_admissible`` /
    ``item_unknown``), ``queue`` (``waits``: ``unsure_item``, ``unsure_place``, ``duplicate``,
    ``auto_accept_off``, ``imported``: a bulk import's case), ``history`` (a bulk import's case
    the old platform finished), ``grid_keeps``, ``no_rule``, ``dispatch_off``, ``off_list``
    (``units``), ``dispatched`` (``units``: the lead unit)."""

    key: str
    waits: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    duplicate_of: str | None = None
    reason: str | None = None

    @property
    def words(self) -> str:
        if self.key == "self_refused":
            why = (
                "not on the grid admission list"
                if self.reason == "not_admissible"
                else "item not known"
            )
            return f"self-handling refused ({why}): dispatcher queue"
        if self.key == "queue":
            return "dispatcher queue: " + ", ".join(
                f"probable duplicate of {self.duplicate_of}" if w == "duplicate" else WAITS[w]
                for w in self.waits
            )
        if self.key == "off_list":
            return f"accepted; routed unit(s) {', '.join(self.units)} not on this centre's list"
        if self.key == "dispatched":
            return f"dispatched automatically to {self.units[0]}"
        return WORDS[self.key]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        if self.waits:
            out["waits"] = list(self.waits)
        if self.units:
            out["units"] = list(self.units)
        if self.duplicate_of:
            out["duplicate_of"] = self.duplicate_of
        if self.reason:
            out["reason"] = self.reason
        return out


# the notes of the steps the system takes (the console says them in Chinese)
ACCEPTED = "accepted automatically"
DISPATCHED = "dispatched automatically by "  # + the rule's explanation: "rule #52 (…) → …"

WORDS = {
    "answered": "answered on the call",
    "self_handled": "handled in the grid by its worker (admission list)",
    "grid_keeps": "accepted; stays with the grid worker (admission list)",
    "no_rule": "accepted; dispatcher to choose the unit (no routing rule)",
    "dispatch_off": "accepted; automatic dispatch off at this centre",
    "history": "history the old platform finished (bulk import)",
}
WAITS = {
    "unsure_item": "classification below threshold",
    "unsure_place": "location uncertain",
    "auto_accept_off": "automatic acceptance off at this centre",
    "imported": "imported from an old platform",
}


# the outcomes that leave a case at each status for a person to move on
LEFT_AT = {
    "submitted": ("queue", "self_refused"),
    "accepted": ("no_rule", "dispatch_off", "off_list"),
}
# why a case triage left to a person waits, by the key the queue filters on: a reason of the
# ``queue`` outcome, an outcome that leaves the case where it is, or a step that failed
QUEUE_WAITS = ("unsure_item", "unsure_place", "duplicate", "auto_accept_off", "imported")
# an automatic step that failed, and the status it left the case at
FAILED_AT = {"accept": "submitted", "dispatch": "accepted"}
REASONS = (*QUEUE_WAITS, *(k for keys in LEFT_AT.values() for k in keys if k != "queue"),
           *FAILED_AT)  # fmt: skip


@dataclass(frozen=True)
class Waiting:
    """Where a case waiting for ``reason`` is (``REASONS``): at ``status``, with triage's
    outcome ``key`` (and ``wait`` among its waits), or the automatic step ``failed``."""

    status: str
    key: str | None = None
    wait: str | None = None
    failed: str | None = None


def waiting_for(reason: str) -> Waiting:
    if reason not in REASONS:
        raise ValueError(f"no such waiting reason {reason!r} (one of {', '.join(REASONS)})")
    if reason in FAILED_AT:
        return Waiting(FAILED_AT[reason], failed=reason)
    for status, keys in LEFT_AT.items():
        if reason in keys:
            return Waiting(status, key=reason)
    return Waiting("submitted", key="queue", wait=reason)  # one of QUEUE_WAITS


def waits_of(triage: Mapping[str, Any] | None, status: str) -> list[str]:
    """The reasons (``REASONS``) a case at ``status`` still waits for, read from the triage it
    keeps: none once triage moved it on, or a person has since. ``waiting_for`` is the same
    as a query's conditions."""
    outcome = (triage or {}).get("outcome")
    if not isinstance(outcome, dict):
        return []
    failed = (triage or {}).get("failed")
    if isinstance(failed, dict):
        step = str(failed.get("action"))
        return [step] if FAILED_AT.get(step) == status else []
    key = outcome.get("key")
    if key not in LEFT_AT.get(status, ()):
        return []
    return [str(w) for w in outcome.get("waits") or ()] if key == "queue" else [str(key)]


def decide(facts: Facts, routed: Route | None, actor: Actor) -> tuple[Outcome, list[Step]]:
    """What happens next, and the workflow steps that do it."""
    if facts.answer:
        return Outcome("answered"), [(Action.answer_directly, actor, {"answer": facts.answer})]
    if facts.self_handle:
        if facts.item_admissible and facts.by_grid_worker:
            return Outcome("self_handled"), [
                (Action.self_handle, actor, {"result": facts.self_handle})
            ]
        reason = "not_admissible" if facts.item_known else "item_unknown"
        return Outcome("self_refused", reason=reason), []
    waits = []
    if not facts.confident_item:
        waits.append("unsure_item")
    if not facts.located:
        waits.append("unsure_place")
    if facts.duplicate_of:
        waits.append("duplicate")
    if not facts.auto_accept:
        waits.append("auto_accept_off")
    if waits:
        return Outcome("queue", waits=tuple(waits), duplicate_of=facts.duplicate_of), []
    steps: list[Step] = [(Action.accept, SYSTEM, {"note": ACCEPTED})]
    if facts.item_admissible and facts.by_grid_worker:
        return Outcome("grid_keeps"), steps
    if routed is None:
        return Outcome("no_rule"), steps
    if not facts.auto_dispatch:
        return Outcome("dispatch_off"), steps
    if facts.off_list:
        return Outcome("off_list", units=facts.off_list), steps
    dispatch = {
        "lead_unit": routed.lead_unit,
        "assisting_units": list(routed.assisting),
        "note": f"{DISPATCHED}{routed.explain()}",
    }
    steps.append((Action.dispatch, SYSTEM, dispatch))
    return Outcome("dispatched", units=(routed.lead_unit,)), steps
