"""Withdrawing an import batch: a file imported by mistake (the wrong file, a wrong mapping)
taken back out, so that it can be imported again, corrected.

What goes is each case the batch wrote that nothing has happened to since: its import event
is its only event, no case that stays refers to it (merged into it, split from it, flagged as
repeating it), and nothing about it has left the platform (a webhook delivery, a message to
110). Its events, centre trail and protected text go with it, and its facts come out of the
KPI rollups: the rollups' keepers are held off (:func:`rollups.hold`) until the withdrawal
commits, so none counts the cases again or loses them. Their numbers are not given out again.

What stays is every other case of the batch, each listed with why, and the batch itself,
which keeps the withdrawal (when, by whom, the reason given, what came of it). The batch's
letters are discarded: those still pending, and those replayed into a case that went.

A dry run (the default, as for the import) says what would go and what would stay, and
writes nothing. One transaction: all of it, or none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session, aliased

from gridgov.analytics import rollups
from gridgov.auth.actor import Actor
from gridgov.intake import batches
from gridgov.kit.errors import Conflict, ValidationFailed
from gridgov.store.models import (
    Attachment,
    Case,
    CaseAssignment,
    CaseCenter,
    CaseDeadline,
    CaseEvent,
    CaseProtected,
    DeadLetter,
    Outbox,
    WebhookDelivery,
)

KEPT_LINES = 100  # of the cases a withdrawal keeps, listed with why
CHUNK = 500

# why a case of the batch stays
WORKED = "worked on"  # events after its import (an attachment counts too)
REFERRED = "referred to"  # a case that stays was merged into it, split from it, or repeats it
SENT = "sent out"  # a webhook delivered its event, or the 110 linkage was told of it
_REFERENCES = (Case.duplicate_of_id, Case.parent_id, Case.probable_duplicate_id)


@dataclass
class Withdrawal:
    batch: int
    dry_run: bool
    reason: str
    cases: int = 0  # the batch's cases on file
    withdrawn: int = 0  # taken out (in a dry run: that would be)
    kept: list[dict[str, str]] = field(default_factory=list)  # number and why (the first 100)
    kept_count: int = 0
    kept_why: dict[str, int] = field(default_factory=dict)  # how many stay for each reason
    letters_discarded: int = 0
    at: datetime | None = None
    by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def withdraw(
    session: Session,
    batch_id: int,
    *,
    reason: str,
    now: datetime,
    actor: Actor | None,
    username: str,
    timezone: str,
    office_hours: str,
    dry_run: bool = True,
) -> Withdrawal:
    """Withdraw the batch (or, in a dry run, say what withdrawing it would do): see the
    module. A batch outside the ``actor``'s scope is answered as missing (None: any, an
    operator at the command line); one withdrawn already is a conflict."""
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationFailed("say why the import is withdrawn (reason)")
    batch = batches.find(session, batch_id, actor=actor, lock=not dry_run)
    if batch.withdrawn_at is not None:
        raise Conflict(
            f"import batch {batch_id} was withdrawn already, at {batch.withdrawn_at.isoformat()}"
            f" by {batch.withdrawn_by}"
        )
    out = Withdrawal(batch=batch_id, dry_run=dry_run, reason=reason)
    if not dry_run:
        rollups.hold(session)  # first: the keepers wait from here to the commit
        # letters first: a replay under way (the letter locked) finishes before, and its case
        # is then among the batch's; one not yet begun finds its letter discarded
        out.letters_discarded = _discard(
            session, (DeadLetter.import_batch_id == batch_id) & (DeadLetter.state == "pending"), now
        )
    stmt = select(Case.id, Case.number, Case.event_count).where(Case.import_batch_id == batch_id)
    if not dry_run:  # a person acting on one of them meanwhile waits, then finds it gone
        stmt = stmt.with_for_update()
    rows = session.execute(stmt.order_by(Case.id)).all()
    why = _kept(session, batch_id, {r.id: r.event_count for r in rows})
    going = [r.id for r in rows if r.id not in why]
    out.cases, out.withdrawn, out.kept_count = len(rows), len(going), len(why)
    out.kept = [{"case": r.number, "why": why[r.id]} for r in rows if r.id in why][:KEPT_LINES]
    out.kept_why = dict(Counter(why.values()))
    if dry_run:
        out.letters_discarded = _letters(session, batch_id, going)
        return out
    rollups.forget(session, going, timezone=timezone, office_hours=office_hours)
    for chunk in _chunks(going):  # first what they name of one another, in any chunk
        session.execute(
            update(Case)
            .where(Case.id.in_(chunk), or_(*(c.is_not(None) for c in _REFERENCES)))
            .values(duplicate_of_id=None, parent_id=None, probable_duplicate_id=None)
            .execution_options(synchronize_session=False)
        )
    for chunk in _chunks(going):
        replayed = DeadLetter.case_id.is_not(None) & DeadLetter.case_id.in_(chunk)
        out.letters_discarded += _discard(session, replayed, now)
        _remove(session, chunk)
    out.at, out.by = now, username
    batch.withdrawn_at, batch.withdrawn_by = now, username
    batch.withdrawal = {k: v for k, v in out.as_dict().items() if k not in ("at", "by")}
    session.flush()
    return out


WHY_ZH = {WORKED: "已有办理", REFERRED: "被其他案件引用", SENT: "已外发"}


def words(out: Withdrawal, *, chinese: bool = False) -> str:
    """What came of a withdrawal (or would, in a dry run), in a sentence."""
    why = out.kept_why
    if chinese:
        kept = "、".join(f"{WHY_ZH[k]} {n}" for k, n in why.items())
        head = "检查：撤销将" if out.dry_run else "已撤销，"
        return (
            f"导入批次 #{out.batch} {head}撤出 {out.withdrawn} 件，保留 {out.kept_count} 件"
            + (f"（{kept}）" if kept else "")
            + f"，作废退件 {out.letters_discarded} 条"
        )
    kept = ", ".join(f"{n} {k}" for k, n in why.items())
    verb = "would take out" if out.dry_run else "took out"
    return (
        f"import batch #{out.batch}: {verb} {out.withdrawn} cases, kept {out.kept_count}"
        + (f" ({kept})" if kept else "")
        + f", {out.letters_discarded} dead letters discarded"
    )


def _kept(session: Session, batch_id: int, events: dict[int, int]) -> dict[int, str]:
    """Of the batch's cases (id → event count), those that stay, with why."""
    why = {i: WORKED for i, n in events.items() if n > 1}
    of_batch = Case.import_batch_id == batch_id
    attached = select(Attachment.case_id).join(Case, Case.id == Attachment.case_id)
    why |= dict.fromkeys(session.scalars(attached.where(of_batch)), WORKED)
    sent = (
        select(CaseEvent.case_id)
        .join(WebhookDelivery, WebhookDelivery.event_id == CaseEvent.id)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(of_batch)
    )
    told = select(Outbox.case_id).join(Case, Case.id == Outbox.case_id).where(of_batch)
    for case_id in session.scalars(sent.union(told)):
        why.setdefault(case_id, SENT)
    refs: list[tuple[int, int]] = []  # (the case that refers, the batch's case it names)
    named = aliased(Case)
    for column in _REFERENCES:
        found = session.execute(
            select(Case.id, named.id)
            .join(named, named.id == column)
            .where(named.import_batch_id == batch_id)
        )
        refs += [(referrer, target) for referrer, target in found]
    changed = True
    while changed:  # a case that stays keeps what it refers to (a chain of them, rarely)
        changed = False
        for referrer, target in refs:
            if target not in why and (referrer not in events or referrer in why):
                why[target], changed = REFERRED, True
    return why


def _letters(session: Session, batch_id: int, going: list[int]) -> int:
    """How many letters withdrawing would discard (a dry run's count): those pending, and
    those replayed into a case that would go."""
    pending = select(DeadLetter.id).where(
        DeadLetter.import_batch_id == batch_id, DeadLetter.state == "pending"
    )
    found = set(session.scalars(pending))
    replayed = select(DeadLetter.id, DeadLetter.case_id).join(Case, Case.id == DeadLetter.case_id)
    gone = set(going)
    found |= {
        i
        for i, case_id in session.execute(replayed.where(Case.import_batch_id == batch_id))
        if case_id in gone
    }
    return len(found)


def _discard(session: Session, which: ColumnElement[bool], now: datetime) -> int:
    """Discard the letters ``which`` names (a replayed one loses its case, which goes)."""
    done = session.execute(
        update(DeadLetter)
        .where(which)
        .values(state="discarded", resolved_at=now, case_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def _remove(session: Session, ids: list[int]) -> None:
    """Delete cases and what is theirs (their rollup states went with :func:`rollups.forget`,
    what they named of one another before)."""
    for model in (CaseProtected, CaseCenter, CaseDeadline, CaseAssignment, CaseEvent):
        session.execute(delete(model).where(model.case_id.in_(ids)))
    session.execute(
        delete(Case).where(Case.id.in_(ids)).execution_options(synchronize_session=False)
    )


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
