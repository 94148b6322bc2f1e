"""HTTP endpoints for cases (thin: parse → service → render)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gridgov.api import idempotency as idem
from gridgov.api.deps import (
    PageNo,
    PageSize,
    ReadActor,
    ReadSession,
    RowId,
    ThePlatform,
    WriteActor,
    WriteSession,
)
from gridgov.api.errors import error_responses
from gridgov.auth.actor import Actor
from gridgov.bootstrap import Platform
from gridgov.cases import attachments, repository, service
from gridgov.cases import schemas as s
from gridgov.cases.sla import Colour
from gridgov.cases.workflow import Action, Status
from gridgov.intake.decision import REASONS
from gridgov.kit.clock import ensure_utc, utc_now
from gridgov.kit.errors import ValidationFailed
from gridgov.kit.pagination import PageParams

router = APIRouter(prefix="/cases", tags=["cases"])
files = APIRouter(prefix="/attachments", tags=["attachments"])


@router.post(
    "",
    response_model=s.CaseRead,
    status_code=201,
    responses={
        200: {"model": s.CaseRead, "description": "Already on file (idempotent retry)"},
        **error_responses(401, 403, 404, 422),
    },
)
def create_case(
    body: s.CaseCreate,
    response: Response,
    session: WriteSession,
    actor: WriteActor,
    p: ThePlatform,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> s.CaseRead:
    if idempotency_key and not body.external_id:
        body = body.model_copy(update={"external_id": f"{repository.IDEM}{idempotency_key}"})
    now = utc_now()
    created = service.create_case(session, data=body, actor=actor, now=now)
    if not created.created:
        response.status_code = 200
    return service.read(session, case=created.case, now=now, rules=p.rules)


@router.get("", response_model=s.CasePage, responses=error_responses(401, 403, 404, 422))
def list_cases(
    session: ReadSession,
    actor: ReadActor,
    center: Annotated[str | None, Query(description="Centre code (its queue)")] = None,
    status: Annotated[list[Status] | None, Query()] = None,
    colour: Colour | None = None,
    channel: Annotated[list[s.Channel] | None, Query()] = None,
    region: Annotated[str | None, Query(max_length=12, description="Region and below")] = None,
    unit: Annotated[str | None, Query(max_length=32, description="Lead unit code")] = None,
    category: Annotated[
        str | None, Query(max_length=32, description="Catalogue item code and below")
    ] = None,
    supervised: bool | None = None,
    to_visit: Annotated[
        bool,
        Query(
            description="Only cases owing their reporter a return visit: closed and not yet"
            " visited, or merged into a case that has closed"
        ),
    ] = False,
    waiting: Annotated[
        str | None,
        Query(
            pattern=f"^({'|'.join(REASONS)})$",
            description="Only cases automatic triage left to a person for this reason that"
            " still wait where it left them: a reason of the dispatcher queue (unsure_item,"
            " unsure_place, duplicate, auto_accept_off), an outcome (self_refused at"
            " submitted; no_rule, dispatch_off, off_list at accepted) or a failed automatic"
            " step (accept, dispatch)",
        ),
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="In number or title")] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    import_batch: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Only the cases this bulk import wrote (its batch)"),
    ] = None,
    caller_of: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=40,
            description="Only the cases of this case's caller: every case reported from the same"
            " callback number, however it was written, this one included (agents, dispatchers"
            " and administrators only; 422 for a case with no callback number)",
        ),
    ] = None,
    sort: Annotated[
        str, Query(pattern=r"^-?(created_at|updated_at|number)$", description="`-` = descending")
    ] = "-created_at",
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> s.CasePage:
    """The cases the caller may see, filtered, sorted and paged."""
    return service.list_cases(
        session,
        actor=actor,
        center_code=center,
        statuses=[x.value for x in status or []],
        colour=colour.value if colour else None,
        page=PageParams(page, page_size),
        query=service.CaseQuery(
            channels=tuple(c.value for c in channel or []),
            region=region,
            unit=unit,
            category=category,
            supervised=supervised,
            to_visit=to_visit,
            waiting=waiting,
            text=q,
            created_from=ensure_utc(created_from) if created_from else None,
            created_to=ensure_utc(created_to) if created_to else None,
            import_batch=import_batch,
            caller_of=caller_of,
            sort=sort,
        ),
    )


@router.get("/{number}", response_model=s.CaseRead, responses=error_responses(401, 404))
def get_case(number: str, session: ReadSession, actor: ReadActor, p: ThePlatform) -> s.CaseRead:
    case = service.get_visible(session, number=number, actor=actor)
    return service.read(session, case=case, now=utc_now(), rules=p.rules)


@router.get(
    "/{number}/events", response_model=list[s.EventRead], responses=error_responses(401, 404)
)
def case_events(number: str, session: ReadSession, actor: ReadActor) -> list[s.EventRead]:
    case = service.get_visible(session, number=number, actor=actor)
    return service.read_events(session, case=case)


@router.get("/{number}/actions", response_model=list[Action], responses=error_responses(401, 404))
def allowed_actions(number: str, session: ReadSession, actor: ReadActor) -> list[Action]:
    """The actions the calling user may take on this case now."""
    case = service.get_visible(session, number=number, actor=actor)
    return service.actions_for(session, case=case, actor=actor)


@router.post(
    "/{number}/actions/{action}",
    response_model=s.CaseRead,
    responses=error_responses(401, 403, 404, 409, 422),
)
def act(
    number: str,
    action: Action,
    session: WriteSession,
    actor: WriteActor,
    p: ThePlatform,
    payload: Annotated[dict[str, Any] | None, Body()] = None,
    if_match: Annotated[str | None, Header(description="Expected case version")] = None,
) -> s.CaseRead:
    """Apply a workflow action. The body is that action's input (see ``ACTION_INPUTS``)."""
    expected = None
    if if_match is not None:
        try:
            expected = int(if_match.strip('"W/ '))
        except ValueError:
            raise ValidationFailed("If-Match must carry the case version number") from None
    now = utc_now()
    case = service.act(
        session,
        number=number,
        action=action,
        actor=actor,
        payload=payload,
        now=now,
        rules=p.rules,
        expected_version=expected,
    )
    return service.read(session, case=case, now=now, rules=p.rules)


@router.post(
    "/{number}/attachments",
    response_model=s.AttachmentRead,
    status_code=201,
    responses=error_responses(401, 403, 404, 422),
)
async def upload(
    number: str,
    file: UploadFile,
    p: ThePlatform,
    session: WriteSession,
    actor: WriteActor,
    idempotency_key: idem.KeyHeader = None,
) -> s.AttachmentRead | JSONResponse:
    """Attach a file (type read from its content; photos lose their metadata)."""
    return await _upload(
        p, session, actor, file, idempotency_key, number=number,
        operation="POST /api/v1/cases/{number}/attachments",
    )  # fmt: skip


@files.post(
    "", response_model=s.AttachmentRead, status_code=201, responses=error_responses(401, 403, 422)
)
async def upload_first(
    file: UploadFile,
    p: ThePlatform,
    session: WriteSession,
    actor: WriteActor,
    idempotency_key: idem.KeyHeader = None,
) -> s.AttachmentRead | JSONResponse:
    """Upload a photo before the report it belongs to (a grid app offline, an inspection
    system): the report names it in ``attachments`` and the file joins its case. Until
    then only its uploader can fetch it."""
    return await _upload(
        p, session, actor, file, idempotency_key, number=None,
        operation="POST /api/v1/attachments",
    )  # fmt: skip


async def _upload(
    p: Platform,
    session: Session,
    actor: Actor,
    file: UploadFile,
    idempotency_key: str | None,
    *,
    number: str | None,
    operation: str,
) -> s.AttachmentRead | JSONResponse:
    """Store an uploaded file, on the case ``number`` or on none yet, once per
    Idempotency-Key."""
    content = await file.read(p.settings.attachment_max_bytes + 1)

    def make() -> s.AttachmentRead:
        case = service.get_visible(session, number=number, actor=actor) if number else None
        row = attachments.store(
            session,
            root=p.settings.attachment_dir,
            content=content,
            filename=file.filename or "file",
            content_type=file.content_type or "",
            allowed_types=p.settings.allowed_attachment_types,
            max_bytes=p.settings.attachment_max_bytes,
            uploaded_by_id=actor.user_id,
            now=utc_now(),
            case=case,
        )
        return s.AttachmentRead.model_validate(row, from_attributes=True)

    digest = hashlib.sha256(content).hexdigest()
    request = {"case": number} if number else {}
    request |= {"filename": file.filename, "sha256": digest}
    # decoding and re-encoding a photo is CPU work: off the event loop
    return await run_in_threadpool(
        idem.once,
        session,
        actor=actor,
        key=idempotency_key,
        operation=operation,
        request=request,
        status_code=201,
        make=make,
        now=utc_now(),
    )


@files.get("/{attachment_id}", response_class=FileResponse, responses=error_responses(401, 404))
def download(
    attachment_id: RowId, session: ReadSession, actor: ReadActor, p: ThePlatform
) -> FileResponse:
    row = attachments.get(
        session,
        attachment_id=attachment_id,
        visible=service.visible_to(session, actor),
        uploader_id=actor.user_id,
    )
    path = attachments.blob_path(p.settings.attachment_dir, row.sha256)
    return FileResponse(path, media_type=row.content_type, filename=row.filename)
