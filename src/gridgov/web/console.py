"""The web console (server-rendered Jinja2 + HTMX, assets vendored, no CDN).

Every page works on the same services and the same checks as the API: the console session
is the API's (HTTP-only cookie, CSRF token on every form), lists and pages are limited by
the user's data scope, and a case page offers exactly the actions the user may take now —
the server refuses the others anyway. Chinese by default; ``?lang=en`` switches (kept in
a cookie).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from starlette.concurrency import run_in_threadpool

from gridgov.api import deps
from gridgov.api.deps import SESSION_COOKIE
from gridgov.auth import credentials
from gridgov.auth.actor import Actor
from gridgov.bootstrap import Platform
from gridgov.cases import attachments, callers, service
from gridgov.cases import schemas as s
from gridgov.cases.workflow import Action
from gridgov.intake import personal
from gridgov.intake.decision import LEFT_AT, REASONS
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import AppError, Unauthenticated, ValidationFailed
from gridgov.kit.pagination import PageParams
from gridgov.store.models import (
    Attachment,
    Case,
    CatalogItem,
    Region,
    Unit,
)
from gridgov.web import explain, forms, i18n, presets, problems

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/console", include_in_schema=False)
LANG_COOKIE = "gridgov_lang"
COLOURS = ("normal", "warning", "overdue")
OPEN_STATUSES = ("submitted", "accepted", "dispatched", "in_progress", "handled", "verifying")


@dataclass(frozen=True)
class Visitor:
    actor: Actor
    csrf: str


def _platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return lang if lang in i18n.LANGS else "zh"


def _visitor(request: Request) -> Visitor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    p = _platform(request)
    now = utc_now()
    with p.db.read() as session:
        try:
            found = credentials.check_session(
                session, token=token, now=now, timeouts=p.settings.session_timeouts
            )
        except Unauthenticated:
            return None
    if found.stale:
        with p.db.write() as session:
            credentials.touch_session(session, row_id=found.row_id, now=now)
    return Visitor(found.actor, found.csrf_token or "")


def _page(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    lang = _lang(request)
    zone = ZoneInfo(_platform(request).settings.timezone)

    def local(value: datetime | None) -> str:  # times in the centre's zone
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    response = templates.TemplateResponse(
        request,
        name,
        {
            **i18n.translator(lang),
            "local": local,
            "problem_words": lambda reason: problems.problem_words(reason, lang),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict")
    return response


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


async def _posted(
    request: Request,
) -> tuple[Visitor, dict[str, str], list[Upload]] | Response:
    """The signed-in visitor, the form they sent and its files, or the answer that refuses
    it (not signed in: to the login page; no or wrong CSRF token: 403)."""
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    limit = _platform(request).settings.attachment_max_bytes
    posted = await request.form()
    form = {k: v for k, v in posted.items() if isinstance(v, str)}
    if not credentials.csrf_matches(visitor.csrf, form.get("csrf")):
        return _page(request, "error.html", {"visitor": visitor, "error": "CSRF"}, 403)
    uploads = [
        Upload(v.filename or "file", v.content_type or "", await v.read(limit + 1))
        for _, v in posted.multi_items()
        if not isinstance(v, str) and v.filename
    ]
    return visitor, form, uploads


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/console/login?{urlencode({'next': request.url.path})}", 303)


def apply_action(
    p: Platform,
    visitor: Visitor,
    number: str,
    action: Action,
    form: dict[str, str],
    uploads: list[Upload],
) -> None:
    """One action from a console form, with its photos: stored with the action, or not at
    all (one transaction). Raises the service's AppError for the page to show."""
    payload = forms.payload_from(s.ACTION_INPUTS[action], form)
    with p.db.write() as session:
        if uploads:
            case = service.get_visible(session, number=number, actor=visitor.actor)
            payload["attachments"] = [
                attachments.store(
                    session,
                    root=p.settings.attachment_dir,
                    content=u.content,
                    filename=u.filename,
                    content_type=u.content_type,
                    allowed_types=p.settings.allowed_attachment_types,
                    max_bytes=p.settings.attachment_max_bytes,
                    uploaded_by_id=visitor.actor.user_id,
                    now=utc_now(),
                    case=case,
                ).id
                for u in uploads
            ]
        service.act(
            session,
            number=number,
            action=action,
            actor=visitor.actor,
            payload=payload,
            now=utc_now(),
            rules=p.rules,
        )


# ---- sign-in ------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _page(request, "login.html", {"error": None, "next": request.query_params.get("next")})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=300)] = "/console",
) -> Response:
    p = _platform(request)
    try:
        done = deps.sign_in(p, request, username=username, password=password)
    except AppError as failure:
        message = i18n.pick(i18n.WORDS, "wrong_login", _lang(request))
        if failure.status_code == 429:
            message = failure.detail
        return _page(
            request, "login.html", {"error": message, "next": next}, status_code=failure.status_code
        )
    target = next if next.startswith("/console") else "/console"
    response = RedirectResponse(target, status_code=303)
    deps.set_session_cookies(response, done, p.settings)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    visitor = _visitor(request)
    if visitor is not None and credentials.csrf_matches(visitor.csrf, csrf):
        with _platform(request).db.write() as session:
            credentials.sign_out(
                session, token=request.cookies.get(SESSION_COOKIE, ""), now=utc_now()
            )
    response = RedirectResponse("/console/login", status_code=303)
    deps.clear_session_cookies(response)
    return response


# ---- the queue ----------------------------------------------------------------------------
QUEUE_FILTERS = (
    "status", "colour", "channel", "category", "unit", "region", "waiting", "supervised",
    "to_visit", "q", "import_batch", "caller_of",
)  # fmt: skip
# the shape of a case number: what the caller filter (reached by the case pages' links) takes
CASE_NUMBER = re.compile(r"[0-9A-Za-z-]{1,40}")
# what a dispatcher or leader may do to many cases at once; each case is its own transaction
BULK = (
    Action.accept,
    Action.urge,
    Action.instruct,
    Action.supervise,
    Action.comment,
    Action.merge_into,  # each into its own probable original (triage's duplicate)
    Action.reject,
)


def _choices(session: Any, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """The options of the queue's category, unit and region filters for this user."""
    items = session.execute(
        select(CatalogItem.code, CatalogItem.name)
        .where(CatalogItem.level <= 2, CatalogItem.active.is_(True))
        .order_by(CatalogItem.code)
    ).all()
    units = select(Unit.code, Unit.name).order_by(Unit.code)
    if actor.center_id is not None:
        units = units.where(Unit.center_id == actor.center_id)
    home = actor.region_code
    regions_below = (
        select(Region.code, Region.name).where(Region.parent_code == home).order_by(Region.code)
        if home
        else select(Region.code, Region.name).where(Region.level == "town").order_by(Region.code)
    )
    return {
        "categories": [(c, f"{c} {n}") for c, n in items],
        "units": [(c, n) for c, n in session.execute(units.limit(500))],
        "regions": [(c, n) for c, n in session.execute(regions_below.limit(500))],
    }


@router.get("", response_class=HTMLResponse)
def queue(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    q = request.query_params
    p = _platform(request)
    filters = {k: (q.get(k) or "").strip()[:100] for k in QUEUE_FILTERS}
    batch = filters["import_batch"]  # reached by the imports' links: a number, or nothing
    if not (batch.isascii() and batch.isdigit() and len(batch) <= 9):
        filters["import_batch"] = ""
    if not CASE_NUMBER.fullmatch(filters["caller_of"]):
        filters["caller_of"] = ""
    try:
        page = max(1, min(int(q.get("page") or 1), 100_000))
    except ValueError:
        page = 1
    error = None
    with p.db.read() as session:
        try:
            result = service.list_cases(
                session,
                actor=visitor.actor,
                center_code=None,
                statuses=[filters["status"]] if filters["status"] in i18n.STATUS else [],
                colour=filters["colour"] if filters["colour"] in COLOURS else None,
                page=PageParams(page, 30),
                query=service.CaseQuery(
                    channels=(filters["channel"],)
                    if filters["channel"] in {c.value for c in s.Channel}
                    else (),
                    category=filters["category"] or None,
                    unit=filters["unit"] or None,
                    region=filters["region"] or None,
                    supervised=True if filters["supervised"] else None,
                    to_visit=bool(filters["to_visit"]),
                    waiting=filters["waiting"] if filters["waiting"] in REASONS else None,
                    text=filters["q"] or None,
                    import_batch=int(filters["import_batch"]) if filters["import_batch"] else None,
                    caller_of=filters["caller_of"] or None,
                ),
            )
        except AppError as exc:
            result, error = s.CasePage(items=[], total=0, page=1, page_size=30), exc.detail
        counts = dict(
            session.execute(
                select(Case.sla_colour, func.count())
                .where(service.visible_to(session, visitor.actor))
                .where(Case.status.in_(OPEN_STATUSES))
                .group_by(Case.sla_colour)
            ).all()
        )
        waiting = service.waiting_counts(session, actor=visitor.actor)
        choices = _choices(session, visitor.actor)
        unit_names = explain.names_of(session, {c.lead_unit for c in result.items if c.lead_unit})
        waits = _waits(session, result.items, _lang(request))
    args = {k: v for k, v in filters.items() if v}
    all_batches = {k: v for k, v in args.items() if k != "import_batch"}
    all_callers = {k: v for k, v in args.items() if k != "caller_of"}
    return _page(
        request,
        "queue.html",
        {
            "visitor": visitor,
            "result": result,
            "counts": {c: counts.get(c, 0) for c in COLOURS},
            "filters": filters,
            "channels": [c.value for c in s.Channel],
            "unit_names": unit_names,
            "waits": waits,
            "statuses": list(i18n.STATUS),
            "reasons": [(r, i18n.pick(explain.WAITING, r, _lang(request))) for r in REASONS],
            "waiting": waiting,
            **choices,
            "bulk_actions": [a.value for a in BULK],
            "done": q.get("done", ""),
            "failed": q.get("failed", ""),
            "error": error,
            "all_batches_url": f"/console?{urlencode(all_batches)}",
            "all_callers_url": f"/console?{urlencode(all_callers)}",
            "prev_url": f"/console?{urlencode({**args, 'page': page - 1})}" if page > 1 else None,
            "next_url": (
                f"/console?{urlencode({**args, 'page': page + 1})}"
                if page * 30 < result.total
                else None
            ),
        },
    )


def _waits(session: Any, items: list[Any], lang: str) -> dict[str, str]:
    """Why each case on the page that triage left to a person waits (the queue's status
    column: 待受理 · 定位不确定), read from the triage it keeps."""
    numbers = [c.number for c in items if c.status in LEFT_AT]
    if not numbers:
        return {}
    rows = session.execute(
        select(Case.number, Case.status, Case.triage).where(Case.number.in_(numbers))
    ).all()
    said = {n: explain.waiting(triage, status, lang) for n, status, triage in rows}
    return {n: "、".join(words) for n, words in said.items() if words}


@router.post("/bulk", response_class=HTMLResponse)
async def bulk(request: Request) -> Response:
    """One action on the ticked cases, each in its own transaction: what was refused is
    named, what was done stays done."""
    checked = await _posted(request)
    if isinstance(checked, Response):
        return checked
    visitor, form, _ = checked
    numbers = [n for n in (await request.form()).getlist("numbers") if isinstance(n, str)][:200]
    try:
        chosen = Action(form.get("action", ""))
    except ValueError:
        chosen = None
    if chosen not in BULK or not numbers:
        return RedirectResponse("/console?failed=" + quote("choose cases and an action"), 303)
    p = _platform(request)
    text = form.get("text", "")
    values = {"text": text, "reason": text, "note": text, "level": form.get("level", "1")}

    def work() -> Response:
        assert chosen is not None
        own = _per_case(p, visitor, numbers, chosen)
        lang = _lang(request)
        done, failed = [], []
        for number in numbers:
            try:
                if chosen == Action.merge_into and number not in own:
                    raise ValidationFailed("no probable duplicate to merge into")
                apply_action(p, visitor, number, chosen, {**values, **own.get(number, {})}, [])
                done.append(number)
            except AppError as exc:
                failed.append(f"{number}: {problems.problem_words(exc.detail, lang)}")
        query = {"done": str(len(done))}
        if failed:
            query["failed"] = "; ".join(failed)[:1500]
        return RedirectResponse(f"/console?{urlencode(query)}", status_code=303)

    return await run_in_threadpool(work)


def _per_case(
    p: Platform, visitor: Visitor, numbers: list[str], action: Action
) -> dict[str, dict[str, str]]:
    """What a bulk action takes from each of the user's ticked cases: a merge, the case
    triage found it probably repeats; an acceptance, the item triage suggested for a case with
    none (as the case page's accept form is preset)."""
    if action not in (Action.merge_into, Action.accept):
        return {}
    with p.db.read() as session:
        if action == Action.merge_into:
            original = aliased(Case)
            rows = session.execute(
                select(Case.number, original.number)
                .join(original, Case.probable_duplicate_id == original.id)
                .where(Case.number.in_(numbers), service.visible_to(session, visitor.actor))
            ).all()
            return {number: {"into": into} for number, into in rows}
        unset = session.execute(
            select(Case.number, Case.triage).where(
                Case.number.in_(numbers),
                Case.catalog_item_id.is_(None),
                service.visible_to(session, visitor.actor),
            )
        ).all()
    found = {n: presets.suggested_item(triage) for n, triage in unset}
    return {number: {"catalog_item": item} for number, item in found.items() if item}


# ---- a case -------------------------------------------------------------------------------
def _case_context(request: Request, visitor: Visitor, number: str) -> dict[str, Any]:
    p = _platform(request)
    with p.db.read() as session:
        case = service.get_visible(session, number=number, actor=visitor.actor)
        view = service.read(session, case=case, now=utc_now(), rules=p.rules)
        events = service.read_events(session, case=case)
        allowed = service.actions_for(session, case=case, actor=visitor.actor)
        files = session.execute(
            select(Attachment.id, Attachment.filename, Attachment.content_type)
            .where(Attachment.case_id == case.id)
            .order_by(Attachment.id)
        ).all()
        related = _related(session, case, visitor.actor)
        caller = callers.history(
            session, key=case.caller_key, actor=visitor.actor, leave_out=case.id
        )
        may_reveal = personal.may_reveal(session, case=case, actor=visitor.actor)
        names = explain.names_of(
            session, explain.codes(view.triage) | {view.catalog_item or "", view.lead_unit or ""}
        )
        place = presets.grid(view.triage, view.grid_code, _lang(request))
        defaults = {
            Action.accept: presets.joined(
                presets.item(view.triage, view.catalog_item, names, _lang(request)), place
            ),
            Action.dispatch: presets.joined(
                presets.route(session, case, view.catalog_item, _lang(request)), place
            )
            if Action.dispatch in allowed
            else {},
            # the case intake flagged: merging it is one click
            Action.merge_into: {
                "into": view.probable_duplicate,
                "_why": f"{i18n.pick(i18n.WORDS, 'probable_duplicate', _lang(request))}"
                f" {view.probable_duplicate} ({view.duplicate_score or 0:.2f})",
            }
            if view.probable_duplicate
            else {},
        }
        fields = {a: forms.form_fields(s.ACTION_INPUTS[a]) for a in allowed}
        named = {f.name for specs in fields.values() for f in specs}
        pickers = presets.pickers(session, named, case.center_id, unplaced=case.grid_code is None)
    return {
        "visitor": visitor,
        "case": view,
        "names": names,
        "triage_why": explain.triage_words(view.triage, _lang(request), names),
        "events": events,
        "actions": [
            {
                "name": a.value,
                "fields": fields[a],
                "destructive": a.value in i18n.DESTRUCTIVE,
                "defaults": defaults.get(a, {}),
            }
            for a in allowed
        ],
        "files": [
            {"id": f.id, "name": f.filename, "image": f.content_type.startswith("image/")}
            for f in files
        ],
        "related": related,
        "caller": caller,
        "pickers": pickers,
        "may_reveal": may_reveal,
        "revealed": None,
        "tiles": p.settings.map_tiles_url,
        "error": None,
        "failed_action": None,
    }


def _related(session: Any, case: Case, actor: Actor) -> list[dict[str, str]]:
    """Duplicates merged into this case, and the cases like it the user may see: same grid
    and catalogue item within 30 days before or after it."""
    visible = service.visible_to(session, actor)
    columns = (Case.number, Case.title, Case.status)
    merged = session.execute(
        select(*columns, Case.satisfaction)
        .where(visible, Case.duplicate_of_id == case.id)
        .order_by(Case.id)
    ).all()
    # a merged report's state is its reporter's return visit: made, owed, or not yet due
    owed = "to_visit" if case.status == "closed" else ""
    out = [
        {"number": n, "title": t, "status": st, "why": "merged", "visit": sat or owed}
        for n, t, st, sat in merged
    ]
    if case.grid_code and case.catalog_item_id:
        window = timedelta(days=30)
        similar = session.execute(
            select(*columns)
            .where(
                visible,
                Case.id != case.id,
                Case.grid_code == case.grid_code,
                Case.catalog_item_id == case.catalog_item_id,
                Case.created_at.between(case.created_at - window, case.created_at + window),
            )
            .order_by(Case.created_at.desc())
            .limit(5)
        ).all()
        seen = {r["number"] for r in out}
        out += [
            {"number": n, "title": t, "status": st, "why": "similar"}
            for n, t, st in similar
            if n not in seen
        ]
    return out


@router.get("/cases/{number}", response_class=HTMLResponse)
def case_page(request: Request, number: str) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    try:
        context = _case_context(request, visitor, number)
    except AppError as exc:
        return _page(
            request, "error.html", {"visitor": visitor, "error": exc.detail}, exc.status_code
        )
    return _page(request, "case.html", context)


@router.post("/cases/{number}/reveal", response_class=HTMLResponse)
async def reveal(request: Request, number: str) -> Response:
    """The unmasked reporter and text, shown once on this page; the reveal is a case event."""
    checked = await _posted(request)
    if isinstance(checked, Response):
        return checked
    visitor, form, _ = checked
    p = _platform(request)

    def work() -> Response:
        try:
            with p.db.write() as session:
                shown = personal.reveal(
                    session,
                    number=number,
                    actor=visitor.actor,
                    reason=form.get("reason", ""),
                    now=utc_now(),
                )
        except AppError as exc:
            context = _case_context(request, visitor, number)
            context.update(error=exc.detail, failed_action="reveal")
            return _page(request, "case.html", context, status_code=exc.status_code)
        context = _case_context(request, visitor, number)
        context["revealed"] = shown
        return _page(request, "case.html", context)

    return await run_in_threadpool(work)


@router.post("/cases/{number}/actions/{action}", response_class=HTMLResponse)
async def act(request: Request, number: str, action: str) -> Response:
    checked = await _posted(request)
    if isinstance(checked, Response):
        return checked
    visitor, form, uploads = checked
    p = _platform(request)
    try:
        chosen = Action(action)
    except ValueError:
        return _page(request, "error.html", {"visitor": visitor, "error": action}, 404)

    def work() -> Response:
        try:
            apply_action(p, visitor, number, chosen, form, uploads)
        except AppError as exc:  # shown inline, next to the form that failed
            try:
                context = _case_context(request, visitor, number)
            except AppError as again:
                return _page(
                    request,
                    "error.html",
                    {"visitor": visitor, "error": again.detail},
                    again.status_code,
                )
            context.update(error=exc.detail, failed_action=action)
            return _page(request, "case.html", context, status_code=exc.status_code)
        return RedirectResponse(f"/console/cases/{number}", status_code=303)

    return await run_in_threadpool(work)
