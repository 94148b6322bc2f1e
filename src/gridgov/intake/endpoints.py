"""HTTP endpoints of the one door: receive per channel, offline batches, dead letters, and the
audited reveal of personal data."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Header, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from gridgov.api.deps import ReadActor, ReadSession, RowId, ThePlatform, WriteActor, WriteSession
from gridgov.api.errors import body as error_body
from gridgov.api.errors import error_responses, prefers_chinese
from gridgov.cases import service as cases
from gridgov.cases.schemas import CaseRead, Channel
from gridgov.intake import (
    batch,
    batches,
    bulk,
    channels,
    deadletters,
    personal,
    preview,
    service,
    withdraw,
)
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import ValidationFailed
from gridgov.web import problems

router = APIRouter(prefix="/intake", tags=["intake"])
reveal_router = APIRouter(prefix="/cases", tags=["cases"])

MAX_BATCH = 500


class DeadLetterRead(BaseModel):
    id: int
    channel: str
    external_id: str | None
    received_at: Any
    reason: str
    state: str
    attempts: int
    payload: dict[str, Any]  # masked; the original by an audited reveal
    personal_data: bool = False  # the payload or reason had some to mask
    case: str | None = None  # the case it became, once replayed


class BatchItem(BaseModel):
    index: int
    outcome: str  # created / existing / rejected
    number: str | None = None
    status: str | None = None
    explanation: str | None = None
    dead_letter: int | None = None
    reason: str | None = None


class DuplicateHint(BaseModel):
    """The open case a record probably repeats; its details only within the caller's scope."""

    case: str
    score: float | None = None
    why: str | None = None
    title: str | None = None
    status: str | None = None
    lead_unit: str | None = None  # the unit's name
    due_at: datetime | None = None  # the latest open time limit: when it is due to be done
    created_at: datetime | None = None
    may_urge: bool = Field(
        False,
        description="Whether the asker may record the caller's chase on it"
        " (POST /cases/{number}/actions/urge) instead of registering the call.",
    )


class CallerCase(BaseModel):
    number: str
    title: str
    status: str
    created_at: datetime
    may_urge: bool = Field(
        description="Whether the asker may record the caller's chase on it"
        " (POST /cases/{number}/actions/urge) instead of registering the call."
    )


class CallerHistory(BaseModel):
    """The caller's other cases in the asker's scope (from the record's callback number)."""

    total: int = Field(description="How many cases the same number reported before.")
    open: int = Field(description="How many of them are still being handled.")
    cases: list[CallerCase] = Field(description="The newest few, newest first.")


class PreviewRead(BaseModel):
    on_file: str | None = Field(None, description="The case this record already is, if any.")
    status: str = Field(description="Where the record would stand after triage.")
    title: str | None = None
    region_code: str | None = None
    grid_code: str | None = None
    catalog_item: str | None = None
    catalog_name: str | None = None
    lead_unit: str | None = Field(None, description="The unit it would be dispatched to.")
    triage: dict[str, Any] | None = Field(None, description="As it would be kept on the case.")
    duplicate: DuplicateHint | None = None
    caller: CallerHistory | None = Field(
        None,
        description="The caller's earlier cases, where the record has a callback number and"
        " the asker is an agent, a dispatcher or an administrator.",
    )


def _rejected(letter_id: int, reason: str, accept_language: str | None) -> JSONResponse:
    # returned, not raised: the dead letter must be committed with this response
    return JSONResponse(
        error_body("ValidationFailed", reason, accept_language, dead_letter=letter_id),
        status_code=422,
    )


class RevealInput(BaseModel):
    reason: Annotated[str, Field(min_length=2, max_length=500)]


def _letter(letter: Any, number: str | None = None, *, reveal: bool = False) -> DeadLetterRead:
    view = deadletters.shown(letter, revealed=reveal)
    return DeadLetterRead(
        id=letter.id,
        channel=letter.channel,
        external_id=letter.external_id,
        received_at=letter.received_at,
        reason=view.reason,
        state=letter.state,
        attempts=letter.attempts,
        payload=view.payload,
        personal_data=view.personal_data,
        case=number,
    )


@router.get("/channels")
def list_channels() -> list[dict[str, Any]]:
    """Every channel and the JSON schema of what it accepts."""
    return [
        {"channel": c.value, "schema": channels.ADAPTERS[c].model_json_schema()} for c in Channel
    ]


@router.post(
    "/{channel}",
    response_model=CaseRead,
    status_code=201,
    responses={
        200: {"model": CaseRead, "description": "Already on file (idempotent retry)"},
        **error_responses(401, 403, 422),
    },
)
def receive(
    channel: Channel,
    session: WriteSession,
    actor: WriteActor,
    p: ThePlatform,
    payload: Annotated[dict[str, Any], Body()],
    center: str | None = None,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
    accept_language: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """Take one record from a channel. A record that cannot become a case is kept as a dead
    letter (422 with its id); the same external id or Idempotency-Key never makes two cases."""
    now = utc_now()
    got = service.receive(
        session,
        channel=channel.value,
        payload=payload,
        actor=actor,
        now=now,
        rules=p.rules,
        triage=p.triage,
        center=center,
        idempotency_key=idempotency_key,
    )
    if got.case is None:
        assert got.dead_letter is not None
        return _rejected(got.dead_letter.id, got.dead_letter.reason, accept_language)
    read = cases.read(session, case=got.case, now=now, rules=p.rules)
    return JSONResponse(read.model_dump(mode="json"), status_code=201 if got.created else 200)


@router.post(
    "/{channel}/preview", response_model=PreviewRead, responses=error_responses(401, 403, 422)
)
def preview_record(
    channel: Channel,
    session: WriteSession,
    actor: WriteActor,
    p: ThePlatform,
    payload: Annotated[dict[str, Any], Body()],
    center: str | None = None,
) -> PreviewRead:
    """What sending this record would do, with nothing kept: the category and its reasons,
    the place, the open case it probably repeats (with its status and due time, for the
    caller), the rule, the unit and the decision, and the caller's earlier cases. A record
    that could not become a case is refused (422) without a dead letter."""
    found = preview.preview(
        session,
        channel=channel.value,
        payload=payload,
        actor=actor,
        now=utc_now(),
        rules=p.rules,
        triage=p.triage,
        center=center,
    )
    return PreviewRead.model_validate(found)


@router.post(
    "/{channel}/batch",
    response_model=list[BatchItem],
    responses=error_responses(401, 403, 409, 422),
)
def receive_batch(
    channel: Channel,
    session: WriteSession,
    actor: WriteActor,
    p: ThePlatform,
    records: Annotated[list[dict[str, Any]], Body(max_length=MAX_BATCH)],
    center: str | None = None,
) -> list[BatchItem]:
    """An offline batch (the grid app after a day without signal): each record on its own —
    a bad record is a dead letter and the rest go in; uploading the batch again adds nothing."""
    rows = batch.receive_batch(
        session,
        channel=channel.value,
        records=records,
        actor=actor,
        now=utc_now(),
        rules=p.rules,
        triage=p.triage,
        center=center,
    )
    return [BatchItem(**row) for row in rows]


@router.get(
    "/dead-letters", response_model=list[DeadLetterRead], responses=error_responses(401, 403)
)
def dead_letters(
    session: ReadSession,
    actor: ReadActor,
    state: Annotated[str | None, Query(pattern="^(pending|replayed|discarded)$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeadLetterRead]:
    """Newest first, those received in the caller's region (and those received nowhere in
    particular), their payloads masked (a reveal shows one's original, recorded)."""
    letters = deadletters.list_dead_letters(session, state=state, limit=limit, actor=actor)
    return [_letter(letter, number) for letter, number in letters]


@router.post(
    "/dead-letters/{letter_id}/personal-data",
    response_model=DeadLetterRead,
    responses=error_responses(401, 403, 404, 422),
)
def reveal_letter(
    letter_id: RowId, body: RevealInput, session: WriteSession, actor: WriteActor
) -> DeadLetterRead:
    """A dead letter as it was delivered, personal data included, to correct it for a
    replay. Each reveal is recorded with who asked and why."""
    letter = deadletters.reveal(
        session, letter_id=letter_id, actor=actor, reason=body.reason, now=utc_now()
    )
    return _letter(letter, reveal=True)


@router.post(
    "/dead-letters/{letter_id}/replay",
    response_model=CaseRead,
    responses=error_responses(401, 403, 404, 422),
)
def replay(
    letter_id: RowId,
    session: WriteSession,
    actor: WriteActor,
    p: ThePlatform,
    payload: Annotated[dict[str, Any] | None, Body()] = None,
    center: str | None = None,
    accept_language: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """Feed a dead letter through again, as stored or with the corrected payload given."""
    now = utc_now()
    got = service.replay(
        session,
        letter_id=letter_id,
        actor=actor,
        now=now,
        rules=p.rules,
        triage=p.triage,
        payload=payload,
        center=center,
    )
    if got.case is None:
        assert got.dead_letter is not None
        return _rejected(letter_id, deadletters.masked(got.dead_letter.reason), accept_language)
    return cases.read(session, case=got.case, now=now, rules=p.rules)


@router.post(
    "/dead-letters/{letter_id}/discard",
    response_model=DeadLetterRead,
    responses=error_responses(401, 403, 404, 422),
)
def discard(letter_id: RowId, session: WriteSession, actor: WriteActor) -> DeadLetterRead:
    return _letter(deadletters.discard(session, letter_id=letter_id, now=utc_now(), actor=actor))


@reveal_router.post("/{number}/personal-data", responses=error_responses(401, 403, 404, 422))
def reveal(
    number: str, body: RevealInput, session: WriteSession, actor: WriteActor
) -> dict[str, Any]:
    """The unmasked reporter and text of a case. A permission; each reveal is a case event."""
    if not body.reason.strip():
        raise ValidationFailed("reason is empty")
    return personal.reveal(session, number=number, actor=actor, reason=body.reason, now=utc_now())


# ---- bulk import from an existing 12345 platform -------------------------------------------
import_router = APIRouter(prefix="/intake", tags=["intake"])  # included before /{channel}


class ImportReport(BaseModel):
    rows: int
    valid: int
    already_on_file: int
    duplicates_in_file: int
    rejected: list[dict[str, Any]] = Field(
        description="Each refused line: line, reason (and message, the reason in Chinese,"
        " when Accept-Language prefers it)."
    )
    categories: dict[str, int]
    statuses: dict[str, int] = Field(
        description="Valid rows by the state they are written in: submitted (waiting for a"
        " dispatcher), or closed / answered (history the old platform finished)."
    )
    classified: int = Field(
        description="Valid rows without a category that the classifier gave one, sure enough"
        " for the centre's threshold (only when the mapping says classify = true)."
    )
    placed: int = Field(
        description="Valid rows placed in a grid: by their coordinates, or by their address"
        " where the mapping says locate_addresses = true."
    )
    first: str | None
    last: str | None
    personal_data_rows: int
    unused_columns: list[str]
    imported: int
    dead_letters: int
    dry_run: bool
    batch: int | None = Field(
        description="the import batch written (GET /intake/imports/{id}); none for a dry run"
    )


@import_router.post(
    "/import", response_model=ImportReport, responses=error_responses(401, 403, 409, 413, 422)
)
async def bulk_import(
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GB18030) or XLSX export")],
    mapping: Annotated[str, Form(max_length=200_000, description="Column mapping, JSON or TOML")],
    p: ThePlatform,
    session: WriteSession,
    actor: WriteActor,
    dry_run: Annotated[bool, Form(description="Check and report; write nothing")] = True,
    accept_language: Annotated[str | None, Header(max_length=200)] = None,
) -> ImportReport:
    """Import an old platform's cases with a column mapping — a dry run by default: it
    reports what an import would do. Valid rows become cases, rejected rows dead letters
    (replayable with the mapping they were read with), all in one transaction.

    The mapping: `channel`, `center`, `region_code`; `[columns]` names the file's column for
    each of external_id, title, text (required), received_at, category, reporter_name,
    reporter_phone, address, region_code, lon, lat, status, closed_at, answer; `[dates]`
    formats and timezone; `[categories]` source label → catalogue code, `unknown_category`
    reject or blank; history: `status` (the default state) and `[statuses]` source label →
    submitted, closed or answered (finished rows need received_at and closed_at);
    `classify = true` gives rows without a category the classifier's item where it is sure;
    rows with lon/lat (`crs`: wgs84, gcj02 or bd09) are placed in the grid their point is in;
    `locate_addresses = true` places rows without them by the address registry.
    Examples: docs/examples/12345-mapping.toml, docs/examples/12345-replies-mapping.toml."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ValidationFailed("the file must be .csv or .xlsx")
    content = await file.read()

    def work() -> ImportReport:
        plan = bulk.Mapping.from_text(mapping, source="mapping")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(content)
            report = bulk.run(
                session,
                mapping=plan,
                path=path,
                suggester=p.triage.suggester,
                locate=p.triage.locator,
                dry_run=dry_run,
                now=utc_now(),
                actor=actor.username,
                name=file.filename or None,
            )
        read = ImportReport(**report.as_dict())
        if prefers_chinese(accept_language):
            for line in read.rejected:
                line["message"] = problems.problem_words(line["reason"], "zh")
        return read

    return await run_in_threadpool(work)


class ImportBatchRead(BaseModel):
    """One bulk import written: who imported which file when, and what came of it."""

    id: int
    center: str
    channel: str
    at: datetime
    actor: str
    file_name: str
    rows: int
    imported: int
    already_on_file: int
    dead_letters: int
    pending_letters: int = Field(description="its refused rows still waiting as dead letters")
    withdrawn_at: datetime | None = Field(None, description="when it was withdrawn, if it was")
    withdrawn_by: str | None = None
    withdrawal: dict[str, Any] | None = Field(
        None, description="what its withdrawal did (as POST …/withdraw answered), if withdrawn"
    )
    valid: int | None
    duplicates_in_file: int | None
    classified: int | None
    placed: int | None
    personal_data_rows: int | None
    first: str | None
    last: str | None
    categories: dict[str, int] | None
    statuses: dict[str, int] | None


class ImportBatchDetail(ImportBatchRead):
    rejected: list[dict[str, Any]] = Field(description="its refused lines (the first 100)")
    unused_columns: list[str]
    mapping: dict[str, Any] = Field(description="the mapping the file was read with")


class WithdrawInput(BaseModel):
    reason: str = Field(min_length=2, max_length=500, description="why it is withdrawn")
    dry_run: bool = Field(True, description="say what would go and stay; write nothing")


class WithdrawalRead(BaseModel):
    batch: int
    dry_run: bool
    reason: str
    cases: int = Field(description="the batch's cases on file")
    withdrawn: int = Field(description="cases taken out (in a dry run: that would be)")
    kept: list[dict[str, str]] = Field(
        description="the cases that stay, each with why: worked on (events since its"
        " import), referred to (by a case that stays), sent out (webhook, 110); the first 100"
    )
    kept_count: int
    kept_why: dict[str, int] = Field(description="how many stay for each reason")
    letters_discarded: int = Field(
        description="its dead letters discarded: those pending, and those replayed into a"
        " case taken out"
    )
    at: datetime | None
    by: str | None
    message: str = Field(description="what came of it, in the caller's language")


@import_router.get(
    "/imports", response_model=list[ImportBatchRead], responses=error_responses(401, 403)
)
def import_batches(
    session: ReadSession,
    actor: ReadActor,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ImportBatchRead]:
    """The bulk imports written, newest first: those of the centres in the caller's scope."""
    return [ImportBatchRead(**b) for b in batches.recent(session, limit=limit, actor=actor)]


@import_router.get(
    "/imports/{batch_id}",
    response_model=ImportBatchDetail,
    responses=error_responses(401, 403, 404),
)
def import_batch(batch_id: RowId, session: ReadSession, actor: ReadActor) -> ImportBatchDetail:
    """One bulk import: its report (the first 100 refused lines) and its mapping."""
    return ImportBatchDetail(**batches.one(session, batch_id, actor=actor))


@import_router.post(
    "/imports/{batch_id}/withdraw",
    response_model=WithdrawalRead,
    responses=error_responses(401, 403, 404, 409, 422),
)
def withdraw_import(
    batch_id: RowId,
    body: WithdrawInput,
    p: ThePlatform,
    session: WriteSession,
    actor: WriteActor,
    accept_language: Annotated[str | None, Header(max_length=200)] = None,
) -> WithdrawalRead:
    """Withdraw an import written by mistake, so that the file can be imported again
    corrected — a dry run by default. Its cases that nothing has happened to since go (with
    their events and their KPI facts); the others stay, each listed with why; its dead
    letters are discarded; the batch keeps the withdrawal. One transaction; a batch
    withdrawn already is a conflict (409)."""
    out = withdraw.withdraw(
        session,
        batch_id,
        reason=body.reason,
        now=utc_now(),
        actor=actor,
        username=actor.username,
        timezone=p.settings.timezone,
        office_hours=p.settings.office_hours,
        dry_run=body.dry_run,
    )
    message = withdraw.words(out, chinese=prefers_chinese(accept_language))
    return WithdrawalRead(**out.as_dict(), message=message)
