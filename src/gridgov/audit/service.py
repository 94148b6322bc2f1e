"""Re-computing every case's hash chain."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.audit.chain import Break, ChainedEvent, verify_chain
from gridgov.store.models import Case, CaseEvent

CHAIN_FIELDS = [f.name for f in fields(ChainedEvent)]


@dataclass(frozen=True)
class Finding:
    case_number: str
    seq: int | None
    reason: str


@dataclass(frozen=True)
class AuditReport:
    cases: int
    events: int
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_all(session: Session, *, batch: int = 500) -> AuditReport:
    """Walk every case (in id order, ``batch`` at a time) and re-check its chain."""
    findings: list[Finding] = []
    n_cases = n_events = 0
    last_id = 0
    while True:
        cases = session.scalars(
            select(Case).where(Case.id > last_id).order_by(Case.id).limit(batch)
        ).all()
        if not cases:
            break
        ids = [c.id for c in cases]
        by_case: dict[int, list[ChainedEvent]] = {i: [] for i in ids}
        for e in session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id.in_(ids))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        ):
            by_case[e.case_id].append(
                ChainedEvent(**{name: getattr(e, name) for name in CHAIN_FIELDS})
            )
        for case in cases:
            chain = by_case[case.id]
            n_events += len(chain)
            breaks: list[Break] = verify_chain(
                case.id, chain, anchor_count=case.event_count, anchor_hash=case.last_hash
            )
            findings += [Finding(case.number, b.seq, b.reason) for b in breaks]
        n_cases += len(cases)
        last_id = ids[-1]
        session.expunge_all()
    return AuditReport(cases=n_cases, events=n_events, findings=findings)
