"""The grid worker's phone pages (PWA): report with photos and GPS, my tasks, verify, patrol
check-in. Reports and check-ins are queued on the phone (IndexedDB) and sent when the network
is there; their client ids make a second sending the same record (the intake door's and the
check-in's idempotency). The service worker keeps the pages and assets for offline use.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from gridgov.cases import service
from gridgov.cases.workflow import OPEN, Action
from gridgov.kit.errors import AppError, ValidationFailed
from gridgov.store.models import Case, CatalogItem
from gridgov.web.console import (
    STATIC,
    Visitor,
    _page,
    _platform,
    _posted,
    _to_login,
    _visitor,
    apply_action,
)

router = APIRouter(prefix="/console/m", include_in_schema=False)
VERDICTS = {"pass": Action.verify_pass, "fail": Action.verify_fail}


@router.get("", response_class=HTMLResponse)
def home(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    return _page(request, "m_home.html", {"visitor": visitor, **_tasks(request, visitor)})


# what the service worker keeps for offline use (sw.js lists the same)
OFFLINE_ASSETS = ("mobile.css", "mobile.js", "manifest.webmanifest", "icons/icon-192.png")


@functools.cache
def worker_script(static: Path = STATIC) -> str:
    """sw.js with its cache named after a digest of the assets it keeps: the assets are served
    from that cache first, so without a new name an updated mobile.js would never reach a
    phone that had the old one."""
    digest = hashlib.sha256()
    for name in OFFLINE_ASSETS:
        digest.update((static / name).read_bytes())
    text = (static / "sw.js").read_text(encoding="utf-8")
    return text.replace("ASSETS_DIGEST", digest.hexdigest()[:16])


@router.get("/sw.js")
def service_worker() -> Response:
    """Served under /console/m so that it may control the phone pages."""
    return Response(
        worker_script(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/console/m"},
    )


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    p = _platform(request)
    with p.db.read() as session:
        admissible = session.execute(
            select(CatalogItem.code, CatalogItem.name)
            .where(CatalogItem.grid_admissible.is_(True), CatalogItem.active.is_(True))
            .order_by(CatalogItem.code)
        ).all()
    return _page(request, "m_report.html", {"visitor": visitor, "admissible": admissible})


def _tasks(request: Request, visitor: Visitor) -> dict[str, object]:
    actor = visitor.actor
    p = _platform(request)
    open_statuses = [s.value for s in OPEN]
    with p.db.read() as session:
        columns = (Case.number, Case.title, Case.status, Case.sla_colour, Case.created_at)
        to_verify = session.execute(
            select(*columns)
            .where(Case.verifier_id == actor.user_id, Case.status == "verifying")
            .order_by(Case.handled_at, Case.id)
        ).all()
        mine = session.execute(
            select(*columns)
            .where(Case.reporter_user_id == actor.user_id, Case.status.in_(open_statuses))
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(50)
        ).all()
    return {"to_verify": to_verify, "mine": mine}


@router.get("/tasks", response_class=HTMLResponse)
def tasks(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    return _page(request, "m_tasks.html", {"visitor": visitor, **_tasks(request, visitor)})


def _verify_context(request: Request, visitor: Visitor, number: str) -> dict[str, object]:
    actor = visitor.actor
    p = _platform(request)
    with p.db.read() as session:
        case = service.get_visible(session, number=number, actor=actor)
        allowed = service.actions_for(session, case=case, actor=actor)
        return {
            "visitor": visitor,
            "case": {
                "number": case.number,
                "title": case.title,
                "description": case.description,
                "address": case.address,
                "lon": case.lon,
                "lat": case.lat,
                "status": case.status,
            },
            "may_verify": Action.verify_pass in allowed,
        }


@router.get("/verify/{number}", response_class=HTMLResponse)
def verify_page(request: Request, number: str) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    try:
        context = _verify_context(request, visitor, number)
    except AppError as exc:
        return _page(request, "error.html", {"visitor": visitor, "error": exc.detail}, 404)
    return _page(request, "m_verify.html", context)


@router.post("/verify/{number}", response_class=HTMLResponse)
async def verify(request: Request, number: str) -> Response:
    checked = await _posted(request)
    if isinstance(checked, Response):
        return checked
    visitor, form, uploads = checked
    p = _platform(request)
    verdict = VERDICTS.get(form.get("verdict", ""))

    def work() -> Response:
        try:
            if verdict is None:
                raise ValidationFailed("choose pass or fail")
            apply_action(p, visitor, number, verdict, form, uploads)
        except AppError as exc:
            try:
                context = _verify_context(request, visitor, number)
            except AppError as again:  # the case is not (or no longer) the worker's to see
                return _page(
                    request, "error.html", {"visitor": visitor, "error": again.detail}, 404
                )
            context["error"] = exc.detail
            return _page(request, "m_verify.html", context, status_code=exc.status_code)
        return RedirectResponse("/console/m/tasks?done=" + number, status_code=303)

    return await run_in_threadpool(work)


@router.get("/checkin", response_class=HTMLResponse)
def checkin_page(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    return _page(request, "m_checkin.html", {"visitor": visitor})
