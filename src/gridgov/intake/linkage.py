"""Two-way linkage with 110 (and any channel that wants its cases' progress back).

Every status change of a linked case writes an :class:`Outbox` row in the same transaction as
the change (a transactional outbox: the message exists if and only if the change committed).
:func:`deliver` sends the unsent rows in order and marks them; a failure is kept with its error
and retried next time, so the other side sees every step at least once, in order per case.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.store.models import Outbox

LINKED_CHANNELS = frozenset({"police_110"})


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    last_error: str | None = None


def deliver(
    session: Session,
    *,
    target: str,
    send: Callable[[dict[str, Any]], None],
    now: datetime,
    limit: int = 500,
) -> Delivery:
    """Send unsent messages for ``target`` oldest first; stop at the first failure so that a
    case's steps never arrive out of order."""
    stmt = (
        select(Outbox)
        .where(Outbox.target == target, Outbox.sent_at.is_(None))
        .order_by(Outbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    sent = 0
    for message in session.scalars(stmt):
        body = {**message.payload, "external_id": message.external_id, "message_id": message.id}
        message.attempts += 1
        try:
            send(body)
        except Exception as exc:  # any transport failure: keep it, retry later
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            session.flush()
            return Delivery(sent, 1, message.last_error)
        message.sent_at = now
        message.last_error = None
        sent += 1
    session.flush()
    return Delivery(sent, 0)


@dataclass(frozen=True)
class Backlog:
    """What a linked system has not had yet: how many messages, since when, and why the
    last attempt failed (``None`` when nothing is waiting or nothing failed)."""

    unsent: int
    oldest: datetime | None
    attempts: int
    last_error: str | None


def backlog(session: Session, *, target: str) -> Backlog:
    waiting = (Outbox.target == target) & Outbox.sent_at.is_(None)
    count, oldest = session.execute(
        select(func.count(), func.min(Outbox.created_at)).where(waiting)
    ).one()
    head = session.execute(
        select(Outbox.attempts, Outbox.last_error).where(waiting).order_by(Outbox.id).limit(1)
    ).first()
    return Backlog(count, oldest, head[0] if head else 0, head[1] if head else None)


def http_sender(url: str, *, timeout: float = 10.0) -> Callable[[dict[str, Any]], None]:
    """POST each message as JSON; any status other than 2xx is a failure."""

    def send(body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if not 200 <= response.status < 300:
                    raise RuntimeError(f"HTTP {response.status}")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"HTTP {exc.code}") from None

    return send
