"""Webhooks: subscriptions, the delivery job table, signed sends with back-off.

Two steps, each its own short transaction, so a slow receiver never holds the database:

1. :func:`enqueue` walks the case events after each subscription's cursor and writes one
   delivery row per matching event (unique per subscription and event: running it twice, or
   in two workers, cannot double a delivery) and moves the cursor;
2. :func:`claim` takes due deliveries (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and leases
   them by pushing ``next_attempt_at`` forward; the caller sends them outside any transaction
   and :func:`record` writes each outcome: delivered, or retried after 30 s, 1 min, 2 min …
   (capped at 1 h) until ``MAX_ATTEMPTS`` make it ``dead``. :func:`resend` puts any delivery
   back in the queue by hand.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.auth.scope import region_subtree
from gridgov.hooks import signing
from gridgov.kit.errors import Conflict, NotFound, ValidationFailed
from gridgov.store.models import (
    Case,
    CaseEvent,
    CatalogItem,
    Region,
    Unit,
    Webhook,
    WebhookDelivery,
)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
LEASE = timedelta(minutes=2)  # a claimed delivery whose worker died is retried after this
SCAN_BATCH = 1000


# ---- subscriptions ------------------------------------------------------------------------
@dataclass(frozen=True)
class Created:
    webhook: Webhook
    secret: str  # shown once


def create(
    session: Session,
    *,
    name: str,
    url: str,
    event_types: Sequence[str],
    now: datetime,
    region_code: str | None = None,
    from_now: bool = True,
) -> Created:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(f"the webhook URL must be http(s)://host/…, not {url!r}")
    types = sorted({t.strip() for t in event_types if t.strip()}) or ["*"]
    if session.scalar(select(Webhook.id).where(Webhook.name == name)) is not None:
        raise Conflict(f"a webhook named {name!r} already exists")
    if region_code is not None and session.get(Region, region_code) is None:
        raise NotFound(f"no region with code {region_code!r}")
    secret = secrets.token_urlsafe(32)
    cursor = (session.scalar(select(func.max(CaseEvent.id))) or 0) if from_now else 0
    hook = Webhook(
        name=name,
        url=url,
        secret=secret,
        event_types=types,
        region_code=region_code,
        cursor=cursor,
        created_at=now,
    )
    session.add(hook)
    session.flush()
    return Created(hook, secret)


def get(session: Session, name: str) -> Webhook:
    hook = session.scalar(select(Webhook).where(Webhook.name == name))
    if hook is None:
        raise NotFound(f"no webhook named {name!r}")
    return hook


def list_all(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.name)))


def set_active(session: Session, name: str, active: bool) -> Webhook:
    hook = get(session, name)
    hook.active = active
    return hook


# ---- step 1: events → deliveries ----------------------------------------------------------
def _payload(event: CaseEvent, case: Case, item: str | None, unit: str | None) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "type": event.action,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "detail": event.payload,  # masked when the event was written
        "case": {
            "number": case.number,
            "status": case.status,
            "channel": case.channel,
            "external_id": case.external_id,
            "region_code": case.region_code,
            "grid_code": case.grid_code,
            "catalog_item": item,
            "lead_unit": unit,
            "sla_colour": case.sla_colour,
            "updated_at": case.updated_at.isoformat(),
        },
    }


def enqueue(session: Session, *, now: datetime) -> int:
    """Write deliveries for the events each active subscription has not yet considered."""
    made = 0
    hooks = select(Webhook).where(Webhook.active).order_by(Webhook.id)
    if session.get_bind().dialect.name == "postgresql":  # another worker's hooks: skip them
        hooks = hooks.with_for_update(skip_locked=True)
    for hook in session.scalars(hooks):
        top = session.scalar(
            select(func.max(CaseEvent.id)).where(
                CaseEvent.id.in_(
                    select(CaseEvent.id)
                    .where(CaseEvent.id > hook.cursor)
                    .order_by(CaseEvent.id)
                    .limit(SCAN_BATCH)
                )
            )
        )
        if top is None:
            continue
        stmt = (
            select(CaseEvent, Case, CatalogItem.code, Unit.code)
            .join(Case, Case.id == CaseEvent.case_id)
            .outerjoin(CatalogItem, CatalogItem.id == Case.catalog_item_id)
            .outerjoin(Unit, Unit.id == Case.lead_unit_id)
            .where(CaseEvent.id > hook.cursor, CaseEvent.id <= top)
            .order_by(CaseEvent.id)
        )
        if "*" not in hook.event_types:
            stmt = stmt.where(CaseEvent.action.in_(hook.event_types))
        if hook.region_code:
            stmt = stmt.where(Case.region_code.in_(region_subtree(hook.region_code)))
        for event, case, item, unit in session.execute(stmt):
            session.add(
                WebhookDelivery(
                    webhook_id=hook.id,
                    event_id=event.id,
                    event_type=event.action,
                    payload=_payload(event, case, item, unit),
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            made += 1
        hook.cursor = top
        session.flush()
    return made


# ---- step 2: send -------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    delivery_id: int
    url: str
    secret: str
    event_type: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def claim(session: Session, *, now: datetime, limit: int = 100) -> list[Job]:
    stmt = (
        select(WebhookDelivery, Webhook)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            Webhook.active,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    jobs = []
    for delivery, hook in session.execute(stmt):
        delivery.next_attempt_at = now + LEASE
        body = json.dumps(
            {"delivery_id": delivery.id, "webhook": hook.name, **delivery.payload},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        jobs.append(Job(delivery.id, hook.url, hook.secret, delivery.event_type, body))
    session.flush()
    return jobs


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


def record(session: Session, *, delivery_id: int, outcome: Outcome, now: datetime) -> str:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    delivery.attempts += 1
    delivery.last_status = outcome.status
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.state = "delivered"
        delivery.delivered_at = now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = "dead"
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    session.flush()
    return delivery.state


def http_send(job: Job, *, timeout: float = 10.0) -> Outcome:
    """POST the signed body; any answer other than 2xx, or no answer, is a failure."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "gridgov-webhooks",
        "X-Gridgov-Event": job.event_type,
        "X-Gridgov-Delivery": str(job.delivery_id),
        signing.HEADER: signing.sign(job.secret, int(time.time()), job.body),
    }
    request = urllib.request.Request(job.url, data=job.body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Outcome(response.status)
    except urllib.error.HTTPError as exc:
        return Outcome(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:2000])


@dataclass(frozen=True)
class Round:
    enqueued: int
    delivered: int
    failed: int


def run_once(
    db: Any, *, now: Callable[[], datetime], send: Callable[[Job], Outcome] = http_send
) -> Round:
    """One worker round: enqueue, claim, send (no transaction open), record."""
    with db.write() as session:
        enqueued = enqueue(session, now=now())
        jobs = claim(session, now=now())
    delivered = failed = 0
    for job in jobs:
        outcome = send(job)
        with db.write() as session:
            record(session, delivery_id=job.delivery_id, outcome=outcome, now=now())
        delivered, failed = (delivered + 1, failed) if outcome.ok else (delivered, failed + 1)
    return Round(enqueued, delivered, failed)


def resend(session: Session, *, delivery_id: int, now: datetime) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    delivery.state = "pending"
    delivery.next_attempt_at = now
    delivery.delivered_at = None
    session.flush()
    return delivery


def deliveries(
    session: Session, *, name: str | None = None, state: str | None = None, limit: int = 100
) -> list[tuple[WebhookDelivery, str]]:
    stmt = select(WebhookDelivery, Webhook.name).join(
        Webhook, Webhook.id == WebhookDelivery.webhook_id
    )
    if name:
        stmt = stmt.where(Webhook.name == name)
    if state:
        stmt = stmt.where(WebhookDelivery.state == state)
    rows = session.execute(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)).all()
    return [(d, n) for d, n in rows]
