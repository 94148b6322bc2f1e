"""Dead letters: records a channel delivered that could not become cases, kept verbatim."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.kit.errors import NotFound, ValidationFailed
from gridgov.store.models import DeadLetter


def dead_letter(
    session: Session, *, channel: str, payload: object, reason: str, now: datetime
) -> DeadLetter:
    body = payload if isinstance(payload, dict) else {"_raw": payload}
    external = None
    for key in ("call_id", "client_id", "event_id", "submission_id", "token", "alert_id"):
        value = body.get(key) if isinstance(body, dict) else None
        if isinstance(value, str):
            external = value[:100]
            break
    letter = DeadLetter(
        channel=str(channel)[:24],
        external_id=external,
        received_at=now,
        reason=reason,
        payload=jsonable(body),
        state="pending",
        attempts=1,
    )
    session.add(letter)
    session.flush()
    return letter


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def list_dead_letters(
    session: Session, *, state: str | None = "pending", limit: int = 100
) -> list[DeadLetter]:
    stmt = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(DeadLetter.state == state)
    return list(session.scalars(stmt))


def pending(session: Session, letter_id: int) -> DeadLetter:
    """The letter, locked (``FOR UPDATE``) and still pending. Of two dispatchers replaying or
    discarding it at once, the second waits for the first and then finds it done: a record
    without an external id does not become two cases, nor is a replayed one discarded."""
    letter = session.get(DeadLetter, letter_id, with_for_update=True)
    if letter is None:
        raise NotFound(f"no dead letter #{letter_id}")
    if letter.state != "pending":
        raise ValidationFailed(f"dead letter #{letter_id} is already {letter.state}")
    return letter


def discard(session: Session, *, letter_id: int, now: datetime) -> DeadLetter:
    letter = pending(session, letter_id)
    letter.state = "discarded"
    letter.resolved_at = now
    return letter
