"""The one door's pages in the console: the hotline agent's new-case form, which says what
registering the call would do as it is typed, and the records the door refused (dead letters),
to replay, correct, reveal or discard."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from gridgov.intake import channels, deadletters, preview
from gridgov.intake import service as intake
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import AppError, ValidationFailed
from gridgov.web import explain, forms, i18n, presets
from gridgov.web.console import (
    Visitor,
    _lang,
    _page,
    _platform,
    _posted,
    _to_login,
    _visitor,
)

router = APIRouter(prefix="/console", include_in_schema=False)


# ---- dead letters (records the door refused) ---------------------------------------------
def _letters_context(
    session: Any, visitor: Visitor, *, shown: int | None = None, error: str | None = None
) -> dict[str, Any]:
    """The pending letters in the visitor's scope, masked; ``shown``: the one whose
    original was just revealed (its record, editable for a corrected replay)."""
    letters = []
    for letter, _ in deadletters.list_dead_letters(session, actor=visitor.actor, limit=200):
        revealed = letter.id == shown
        view = deadletters.shown(letter, revealed=revealed)
        letters.append(
            {
                "id": letter.id,
                "channel": letter.channel,
                "external_id": letter.external_id,
                "received_at": letter.received_at,
                "attempts": letter.attempts,
                "reason": view.reason,
                "payload": json.dumps(view.payload, ensure_ascii=False, indent=1),
                "revealed": revealed,
            }
        )
    return {"visitor": visitor, "letters": letters, "error": error, "failed": shown}


def _may_handle_letters(visitor: Visitor) -> bool:
    return bool(visitor.actor.roles & deadletters.REVEAL_ROLES)


@router.get("/dead-letters", response_class=HTMLResponse)
def dead_letters(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    if not _may_handle_letters(visitor):
        return _page(request, "error.html", {"visitor": visitor, "error": "403"}, 403)
    with _platform(request).db.read() as session:
        context = _letters_context(session, visitor)
    return _page(request, "dead_letters.html", context)


@router.post("/dead-letters/{letter_id}/{what}", response_class=HTMLResponse)
async def handle_letter(request: Request, letter_id: int, what: str) -> Response:
    """Reveal a letter's original (with a reason, recorded), replay it (as stored or as
    corrected here) or discard it."""
    checked = await _posted(request)
    if isinstance(checked, Response):
        return checked
    visitor, form, _ = checked
    p = _platform(request)
    if what not in ("reveal", "replay", "discard") or not _may_handle_letters(visitor):
        return _page(request, "error.html", {"visitor": visitor, "error": what}, 404)

    def work() -> Response:
        shown = None
        try:
            with p.db.write() as session:
                if what == "reveal":
                    deadletters.reveal(
                        session,
                        letter_id=letter_id,
                        actor=visitor.actor,
                        reason=form.get("reason", ""),
                        now=utc_now(),
                    )
                    shown = letter_id
                    context = _letters_context(session, visitor, shown=shown)
                    return _page(request, "dead_letters.html", context)
                if what == "discard":
                    deadletters.discard(
                        session, letter_id=letter_id, now=utc_now(), actor=visitor.actor
                    )
                    return RedirectResponse("/console/dead-letters", status_code=303)
                corrected = form.get("payload", "").strip()
                try:
                    body = json.loads(corrected) if corrected else None
                except json.JSONDecodeError as exc:
                    raise ValidationFailed(f"the corrected record is not JSON: {exc}") from None
                if body is not None and not isinstance(body, dict):
                    raise ValidationFailed("the corrected record must be a JSON object")
                got = intake.replay(
                    session,
                    letter_id=letter_id,
                    actor=visitor.actor,
                    now=utc_now(),
                    rules=p.rules,
                    triage=p.triage,
                    payload=body,
                )
                if got.case is None:
                    assert got.dead_letter is not None
                    error = deadletters.masked(got.dead_letter.reason)
                    context = _letters_context(session, visitor, error=error)
                    context["failed"] = letter_id
                    return _page(request, "dead_letters.html", context, status_code=422)
                number = got.case.number
        except AppError as exc:
            with p.db.read() as session:
                context = _letters_context(session, visitor, error=exc.detail)
            context["failed"] = letter_id
            return _page(request, "dead_letters.html", context, status_code=exc.status_code)
        return RedirectResponse(f"/console/cases/{number}", status_code=303)

    return await run_in_threadpool(work)


# ---- a new case (the hotline agent's form) ------------------------------------------------
NEW_CASE_ORDER = (
    "call_id", "caller", "callback_number", "text", "title", "address", "catalog_item",
    "priority", "answer", "region_code", "grid_code", "lon", "lat", "crs",
)  # fmt: skip


def _new_context(
    request: Request, visitor: Visitor, values: dict[str, str], error: str | None
) -> dict[str, Any]:
    # in the order a call is taken: who, what, where, then what the agent decides
    fields = sorted(
        forms.form_fields(channels.HotlineCall),
        key=lambda f: NEW_CASE_ORDER.index(f.name) if f.name in NEW_CASE_ORDER else 99,
    )
    with _platform(request).db.read() as session:
        pickers = presets.pickers(session, {f.name for f in fields}, visitor.actor.center_id)
    return {
        "visitor": visitor,
        "fields": fields,
        "values": {"call_id": f"web-{uuid.uuid4().hex[:16]}", **values},
        "pickers": pickers,
        "error": error,
    }


@router.get("/new", response_class=HTMLResponse)
def new_case_page(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    return _page(request, "new.html", _new_context(request, visitor, {}, None))


@router.post("/new/preview", response_class=HTMLResponse)
async def new_case_preview(request: Request) -> Response:
    """What sending the form would do, as the agent types (htmx swaps it in beside the form):
    the category and its reasons, the place, the open case the call probably repeats (to tell
    the caller its status), and where the case would go. Nothing is kept."""
    checked = await _posted(request)
    if isinstance(checked, Response):
        return checked
    visitor, form, _ = checked
    p = _platform(request)

    def work() -> Response:
        payload = forms.payload_from(channels.HotlineCall, form)
        payload.pop("call_id", None)  # the form's own id: a preview is never "on file"
        told, error, why, names = None, None, "", {}
        if not payload.get("text"):  # nothing said yet: nothing to tell
            return _page(request, "new_preview.html", {"told": None, "error": None})
        try:
            with p.db.write() as session:
                told = preview.preview(
                    session,
                    channel="hotline",
                    payload=payload,
                    actor=visitor.actor,
                    now=utc_now(),
                    rules=p.rules,
                    triage=p.triage,
                )
                record = told.get("triage")
                names = explain.names_of(session, explain.codes(record))
                why = explain.triage_words(record, _lang(request), names, would=True)
        except AppError as exc:
            error = exc.detail
        made_title = not payload.get("title")  # the title the door would make: the agent's to edit
        shown = {
            "told": told,
            "error": error,
            "why": why,
            "names": names,
            "made_title": made_title,
            "visitor": visitor,
            # what a chase recorded on an open case says instead (the caller's own words)
            "chase": (i18n.pick(i18n.WORDS, "chase_said", _lang(request)) + payload["text"])[:4000],
        }
        return _page(request, "new_preview.html", shown)

    return await run_in_threadpool(work)


@router.post("/new", response_class=HTMLResponse)
async def new_case(request: Request) -> Response:
    checked = await _posted(request)
    if isinstance(checked, Response):
        return checked
    visitor, form, _ = checked
    p = _platform(request)

    def work() -> Response:
        payload = forms.payload_from(channels.HotlineCall, form)
        try:
            with p.db.write() as session:
                got = intake.receive(
                    session,
                    channel="hotline",
                    payload=payload,
                    actor=visitor.actor,
                    now=utc_now(),
                    rules=p.rules,
                    triage=p.triage,
                )
                number = got.case.number if got.case else None
                reason = got.dead_letter.reason if got.dead_letter else None
        except AppError as exc:
            number, reason = None, exc.detail
        if number is None:  # nothing lost: the record is a dead letter; the form keeps it
            context = _new_context(request, visitor, form, reason)
            return _page(request, "new.html", context, status_code=422)
        return RedirectResponse(f"/console/cases/{number}", status_code=303)

    return await run_in_threadpool(work)
