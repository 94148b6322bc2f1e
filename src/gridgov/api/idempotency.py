"""``Idempotency-Key`` for creates (following the IETF httpapi idempotency-key draft).

The first request with a key runs and its answer is kept with the key (per user), in the same
transaction as the creation; a retry with the same key and the same body gets that answer
again (header ``Idempotent-Replayed: true``) and creates nothing; the same key with another
body is refused (422). Secrets in an answer (a new API key, a webhook's signing secret) are
not kept: a replay shows the created row without them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridgov.auth.actor import Actor
from gridgov.kit.errors import ValidationFailed
from gridgov.store.models import IdempotencyRecord

KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="Retry-safe create: the same key and body give the first answer again",
    ),
]


def fingerprint(body: BaseModel | dict[str, Any] | bytes | None) -> str:
    """SHA-256 of the request. Leave secrets (passwords) out of what is passed in: the
    digest is kept, and a fast hash of a password is no protection."""
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    raw = json.dumps(body, sort_keys=True).encode() if isinstance(body, dict) else body or b""
    return hashlib.sha256(raw).hexdigest()


def replay(
    session: Session, *, actor: Actor, key: str | None, operation: str, print_: str
) -> JSONResponse | None:
    """The kept answer for this key, or None when the key is new (or absent)."""
    if not key or actor.user_id is None:
        return None
    row = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == actor.user_id, IdempotencyRecord.key == key
        )
    )
    if row is None:
        return None
    if row.operation != operation or row.fingerprint != print_:
        raise ValidationFailed(
            f"Idempotency-Key {key!r} was already used for another request ({row.operation})"
        )
    return JSONResponse(
        row.body, status_code=row.status_code, headers={"Idempotent-Replayed": "true"}
    )


def remember(
    session: Session,
    *,
    actor: Actor,
    key: str | None,
    operation: str,
    print_: str,
    status_code: int,
    answer: BaseModel,
    now: datetime,
    secret_fields: Iterable[str] = (),
) -> None:
    if not key or actor.user_id is None:
        return
    body: Any = answer.model_dump(mode="json")
    for name in secret_fields:
        if name in body:
            body[name] = None  # kept out of the database; the replay says so
    session.add(
        IdempotencyRecord(
            user_id=actor.user_id,
            key=key,
            operation=operation,
            fingerprint=print_,
            status_code=status_code,
            body=body,
            created_at=now,
        )
    )
    session.flush()


def once(
    session: Session,
    *,
    actor: Actor,
    key: str | None,
    operation: str,
    request: BaseModel | dict[str, Any] | bytes | None,
    status_code: int,
    make: Callable[[], BaseModel],
    now: datetime,
    secret_fields: Iterable[str] = (),
) -> BaseModel | JSONResponse:
    """Run ``make`` once per key: the first answer, kept, is the answer to every retry.

    A retry sent while the first request is still running (a client that timed out) finds no
    answer yet, makes the same thing and meets the first request's rows at a unique
    constraint (the thing's own, or the key's), where PostgreSQL holds it until the first
    commits. It then gives the first request's answer, as any later retry would."""
    print_ = fingerprint(request)

    def run() -> BaseModel | JSONResponse:
        prior = replay(session, actor=actor, key=key, operation=operation, print_=print_)
        if prior is not None:
            return prior
        answer = make()
        remember(
            session,
            actor=actor,
            key=key,
            operation=operation,
            print_=print_,
            status_code=status_code,
            answer=answer,
            now=now,
            secret_fields=secret_fields,
        )
        return answer

    if not key or actor.user_id is None:
        return run()
    try:
        with session.begin_nested():
            return run()
    except IntegrityError:
        prior = replay(session, actor=actor, key=key, operation=operation, print_=print_)
        if prior is None:  # not a retry's race: the make's own clash, as without a key
            raise
        return prior
