"""What a case's event log counts for (pure): replay the log, emit the dated facts.

Every KPI of DESIGN §8 is a count (or a sum) of these facts over a period, so the facts are the
one place where "what counts" is decided. The same replay serves the direct computation, the
rollups maintained from new events, and the check that proves the rollups right.

Each fact carries the local **day** it counts on (the centre's time zone; periods start at
midnight, so a day is the finest grain any period needs) and the lead **unit** that held the
case when it happened. Two kinds describe a span rather than a moment: ``cohort_closed`` (the
case, accepted on ``day``, was closed from ``since`` until ``until``, a reopening) and
``overdue`` (the case had an overdue open step from ``since`` until ``until``). A span counts
at the end of a period ending at midnight before ``last`` + 1 when ``since <= last < until``.

Decisions the definitions leave open, stated once here:

- acceptance is an ``accept`` or a grid worker's ``self_handle`` (both put a case into work);
  a rejection is ``reject`` or ``merge_into``; ``answer_directly`` is neither;
- a case's *handling deadline* is its latest handling clock (a re-dispatch, rework or reopening
  starts a new one, an extension or a resumed suspension moves it). Its outcome is ``on_time``
  when the case was closed by it, ``late`` when closed after it or when the SLA sweep marked it
  overdue, ``suspended`` when the clock is paused (缓办) and ``pending`` otherwise, which counts
  in no denominator yet: the facts follow the log alone, never the wall clock;
- a dispatch was signed on time when the lead unit signed before the sign deadline and before
  the case left it (returned, escalated or re-dispatched);
- a duplicate merged into another case is a rejection, but its reporter's return visit, made
  once that case has closed, counts as a visit, for the unit that led that case;
- a case imported as history closed on the old platform (an ``import`` event to ``closed``)
  counts as closed on the day its payload's ``closed_at`` names; it was never accepted here,
  so it is in no cohort and has no deadline;
- handling time runs from the start of the handling clock to the reported result, in working
  seconds less the suspended time, and is kept in whole minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    received = "received"
    accepted = "accepted"
    rejected = "rejected"
    cohort_closed = "cohort_closed"
    due = "due"
    dispatched = "dispatched"
    returned = "returned"
    extended = "extended"
    verified = "verified"
    closed = "closed"
    reopened = "reopened"
    visited = "visited"
    handled = "handled"
    overdue = "overdue"


SPANS: frozenset[Kind] = frozenset({Kind.cohort_closed, Kind.overdue})
SATISFIED: frozenset[str] = frozenset({"satisfied", "basically_satisfied"})
_STEPS_THAT_MAKE_A_CASE_OVERDUE = frozenset({"sign", "handle", "verify"})


@dataclass(frozen=True)
class Fact:
    kind: Kind
    day: date
    unit: str | None = None
    outcome: str = ""
    since: date | None = None
    until: date | None = None
    minutes: int = 0


@dataclass(frozen=True)
class Event:
    """The part of a ``case_event`` row the replay reads."""

    at: datetime
    action: str
    from_status: str | None
    to_status: str
    payload: Mapping[str, Any]


WorkingSeconds = Callable[[datetime, datetime], float]


@dataclass
class _Clock:
    started: datetime
    due: datetime | None
    paused: float = 0.0


@dataclass
class _Dispatch:
    day: date
    unit: str | None
    sign_due: datetime | None
    signed: bool = False
    on_time: bool = False


@dataclass
class _Replay:
    tz: ZoneInfo
    working_seconds: WorkingSeconds
    facts: list[Fact] = field(default_factory=list)
    lead: str | None = None
    accepted_day: date | None = None
    closed_since: date | None = None
    handle: _Clock | None = None
    handle_late: bool = False
    closed_at: datetime | None = None
    suspended: bool = False
    dispatch: _Dispatch | None = None
    overdue_steps: set[str] = field(default_factory=set)
    overdue_since: date | None = None
    overdue_unit: str | None = None  # who held the case when it fell overdue

    def day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def add(self, kind: Kind, at: datetime, **extra: Any) -> None:
        self.facts.append(Fact(kind, self.day(at), self.lead, **extra))

    # spans -------------------------------------------------------------------------------
    def open_closure(self, at: datetime) -> None:
        if self.accepted_day is not None and self.closed_since is None:
            self.closed_since = self.day(at)

    def end_closure(self, at: datetime | None) -> None:
        if self.accepted_day is not None and self.closed_since is not None:
            until = self.day(at) if at is not None else None
            self.facts.append(
                Fact(Kind.cohort_closed, self.accepted_day, since=self.closed_since, until=until)
            )
        self.closed_since = None

    def mark_overdue(self, step: str, at: datetime) -> None:
        if step not in _STEPS_THAT_MAKE_A_CASE_OVERDUE:
            return
        if not self.overdue_steps:
            self.overdue_since, self.overdue_unit = self.day(at), self.lead
        self.overdue_steps.add(step)

    def clear_overdue(self, at: datetime | None, *steps: str) -> None:
        if not self.overdue_steps:
            return
        self.overdue_steps.difference_update(steps or tuple(self.overdue_steps))
        if not self.overdue_steps and self.overdue_since is not None:
            until = self.day(at) if at is not None else None
            self.facts.append(
                Fact(
                    Kind.overdue,
                    self.overdue_since,
                    self.overdue_unit,
                    since=self.overdue_since,
                    until=until,
                )
            )
            self.overdue_since = None

    # the sign clock of the current dispatch ---------------------------------------------
    def end_dispatch(self) -> None:
        d = self.dispatch
        if d is not None:
            outcome = "on_time" if d.on_time else "late"
            self.facts.append(Fact(Kind.dispatched, d.day, d.unit, outcome=outcome))
        self.dispatch = None

    # the handling deadline -----------------------------------------------------------------
    def start_handle(self, at: datetime, payload: Mapping[str, Any]) -> None:
        self.handle = _Clock(started=at, due=_due(payload, "handle"))
        self.handle_late = False

    def finish(self) -> list[Fact]:
        self.end_dispatch()
        self.end_closure(None)
        self.clear_overdue(None)
        clock = self.handle
        if clock is not None and clock.due is not None:
            self.facts.append(Fact(Kind.due, self.day(clock.due), self.lead, self._outcome(clock)))
        return ordered(self.facts)

    def _outcome(self, clock: _Clock) -> str:
        assert clock.due is not None
        if self.closed_at is not None and self.closed_at >= clock.started:
            return "on_time" if self.closed_at <= clock.due and not self.handle_late else "late"
        if self.suspended:
            return "suspended"
        return "late" if self.handle_late else "pending"


def ordered(facts: Iterable[Fact]) -> list[Fact]:
    """Facts in a fixed order (spans may lack an end; no unit sorts first)."""
    return sorted(
        facts,
        key=lambda f: (
            f.kind.value,
            f.day,
            f.unit or "",
            f.outcome,
            f.since or date.min,
            f.until or date.max,
            f.minutes,
        ),
    )


def _due(payload: Mapping[str, Any], step: str) -> datetime | None:
    raw = (payload.get("due") or {}).get(step)
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None


def replay(
    *, created_at: datetime, events: Iterable[Event], tz: ZoneInfo, working_seconds: WorkingSeconds
) -> list[Fact]:
    """The facts one case's log (in ``seq`` order) counts for, sorted."""
    r = _Replay(tz=tz, working_seconds=working_seconds)
    r.facts.append(Fact(Kind.received, r.day(created_at)))
    for event in events:
        _step(r, event)
    return r.finish()


def _step(r: _Replay, e: Event) -> None:  # one branch per action, read as a table
    action, at, p = e.action, e.at, e.payload
    closing = e.to_status == "closed" and e.from_status != "closed"
    if action in ("accept", "self_handle"):
        r.accepted_day = r.day(at)
        r.add(Kind.accepted, at)
    elif action in ("reject", "merge_into"):
        r.add(Kind.rejected, at)
        r.clear_overdue(at)
    elif action == "dispatch":
        r.end_dispatch()
        r.lead = p.get("lead_unit")
        r.dispatch = _Dispatch(r.day(at), r.lead, _due(p, "sign"))
        r.start_handle(at, p)
    elif action == "sign":
        d = r.dispatch
        if d is not None and not d.signed:
            d.signed = True
            d.on_time = d.sign_due is None or at <= d.sign_due
        r.clear_overdue(at, "sign")
    elif action in ("return", "escalate"):
        if action == "return":
            r.add(Kind.returned, at)
        r.end_dispatch()
        r.handle, r.lead = None, None
        r.clear_overdue(at, "sign", "handle")
    elif action == "approve_extension":
        r.add(Kind.extended, at)
        if r.handle is not None and _due(p, "handle") is not None:
            r.handle.due = _due(p, "handle")
            r.handle_late = False  # a new deadline; the sweep marks it afresh if it passes
        r.clear_overdue(at, "handle")
    elif action == "approve_suspension":
        r.suspended = True
    elif action == "resume":
        r.suspended = False
        if r.handle is not None:
            r.handle.paused += float(p.get("paused_clock_seconds") or 0.0)
            r.handle.due = _due(p, "handle") or r.handle.due
    elif action == "report_result":
        if r.handle is not None:
            spent = r.working_seconds(r.handle.started, at) - r.handle.paused
            r.add(Kind.handled, at, minutes=max(0, round(spent / 60)))
        r.clear_overdue(at, "sign", "handle")
    elif action in ("verify_pass", "verify_fail"):
        r.add(Kind.verified, at, outcome="pass" if action == "verify_pass" else "fail")
        r.clear_overdue(at, "verify")
        if action == "verify_fail":
            r.start_handle(at, p)
    elif action == "reopen":
        r.add(Kind.reopened, at)
        r.end_closure(at)
        r.closed_at = None
        r.start_handle(at, p)
    elif action == "return_visit":
        satisfaction = str(p.get("satisfaction", ""))
        outcome = "satisfied" if satisfaction in SATISFIED else "not"
        # a merged report was never dispatched: its visit counts for the unit that led the
        # case it joined, named in the payload
        unit = r.lead or p.get("lead_unit")
        r.facts.append(Fact(Kind.visited, r.day(at), unit, outcome=outcome))
    elif action == "sla_overdue":
        step = str(p.get("step", ""))
        r.mark_overdue(step, at)
        if step == "handle":
            r.handle_late = True
    if closing:
        if action == "import" and isinstance(p.get("closed_at"), str):
            at = datetime.fromisoformat(p["closed_at"])  # history, closed on an old platform
        r.add(Kind.closed, at)
        r.closed_at = at
        r.open_closure(at)
        r.clear_overdue(at)
    elif e.to_status in ("rejected", "answered"):
        r.clear_overdue(at)
