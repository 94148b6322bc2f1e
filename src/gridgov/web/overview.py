"""The console's overview pages: the map, the leaders' big screen and the reports list."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from gridgov.auth.scope import region_subtree
from gridgov.cases import service
from gridgov.grids import patrol
from gridgov.grids import service as grids_service
from gridgov.kit.clock import utc_now
from gridgov.store.models import Case, Center, Grid, Report
from gridgov.web.console import OPEN_STATUSES, _page, _platform, _to_login, _visitor

router = APIRouter(prefix="/console", include_in_schema=False)


# ---- the map ------------------------------------------------------------------------------
@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    tiles = _platform(request).settings.map_tiles_url
    return _page(request, "map.html", {"visitor": visitor, "tiles": tiles})


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request) -> Response:
    """The leaders' big screen (1920×1080, dark); its figures come from /api/v1/cockpit."""
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    center = request.query_params.get("center", "")
    if center and not center.isalnum():
        center = ""
    return _page(request, "screen.html", {"visitor": visitor, "center": center})


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request) -> Response:
    """The centre's reports (HTML, PDF, XLSX) and a form to make one now."""
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    allowed = {"leader", "dispatcher", "admin", "auditor"}
    if not allowed & {str(r) for r in visitor.actor.roles}:
        return _page(request, "error.html", {"visitor": visitor, "error": "reports"}, 403)
    p = _platform(request)
    with p.db.read() as session:
        center = session.get(Center, visitor.actor.center_id) if visitor.actor.center_id else None
        centers = session.execute(select(Center.code, Center.name).order_by(Center.code)).all()
        code = request.query_params.get("center") or (center.code if center else "")
        chosen = session.scalar(select(Center).where(Center.code == code)) if code else None
        rows = (
            session.scalars(
                select(Report)
                .where(Report.center_id == chosen.id)
                .order_by(Report.first.desc(), Report.kind)
                .limit(200)
            ).all()
            if chosen
            else []
        )
        listed = [
            {
                "id": r.id,
                "kind": r.kind,
                "first": r.first,
                "last": r.last,
                "made_at": r.made_at,
                "made_by": r.made_by,
                "pdf": r.has_pdf,
                "note": r.note,
            }
            for r in rows
        ]
    today = utc_now().astimezone(ZoneInfo(p.settings.timezone)).date()
    return _page(
        request,
        "reports.html",
        {
            "visitor": visitor,
            "reports": listed,
            "centers": centers,
            "center": code,
            "today": today.isoformat(),
        },
    )


@router.get("/map.json")
def map_data(request: Request) -> Response:
    """Comprehensive grids (with their open cases counted) and the open cases the user may
    see, for the map page."""
    visitor = _visitor(request)
    if visitor is None:
        return JSONResponse({"error": "Unauthenticated", "detail": "sign in"}, status_code=401)
    p = _platform(request)
    with p.db.read() as session:
        visible = service.visible_to(session, visitor.actor)
        cases = session.execute(
            select(Case.number, Case.title, Case.lon, Case.lat, Case.sla_colour, Case.grid_code)
            .where(visible, Case.status.in_(OPEN_STATUSES), Case.lon.is_not(None))
            .order_by(Case.id.desc())
            .limit(5000)
        ).all()
        per_grid: dict[str, int] = {}
        for row in cases:
            if row.grid_code:
                per_grid[row.grid_code] = per_grid.get(row.grid_code, 0) + 1
        stmt = select(Grid).where(Grid.kind == "comprehensive")
        home = visitor.actor.region_code
        if home:
            stmt = stmt.where(Grid.region_code.in_(region_subtree(home)))
        features = []
        for grid in session.scalars(stmt.limit(20_000)):
            feature = grids_service.to_feature(grid)
            feature["properties"]["open_cases"] = per_grid.get(grid.code, 0)
            features.append(feature)
        since = utc_now() - timedelta(hours=24)
        staff = [
            {
                "name": display,
                "lon": row.lon,
                "lat": row.lat,
                "grid": row.grid_code,
                "at": row.at.isoformat(),
            }
            for row, _username, display in patrol.recent(
                session, actor=visitor.actor, since=since, limit=2000
            )
        ]
    return JSONResponse(
        {
            "grids": {"type": "FeatureCollection", "features": features},
            "cases": [
                {
                    "number": r.number,
                    "title": r.title,
                    "lon": r.lon,
                    "lat": r.lat,
                    "colour": r.sla_colour,
                }
                for r in cases
            ],
            "checkins": staff,
        }
    )
