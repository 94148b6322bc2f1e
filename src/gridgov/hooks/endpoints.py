"""Webhook subscriptions and their delivery log over HTTP (administrators)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gridgov.api import idempotency as idem
from gridgov.api.deps import ReadActor, ReadSession, RowId, WriteActor, WriteSession
from gridgov.api.errors import error_responses
from gridgov.hooks import service
from gridgov.kit.clock import utc_now
from gridgov.store.models import Webhook, WebhookDelivery

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=64)]
    url: Annotated[str, Field(min_length=8, max_length=500)]
    event_types: list[str] = Field(default_factory=lambda: ["*"])
    region_code: str | None = None
    from_now: bool = Field(True, description="Only events after the subscription (else all)")


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    url: str
    event_types: list[str]
    region_code: str | None
    active: bool
    cursor: int
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str | None = Field(
        description="HMAC secret, shown once (null in an Idempotency-Key replay)"
    )


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    webhook: str
    event_id: int
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _delivery(row: WebhookDelivery, name: str) -> DeliveryRead:
    data = {k: getattr(row, k) for k in DeliveryRead.model_fields if k != "webhook"}
    return DeliveryRead(webhook=name, **data)


@router.get("", response_model=list[WebhookRead], responses=error_responses(401, 403))
def list_webhooks(session: ReadSession, actor: ReadActor) -> list[WebhookRead]:
    return [WebhookRead.model_validate(h) for h in service.list_all(session)]


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
)
def create_webhook(
    body: WebhookCreate,
    session: WriteSession,
    actor: WriteActor,
    idempotency_key: idem.KeyHeader = None,
) -> WebhookCreated | JSONResponse:
    def make() -> WebhookCreated:
        made = service.create(
            session,
            name=body.name,
            url=body.url,
            event_types=body.event_types,
            region_code=body.region_code,
            from_now=body.from_now,
            now=utc_now(),
        )
        read = WebhookRead.model_validate(made.webhook).model_dump()
        return WebhookCreated(**read, secret=made.secret)

    return idem.once(
        session,
        actor=actor,
        key=idempotency_key,
        operation="POST /api/v1/webhooks",
        request=body,
        status_code=201,
        make=make,
        now=utc_now(),
        secret_fields=("secret",),
    )


@router.post(
    "/{name}/active", response_model=WebhookRead, responses=error_responses(401, 403, 404, 422)
)
def set_active(
    name: str, session: WriteSession, actor: WriteActor, active: Annotated[bool, Query()]
) -> WebhookRead:
    """Pause (``active=false``) or resume a subscription; paused events wait, none is lost."""
    hook: Webhook = service.set_active(session, name, active)
    return WebhookRead.model_validate(hook)


@router.get(
    "/deliveries", response_model=list[DeliveryRead], responses=error_responses(401, 403, 422)
)
def list_deliveries(
    session: ReadSession,
    actor: ReadActor,
    webhook: str | None = None,
    state: Annotated[str | None, Query(pattern="^(pending|delivered|dead)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryRead]:
    rows = service.deliveries(session, name=webhook, state=state, limit=limit)
    return [_delivery(d, n) for d, n in rows]


@router.post(
    "/deliveries/{delivery_id}/resend",
    response_model=DeliveryRead,
    responses=error_responses(401, 403, 404),
)
def resend(delivery_id: RowId, session: WriteSession, actor: WriteActor) -> DeliveryRead:
    row = service.resend(session, delivery_id=delivery_id, now=utc_now())
    hook = session.get(Webhook, row.webhook_id)
    return _delivery(row, hook.name if hook else "")
