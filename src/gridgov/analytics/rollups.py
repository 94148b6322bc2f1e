"""KPI rollups kept from the event log: facts counted per day and grouping.

Nothing on the write paths changes: :func:`process` reads the event log after a cursor
(with a look-back, because on PostgreSQL a transaction may commit an older id after a newer
one), and for each case whose log grew since its last rollup it replays the log
(:func:`gridgov.analytics.facts.replay`), takes back the facts it counted last time (kept in
its ``kpi_case_state`` row) and adds the new ones — under the groupings the case had then and
has now — in the fine rollups and in the cockpit's board (:mod:`gridgov.analytics.board`).
Its own transaction, idempotent (a case is done when its state says so), so two processes
may run it.

:func:`rebuild` recomputes everything from the events; :func:`differences` compares the
rollups with a full recomputation (``gridgov analytics check``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridgov.analytics import board, kpi
from gridgov.analytics.facts import Fact, Kind
from gridgov.analytics.logs import Replayer
from gridgov.store.models import Case, CaseEvent, KpiBoard, KpiCaseState, KpiCursor, KpiRollup

CURSOR = "kpi"
LOOK_BACK = 2_000  # event ids re-read each round: commits that landed out of order
CHUNK = 500
STEP = 50  # cases replayed between looks at the clock when a round has a time budget
ROUND_SECONDS = 0.5  # the server's rounds: short, so that pacing them bounds the keeper


@dataclass(frozen=True)
class Dims:
    county_code: str
    region_code: str
    grid_code: str
    catalog_item_id: int
    channel: str
    worker_id: int


Key = tuple[str, date, date | None, date | None, str, int, Dims, str]


def key_of(fact: Fact, dims: Dims) -> Key:
    return (
        fact.kind.value,
        fact.day,
        fact.since,
        fact.until,
        fact.outcome,
        fact.minutes,
        dims,
        fact.unit or "",
    )


def key_text(k: Key) -> str:
    kind, day, since, until, outcome, minutes, d, unit = k
    parts = [
        kind,
        *map(board.day_text, (day, since, until)),
        outcome,
        str(minutes),
        d.region_code,
        d.grid_code,
        str(d.catalog_item_id),
        d.channel,
        unit,
        str(d.worker_id),
    ]
    return "|".join(parts)


def _row(k: Key, count: int) -> dict[str, Any]:
    kind, day, since, until, outcome, minutes, d, unit = k
    return {
        "key": key_text(k),
        "kind": kind,
        "day": day,
        "since": since,
        "until": until,
        "outcome": outcome,
        "minutes": minutes,
        "county_code": d.county_code,
        "region_code": d.region_code,
        "grid_code": d.grid_code,
        "catalog_item_id": d.catalog_item_id,
        "channel": d.channel,
        "unit": unit,
        "worker_id": d.worker_id,
        "count": count,
    }


def dims_of(case: Any) -> Dims:
    return Dims(
        county_code=case.county_code,
        region_code=case.region_code,
        grid_code=case.grid_code or "",
        catalog_item_id=case.catalog_item_id or 0,
        channel=case.channel,
        worker_id=case.reporter_user_id or 0,
    )


def counted(facts: Iterable[Fact], dims: Dims) -> Counter[Key]:
    return Counter(key_of(f, dims) for f in facts)


@dataclass
class Delta:
    """A change to both rollups: the fine rows and the cockpit's board."""

    fine: Counter[Key] = field(default_factory=Counter)
    board: Counter[board.BoardKey] = field(default_factory=Counter)

    def add(self, facts: list[Fact], dims: Dims, scopes: board.Scopes, sign: int = 1) -> None:
        fine = counted(facts, dims)
        wide = board.counted(
            facts,
            scopes.of(dims.region_code),
            item=dims.catalog_item_id,
            grid=dims.grid_code,
        )
        if sign > 0:
            self.fine.update(fine)
            self.board.update(wide)
        else:
            self.fine.subtract(fine)
            self.board.subtract(wide)

    def update(self, other: Delta) -> None:
        self.fine.update(other.fine)
        self.board.update(other.board)


# ---- a case's counted facts, kept in its state --------------------------------------------
_FIELD, _FACT = "\x1f", "\x1e"  # ASCII unit and record separators: no code holds them


def fact_text(facts: Iterable[Fact]) -> str:
    """Facts as one compact text (kind, day, unit, outcome, since, until, minutes)."""
    return _FACT.join(
        _FIELD.join(
            (
                f.kind.value,
                f.day.isoformat(),
                f.unit or "",
                f.outcome,
                board.day_text(f.since),
                board.day_text(f.until),
                str(f.minutes),
            )
        )
        for f in facts
    )


def facts_of(text: str) -> list[Fact]:
    out = []
    for part in text.split(_FACT) if text else ():
        kind, day, unit, outcome, since, until, minutes = part.split(_FIELD)
        out.append(
            Fact(
                Kind(kind),
                date.fromisoformat(day),
                unit or None,
                outcome,
                date.fromisoformat(since) if since else None,
                date.fromisoformat(until) if until else None,
                int(minutes),
            )
        )
    return out


# ---- applying changes ---------------------------------------------------------------------
def apply(session: Session, delta: Delta) -> None:
    """Add ``delta`` (which may be negative) to the rollup rows; rows at zero go."""
    _apply(session, KpiRollup.__table__, delta.fine, _row)
    _apply(session, KpiBoard.__table__, delta.board, board.row)


def _apply(
    session: Session,
    table: Table,
    delta: Counter[Any],
    row: Callable[[Any, int], dict[str, Any]],
) -> None:
    changes = [(k, n) for k, n in delta.items() if n]
    if not changes:
        return
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(table)
    # one statement, many parameter sets: compiled once (a multi-row VALUES is compiled
    # afresh for every number of rows, which cost more than the replays)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], set_={"count": table.c.count + stmt.excluded.count}
    )
    for chunk in _chunks(changes):
        session.execute(stmt, [row(k, n) for k, n in chunk])
    session.execute(delete(table).where(table.c.count == 0))


# ---- the log after the cursor -----------------------------------------------------------
_CASE_COLUMNS = (
    Case.id,
    Case.created_at,
    Case.county_code,
    Case.region_code,
    Case.grid_code,
    Case.catalog_item_id,
    Case.channel,
    Case.reporter_user_id,
    Case.event_count,
)


@dataclass
class Redo:
    """One case's change: from the state it had (``seen``: its log length then, or None)
    to ``seq`` events under ``dims``, counting ``facts`` now."""

    case_id: int
    seen: int | None
    seq: int
    dims: Dims
    facts: str
    delta: Delta


@dataclass
class Plan:
    top: int  # the newest event id looked at
    cursor: int  # where the cursor stood
    complete: bool  # every stale case is in ``redo`` (the cursor may move to ``top``)
    redo: list[Redo]


def plan(
    session: Session,
    *,
    timezone: str,
    office_hours: str,
    limit: int = 5_000,
    budget: float | None = None,
) -> Plan:
    """What the rollups need, read and computed without writing (no lock held); with
    ``budget``, no more replays than fit in that many seconds (the plan is then partial)."""
    began = time.perf_counter()
    found = session.get(KpiCursor, CURSOR)
    cursor = found.last_event_id if found else 0
    after = cursor - LOOK_BACK
    top = session.scalar(select(func.max(CaseEvent.id))) or 0
    if top <= after:
        return Plan(top, cursor, True, [])
    recent = select(CaseEvent.case_id).where(CaseEvent.id > after, CaseEvent.id <= top).distinct()
    stale = session.execute(
        select(*_CASE_COLUMNS, KpiCaseState)
        .outerjoin(KpiCaseState, KpiCaseState.case_id == Case.id)
        .where(Case.id.in_(recent))
        .where((KpiCaseState.last_seq.is_(None)) | (KpiCaseState.last_seq < Case.event_count))
        .order_by(Case.id)
        .limit(limit)
    ).all()
    replayer = Replayer(session, timezone=timezone, office_hours=office_hours)
    scopes = board.Scopes(session) if stale else None
    redo: list[Redo] = []
    step = STEP if budget is not None else CHUNK
    for chunk in _chunks(stale, step):
        if budget is not None and redo and time.perf_counter() - began > budget:
            return Plan(top, cursor, False, redo)  # the rest next round
        logs = replayer.logs([row.id for row in chunk])
        for row in chunk:
            assert scopes is not None
            log, state = logs[row.id], row.KpiCaseState
            dims, facts = dims_of(row), replayer.facts(row, log)
            delta = Delta()
            delta.add(facts, dims, scopes)
            if state is not None:
                before, old = _counted(state, replayer, row, log)
                delta.add(before, old, scopes, sign=-1)
            seen = state.last_seq if state is not None else None
            redo.append(Redo(row.id, seen, len(log), dims, fact_text(facts), delta))
    return Plan(top, cursor, len(stale) < limit, redo)


def _counted(
    state: KpiCaseState, replayer: Replayer, case: Any, log: list[Any]
) -> tuple[list[Fact], Dims]:
    """What a case's state says its rollups count: its facts (for a state that did not keep
    them, those of its log's first ``last_seq`` events) under its groupings then."""
    dims = Dims(
        state.county_code,
        state.region_code,
        state.grid_code,
        state.catalog_item_id,
        state.channel,
        state.worker_id,
    )
    if state.facts is not None:
        return facts_of(state.facts), dims
    return replayer.facts(case, log[: state.last_seq]), dims


def carry_out(session: Session, work: Plan) -> int:
    """Apply a plan in a short write transaction: each case whose state is still the one the
    plan started from (another keeper may have done it meanwhile) and that is still on file
    (a withdrawn import's cases go, :func:`forget`); returns the cases done."""
    cursor = _locked_cursor(session)
    ids = [r.case_id for r in work.redo]
    seen: dict[int, int | None] = {}  # the cases still on file, with their state's log length
    for chunk in _chunks(ids):
        seen.update(
            session.execute(
                select(Case.id, KpiCaseState.last_seq)
                .outerjoin(KpiCaseState, KpiCaseState.case_id == Case.id)
                .where(Case.id.in_(chunk))
            ).all()
        )
    delta = Delta()
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for r in work.redo:
        if r.case_id not in seen or seen[r.case_id] != r.seen:
            continue  # done by another keeper since (its change stands), or gone
        delta.update(r.delta)
        state = {"last_seq": r.seq, "facts": r.facts, **vars(r.dims)}
        if r.seen is None:
            added.append({"case_id": r.case_id, **state})
        else:
            changed.append({"key": r.case_id, **state})
    table = KpiCaseState.__table__
    for chunk in _chunks(added):
        session.execute(table.insert(), chunk)
    for chunk in _chunks(changed):
        session.execute(table.update().where(table.c.case_id == bindparam("key")), chunk)
    done = len(added) + len(changed)
    apply(session, delta)
    if work.complete:
        cursor.last_event_id = max(cursor.last_event_id, work.top)
    session.flush()
    return done


def process(session: Session, *, timezone: str, office_hours: str, limit: int = 5_000) -> int:
    """Plan and carry out in the caller's transaction; returns the cases redone."""
    work = plan(session, timezone=timezone, office_hours=office_hours, limit=limit)
    return carry_out(session, work)


def forget(session: Session, case_ids: list[int], *, timezone: str, office_hours: str) -> int:
    """Take cases about to be deleted out of the rollups: the facts their states counted are
    subtracted and the states go; returns the states. The caller holds the keepers off
    (:func:`hold`) until its transaction, which deletes the cases, commits."""
    replayer = Replayer(session, timezone=timezone, office_hours=office_hours)
    scopes: board.Scopes | None = None
    delta, done = Delta(), 0
    for chunk in _chunks(case_ids):
        states = list(session.scalars(select(KpiCaseState).where(KpiCaseState.case_id.in_(chunk))))
        if not states:
            continue
        scopes = scopes or board.Scopes(session)
        old = [s.case_id for s in states if s.facts is None]  # states that kept no facts
        cases, logs = {}, {}
        if old:
            found = session.execute(select(*_CASE_COLUMNS).where(Case.id.in_(old)))
            cases, logs = {c.id: c for c in found}, replayer.logs(old)
        for state in states:
            case, log = cases.get(state.case_id), logs.get(state.case_id, [])
            facts, dims = _counted(state, replayer, case, log)
            delta.add(facts, dims, scopes, sign=-1)
        session.execute(delete(KpiCaseState).where(KpiCaseState.case_id.in_(chunk)))
        done += len(states)
    apply(session, delta)
    return done


def hold(session: Session) -> None:
    """Hold the rollups' keepers off until the caller's transaction ends (they wait at the
    cursor, :func:`carry_out`)."""
    _locked_cursor(session)


def _locked_cursor(session: Session) -> KpiCursor:
    """The cursor row, written first so that this transaction holds it: a second process
    waits here until the first commits, then sees the cases it has done."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        make(KpiCursor.__table__)
        .values(name=CURSOR, last_event_id=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    session.execute(
        update(KpiCursor)
        .where(KpiCursor.name == CURSOR)
        .values(last_event_id=KpiCursor.last_event_id)
    )
    cursor = session.get(KpiCursor, CURSOR, populate_existing=True)
    assert cursor is not None
    return cursor


def _chunks(rows: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# ---- from scratch ----------------------------------------------------------------------------
def recompute(
    session: Session,
    *,
    timezone: str,
    office_hours: str,
    states: list[dict[str, Any]] | None = None,
) -> Delta:
    """Every case's facts, counted from its whole log (each case's state appended to
    ``states`` when given)."""
    replayer = Replayer(session, timezone=timezone, office_hours=office_hours)
    scopes = board.Scopes(session)
    total = Delta()
    last = 0
    while True:
        cases = session.execute(
            select(*_CASE_COLUMNS).where(Case.id > last).order_by(Case.id).limit(CHUNK)
        ).all()
        if not cases:
            return total
        logs = replayer.logs([c.id for c in cases])
        for case in cases:
            facts, dims = replayer.facts(case, logs[case.id]), dims_of(case)
            total.add(facts, dims, scopes)
            if states is not None:
                states.append(
                    {
                        "case_id": case.id,
                        "last_seq": len(logs[case.id]),
                        "facts": fact_text(facts),
                        **vars(dims),
                    }
                )
        last = cases[-1].id


def rebuild(session: Session, *, timezone: str, office_hours: str) -> int:
    """Drop the rollups and count everything again from the events; returns the rows."""
    top = session.scalar(select(func.max(CaseEvent.id))) or 0
    session.execute(delete(KpiRollup))
    session.execute(delete(KpiBoard))
    session.execute(delete(KpiCaseState))
    cursor = session.get(KpiCursor, CURSOR) or KpiCursor(name=CURSOR)
    cursor.last_event_id = top
    session.add(cursor)
    states: list[dict[str, Any]] = []
    total = recompute(session, timezone=timezone, office_hours=office_hours, states=states)
    apply(session, total)
    for chunk in _chunks(states):
        session.execute(KpiCaseState.__table__.insert(), chunk)
    return len(total.fine) + len(total.board)


def stored(session: Session) -> tuple[Counter[str], Counter[str]]:
    """The rollup rows as stored: fine and board, by key."""
    fine = Counter(dict(session.execute(select(KpiRollup.key, KpiRollup.count)).all()))
    wide = Counter(dict(session.execute(select(KpiBoard.key, KpiBoard.count)).all()))
    return fine, wide


def differences(session: Session, *, timezone: str, office_hours: str) -> list[str]:
    """Where the rollups (fine and board) disagree with a full recomputation (empty: they
    agree)."""
    total = recompute(session, timezone=timezone, office_hours=office_hours)
    expected = (
        Counter({key_text(k): n for k, n in total.fine.items() if n}),
        Counter({"board " + board.key_text(k): n for k, n in total.board.items() if n}),
    )
    fine, wide = stored(session)
    found = (fine, Counter({"board " + k: n for k, n in wide.items()}))
    out = []
    for want, have in zip(expected, found, strict=True):
        for key in sorted(set(want) | set(have)):
            if want.get(key, 0) != have.get(key, 0):
                out.append(f"{key}: rollup {have.get(key, 0)}, events {want.get(key, 0)}")
    return out


# ---- reading -------------------------------------------------------------------------------
GROUP_COLUMNS = {
    "unit": KpiRollup.unit,
    "region": KpiRollup.region_code,
    "category": KpiRollup.catalog_item_id,
    "channel": KpiRollup.channel,
    "grid": KpiRollup.grid_code,
    "worker": KpiRollup.worker_id,
    "day": KpiRollup.day,
}
_NONE = ("", 0)  # how the rollups spell "no unit / grid / item / worker"


def tally(
    session: Session,
    *,
    regions: Any,
    first: date,
    last: date,
    by: str | None = None,
    level_length: int | None = None,
    kinds: Iterable[str] | None = None,
) -> tuple[kpi.Counts, dict[str | None, kpi.Counts]]:
    """A period's counts from the rollups, in total and per group (as ``service.tally``)."""
    column = GROUP_COLUMNS[by] if by else None
    selected = [KpiRollup.kind, KpiRollup.outcome, KpiRollup.minutes, func.sum(KpiRollup.count)]
    stmt = select(*selected, *([column] if column is not None else [])).where(
        KpiRollup.region_code.in_(regions), board.in_period(KpiRollup, first, last)
    )
    if kinds is not None:
        stmt = stmt.where(KpiRollup.kind.in_(list(kinds)))
    stmt = stmt.group_by(
        KpiRollup.kind,
        KpiRollup.outcome,
        KpiRollup.minutes,
        *([column] if column is not None else []),
    )
    total = kpi.Counts()
    groups: dict[str | None, kpi.Counts] = {}
    for row in session.execute(stmt):
        kind, outcome, minutes, n = Kind(row[0]), row[1], row[2], int(row[3])
        total.bump(kind, outcome, minutes, n)
        if column is not None:
            raw = row[4]
            if by == "region" and level_length is not None:
                raw = raw[:level_length] if len(raw) >= level_length else None
            key = None if raw in _NONE or raw is None else str(raw)
            groups.setdefault(key, kpi.Counts()).bump(kind, outcome, minutes, n)
    return total, groups


def catch_up(
    db: Any, *, timezone: str, office_hours: str, rounds: int = 20, budget: float | None = None
) -> int:
    """Bring the rollups up to the log, round by round: each round plans in a read
    transaction (the replays: no lock held while intake writes; at most ``budget`` seconds
    of them) and carries out in a short write transaction. Returns the cases redone."""
    done = 0
    for _ in range(rounds):
        with db.read() as session:
            work = plan(session, timezone=timezone, office_hours=office_hours, budget=budget)
        if not work.redo and work.complete:
            if work.top > work.cursor:  # move the cursor past a quiet stretch of the log
                with db.write() as session:
                    carry_out(session, work)
            break
        with db.write() as session:
            n = carry_out(session, work)
        done += n
        if n == 0 and work.complete:
            break
    return done


def catch_up_in(session: Session, *, timezone: str, office_hours: str, rounds: int = 20) -> int:
    """:func:`catch_up` inside the caller's own write transaction (a request that already
    holds SQLite's write lock cannot wait for a second transaction)."""
    done = 0
    for _ in range(rounds):
        n = process(session, timezone=timezone, office_hours=office_hours)
        done += n
        if n == 0:
            break
    return done


def pause_after(spent: float, every: float, share: float) -> float:
    """Seconds to wait before the keeper's next round: ``every``, or longer when the last
    round took ``spent`` seconds, so that the keeper takes at most ``share`` of the time.
    While intake is at full stretch the rollups then lag behind it rather than slow it
    down, and they catch up as soon as it eases (its rounds get short again)."""
    return max(every, spent * (1 - share) / share)


def answer_for(center_timezone: str, settings: Any) -> bool:
    """Whether the rollups can answer for a centre in ``center_timezone``: they count days in
    the installation's time zone, so a centre in another zone is counted from its events."""
    return bool(center_timezone == settings.timezone)


def ready(db: Any, settings: Any, center_timezone: str) -> bool:
    """:func:`answer_for`, and when they can, the rollups caught up with the events first."""
    if not answer_for(center_timezone, settings):
        return False
    catch_up(db, timezone=settings.timezone, office_hours=settings.office_hours)
    return True
