"""Live case events for consoles: server-sent events, filtered by the caller's data scope.

``GET /api/v1/events/stream`` sends every case event the caller may see as it is written
(``id`` = the event's id, ``event: case``, JSON ``data``). A reconnecting ``EventSource``
sends ``Last-Event-ID`` and resumes after it, so nothing is missed across a dropped
connection; without it the stream starts with the next event (or after ``?after=ID``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from gridgov.api.deps import ReadActor, ThePlatform
from gridgov.api.errors import error_responses
from gridgov.auth import scope
from gridgov.auth.actor import Actor
from gridgov.bootstrap import Platform
from gridgov.store.models import Case, CaseEvent

router = APIRouter(tags=["live"])
BATCH = 200
KEEP_ALIVE_SECONDS = 15.0


def _start(p: Platform) -> int:
    with p.db.read() as session:
        return session.scalar(select(func.max(CaseEvent.id))) or 0


def _fetch(p: Platform, actor: Actor, after: int) -> list[dict[str, Any]]:
    with p.db.read() as session:
        rows = session.execute(
            select(CaseEvent, Case)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.id > after, scope.case_condition(session, actor))
            .order_by(CaseEvent.id)
            .limit(BATCH)
        ).all()
        return [
            {
                "id": e.id,
                "type": e.action,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "case": {
                    "number": c.number,
                    "status": c.status,
                    "title": c.title,
                    "channel": c.channel,
                    "sla_colour": c.sla_colour,
                    "region_code": c.region_code,
                    "grid_code": c.grid_code,
                    "lon": c.lon,
                    "lat": c.lat,
                },
            }
            for e, c in rows
        ]


@router.get(
    "/events/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent case events"},
        **error_responses(401, 422),
    },
)
async def stream(
    request: Request,
    p: ThePlatform,
    actor: ReadActor,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    after: Annotated[
        int | None, Query(ge=0, le=2**31 - 1, description="Resume after this event id")
    ] = None,
) -> StreamingResponse:
    resume = after
    if last_event_id and last_event_id.isdigit():
        resume = int(last_event_id)
    cursor = resume if resume is not None else await run_in_threadpool(_start, p)
    poll = p.settings.live_poll_seconds

    async def events() -> AsyncIterator[str]:
        nonlocal cursor
        yield f"retry: 3000\n: resuming after {cursor}\n\n"
        quiet = 0.0
        while not await request.is_disconnected():
            rows = await run_in_threadpool(_fetch, p, actor, cursor)
            for row in rows:
                cursor = row["id"]
                data = json.dumps(row, ensure_ascii=False)
                yield f"id: {row['id']}\nevent: case\ndata: {data}\n\n"
            if rows:
                quiet = 0.0
                if len(rows) == BATCH:
                    continue  # more are waiting
            else:
                quiet += poll
                if quiet >= KEEP_ALIVE_SECONDS:
                    quiet = 0.0
                    yield ": keep-alive\n\n"
            await asyncio.sleep(poll)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
