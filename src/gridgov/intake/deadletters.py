"""Dead letters: records a channel delivered that could not become cases, kept verbatim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.auth import scope
from gridgov.auth.actor import Actor
from gridgov.cases.permissions import Role
from gridgov.cases.repository import IDEM
from gridgov.intake import pii
from gridgov.intake.channels import NAME_FIELDS, PHONE_FIELDS, id_field
from gridgov.kit.errors import Forbidden, NotFound, ValidationFailed
from gridgov.store.models import Case, Center, DeadLetter, DeadLetterReveal

REVEAL_ROLES = frozenset({Role.dispatcher, Role.admin})  # as may list and replay them


def identity(channel: str, payload: object, idempotency_key: str | None = None) -> str | None:
    """The record's own id in its channel (its adapter's ``id_field``), else the
    Idempotency-Key it came with, as the door keys the case: so a letter and the case its
    record may become later share one external id."""
    field = id_field(channel)
    value = payload.get(field) if field and isinstance(payload, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()[:100]
    return f"{IDEM}{idempotency_key}"[:100] if idempotency_key else None


def dead_letter(
    session: Session,
    *,
    channel: str,
    payload: object,
    reason: str,
    now: datetime,
    idempotency_key: str | None = None,
    region_code: str | None = None,
) -> DeadLetter:
    """Keep a rejected record (:func:`keep`), under its :func:`identity`."""
    return keep(
        session,
        channel=channel,
        external_id=identity(channel, payload, idempotency_key),
        payload=payload,
        reason=reason,
        now=now,
        region_code=region_code,
    )


def received_in(session: Session, *, actor: Actor, center: str | None) -> str | None:
    """Where a record was received: the region of the centre it was sent to, else the
    sender's own region (its user's, or its centre's); None for a platform-wide account.
    The letter of a refused record is seen by the dispatchers over that region."""
    if center:
        found = session.scalar(select(Center.region_code).where(Center.code == center))
        if found is not None:
            return found
    return scope.home_region(session, actor)


def keep(
    session: Session,
    *,
    channel: str,
    external_id: str | None,
    payload: object,
    reason: str,
    now: datetime,
    region_code: str | None = None,
    import_mapping: dict[str, Any] | None = None,
    import_batch_id: int | None = None,
) -> DeadLetter:
    """Keep a rejected record. The same record delivered again (same channel, id and
    payload) while its letter is pending is counted on that letter, not kept twice: a
    client that retries a refused upload, or an import run again, does not fill the
    dispatchers' queue."""
    body = jsonable(payload if isinstance(payload, dict) else {"_raw": payload})
    external, channel = external_id, str(channel)[:24]
    if external is not None:
        for earlier in session.scalars(
            select(DeadLetter)
            .where(
                DeadLetter.channel == channel,
                DeadLetter.external_id == external,
                DeadLetter.state == "pending",
            )
            .order_by(DeadLetter.id.desc())
        ):
            if earlier.payload == body:
                earlier.attempts += 1
                earlier.reason = reason
                if import_mapping is not None:  # the mapping of the import that met it last
                    earlier.import_mapping = import_mapping
                    earlier.import_batch_id = import_batch_id
                session.flush()
                return earlier
    letter = DeadLetter(
        channel=channel,
        external_id=external,
        region_code=region_code,
        received_at=now,
        reason=reason,
        payload=body,
        state="pending",
        attempts=1,
        import_mapping=import_mapping,
        import_batch_id=import_batch_id,
    )
    session.add(letter)
    session.flush()
    return letter


def masked(value: Any, key: str | None = None) -> Any:
    """A stored payload as lists show it: names and phone numbers in the fields that hold
    them, and every phone, ID or card number in any text, masked."""
    if isinstance(value, dict):
        return {k: masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if not isinstance(value, str):
        return value
    if key in NAME_FIELDS:
        return pii.mask_name(value)
    if key in PHONE_FIELDS:
        return pii.mask_phone(value)
    return pii.mask_text(value)[0]


@dataclass(frozen=True)
class Shown:
    """A letter's payload and reason as a list shows them (masked) or a reveal (original),
    and whether masking changed anything."""

    payload: Any
    reason: str
    personal_data: bool


def shown(letter: DeadLetter, *, revealed: bool = False) -> Shown:
    payload, reason = masked(letter.payload), masked(letter.reason)
    found = (payload, reason) != (letter.payload, letter.reason)
    if revealed:
        return Shown(letter.payload, letter.reason, found)
    return Shown(payload, reason, found)


def reveal(
    session: Session, *, letter_id: int, actor: Actor, reason: str, now: datetime
) -> DeadLetter:
    """A dead letter with its personal data, for correcting it: each reveal is recorded."""
    if not actor.roles & REVEAL_ROLES:
        raise Forbidden(f"{actor.username} may not see the personal data of dead letters")
    if len(reason.strip()) < 2:
        raise ValidationFailed("say why the personal data is needed (reason)")
    letter = visible(session, letter_id, actor)
    session.add(
        DeadLetterReveal(
            dead_letter_id=letter.id,
            at=now,
            actor_id=actor.user_id,
            actor=actor.username,
            reason=reason.strip(),
        )
    )
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
    session: Session, *, state: str | None = "pending", limit: int = 100, actor: Actor | None = None
) -> list[tuple[DeadLetter, str | None]]:
    """The newest letters first, each with the number of the case it became (if replayed):
    those in the ``actor``'s scope (:func:`scope.dead_letter_condition`), or all (None: an
    operator at the command line)."""
    stmt = (
        select(DeadLetter, Case.number)
        .outerjoin(Case, Case.id == DeadLetter.case_id)
        .order_by(DeadLetter.id.desc())
        .limit(limit)
    )
    if state:
        stmt = stmt.where(DeadLetter.state == state)
    if actor is not None:
        stmt = stmt.where(scope.dead_letter_condition(session, actor))
    return [(letter, number) for letter, number in session.execute(stmt)]


def visible(
    session: Session, letter_id: int, actor: Actor | None, *, lock: bool = False
) -> DeadLetter:
    """The letter, if it exists and is in the ``actor``'s scope (None: anyone's); outside it
    is answered as missing, as cases are."""
    letter = session.get(DeadLetter, letter_id, with_for_update=True if lock else None)
    if letter is not None and actor is not None:
        condition = scope.dead_letter_condition(session, actor)
        seen = select(DeadLetter.id).where(DeadLetter.id == letter_id, condition)
        if session.scalar(seen) is None:
            letter = None
    if letter is None:
        raise NotFound(f"no dead letter #{letter_id}")
    return letter


def pending(session: Session, letter_id: int, actor: Actor | None = None) -> DeadLetter:
    """The letter, locked (``FOR UPDATE``) and still pending. Of two dispatchers replaying or
    discarding it at once, the second waits for the first and then finds it done: a record
    without an external id does not become two cases, nor is a replayed one discarded."""
    letter = visible(session, letter_id, actor, lock=True)
    if letter.state != "pending":
        raise ValidationFailed(f"dead letter #{letter_id} is already {letter.state}")
    return letter


def discard(
    session: Session, *, letter_id: int, now: datetime, actor: Actor | None = None
) -> DeadLetter:
    letter = pending(session, letter_id, actor)
    letter.state = "discarded"
    letter.resolved_at = now
    return letter
