"""The administrators' pages: users and roles, catalogue and time limits, routing rules,
intake (each centre's triage thresholds, and the import of an old platform's cases with its
dry-run report), holidays and grid import with its validation report.

The pages list what is on file (read from the database) and their forms are clients of the
API (``static/admin.js`` sends each form as JSON to the endpoint named in ``data-api``, with
the session's CSRF token, and shows the API's error next to the form): one implementation of
every check, the one the API tests and the CLI share.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from gridgov.auth.policy import R
from gridgov.cases.sla import LimitUnit, Step
from gridgov.catalog import repository as catalog
from gridgov.dispatch import rules as rules_db
from gridgov.intake import batches, bulk, linkage
from gridgov.intake import service as intake
from gridgov.kit.clock import utc_now
from gridgov.store.models import (
    CatalogItem,
    Center,
    Grid,
    Region,
    SlaPolicy,
    Unit,
    User,
)
from gridgov.web import explain, presets
from gridgov.web.console import (
    Visitor,
    _lang,
    _page,
    _platform,
    _to_login,
    _visitor,
)
from gridgov.web.i18n import IMPORT_REPORT, ROLES, STATUS, pick

router = APIRouter(prefix="/console/admin", include_in_schema=False)
PAGES = ("users", "catalog", "rules", "intake", "calendar", "grids")
USERS_SHOWN = 100  # a county has hundreds of grid workers: search narrows the list


def _admin(request: Request) -> Visitor | Response:
    visitor = _visitor(request)
    if visitor is None:
        return _to_login(request)
    if R.admin not in visitor.actor.roles:
        return _page(request, "error.html", {"visitor": visitor, "error": "admin only"}, 403)
    return visitor


def _render(request: Request, visitor: Visitor, page: str, **context: Any) -> Response:
    return _page(
        request,
        f"admin_{page}.html",
        {"visitor": visitor, "pages": PAGES, "current": page, **context},
    )


@router.get("", response_class=HTMLResponse)
def index(request: Request) -> Response:
    checked = _admin(request)
    if isinstance(checked, Response):
        return checked
    with _platform(request).db.read() as session:
        counts = {
            "users": session.scalar(select(func.count()).select_from(User)),
            "catalog": session.scalar(select(func.count()).select_from(CatalogItem)),
            "rules": len(rules_db.rule_rows(session)),
            "calendar": len(catalog.list_days(session, year=utc_now().year)),
            "grids": session.scalar(select(func.count()).select_from(Grid)),
        }
    return _render(request, checked, "index", counts=counts)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request) -> Response:
    checked = _admin(request)
    if isinstance(checked, Response):
        return checked
    text = (request.query_params.get("q") or "").strip()[:64]
    with _platform(request).db.read() as session:
        stmt = (
            select(User, Center.code, Unit.code)
            .outerjoin(Center, Center.id == User.center_id)
            .outerjoin(Unit, Unit.id == User.unit_id)
            .order_by(User.username)
        )
        if text:
            like = f"%{text}%"
            stmt = stmt.where(User.username.like(like) | User.display_name.like(like))
        total = session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = session.execute(stmt.limit(USERS_SHOWN)).all()
        people = [
            {
                "username": u.username,
                "name": u.display_name,
                "roles": u.role_names,
                "region": u.region_code or "",
                "center": center or "",
                "unit": unit or "",
                "active": u.active,
                "locked": bool(u.locked_until and u.locked_until > utc_now()),
            }
            for u, center, unit in rows
        ]
        centers = session.execute(select(Center.code, Center.name).order_by(Center.code)).all()
        units = session.execute(select(Unit.code, Unit.name).order_by(Unit.code)).all()
    return _render(
        request,
        checked,
        "users",
        people=people,
        total=total,
        q=text,
        roles=list(ROLES),
        centers=centers,
        units=units,
    )


@router.get("/catalog", response_class=HTMLResponse)
def catalogue(request: Request) -> Response:
    checked = _admin(request)
    if isinstance(checked, Response):
        return checked
    with _platform(request).db.read() as session:
        items = [
            (
                {
                    "code": item.code,
                    "name": item.name,
                    "level": item.level,
                    "grid_admissible": item.grid_admissible,
                    "verification_required": item.verification_required,
                    "active": item.active,
                    "standard_codes": item.standard_codes,
                    "keywords": item.keywords,
                },
                policy,
            )
            for item, policy in session.execute(
                select(CatalogItem, SlaPolicy.code)
                .outerjoin(SlaPolicy, SlaPolicy.id == CatalogItem.sla_policy_id)
                .order_by(CatalogItem.code)
            )
        ]
        policies = [
            {
                "code": p.code,
                "name": p.name,
                "warning_ratio": p.warning_ratio,
                "limits": {x.step: (x.amount, x.unit) for x in p.limits},
            }
            for p in session.scalars(select(SlaPolicy).order_by(SlaPolicy.code))
        ]
    return _render(
        request,
        checked,
        "catalog",
        items=items,
        policies=policies,
        steps=[s.value for s in Step],
        limit_units=[u.value for u in LimitUnit],
    )


@router.get("/rules", response_class=HTMLResponse)
def rules(request: Request) -> Response:
    checked = _admin(request)
    if isinstance(checked, Response):
        return checked
    with _platform(request).db.read() as session:
        found = rules_db.rule_rows(session)
        codes = {c for r, item in found for c in (item, r.area_code, r.lead_unit, *r.assisting)}
        names = explain.names_of(session, codes)  # "{town}-zhzf": 所在镇…

        def named(code: str) -> str:
            return f"{names[code]}（{code}）" if code in names else code

        rows = [
            {
                "item": item,
                "item_name": names.get(item, ""),
                "level": r.region_level,
                "area": r.area_code,
                "area_name": names.get(r.area_code, ""),
                "lead": named(r.lead_unit),
                "assisting": "、".join(named(u) for u in r.assisting),
                "note": r.note,
            }
            for r, item in found
        ]
        pickers = _rule_pickers(session)
    return _render(request, checked, "rules", rules=rows, levels=rules_db.LEVELS, pickers=pickers)


def _rule_pickers(session: Any) -> dict[str, list[tuple[str, str]]]:
    """Choices beside the rule forms' code fields (datalists: a code typed by hand still
    works, as does a ``{town}-…`` unit): the active items, the regions a rule's area or a
    test may name, and the units."""
    areas = session.execute(
        select(Region.code, Region.name)
        .where(Region.level.in_(("city", "county", "town", "village")))
        .order_by(Region.code)
    ).all()
    units = session.execute(select(Unit.code, Unit.name).order_by(Unit.code)).all()
    return {
        "items": presets.pickers(session, {"catalog_item"}, None)["catalog_item"],
        "regions": [(c, f"{n} {c}") for c, n in areas],
        "units": [(c, n) for c, n in units],
    }


# a centre's triage thresholds (intake.POLICY_FIELDS), in the order the page shows them
POLICY_FIELDS = (
    ("classify_threshold", "number"),
    ("locate_threshold", "number"),
    ("duplicate_threshold", "number"),
    ("duplicate_window_hours", "number"),
    ("duplicate_radius_m", "number"),
    ("auto_accept", "bool"),
    ("auto_dispatch", "bool"),
)


@router.get("/intake", response_class=HTMLResponse)
def intake_page(request: Request) -> Response:
    checked = _admin(request)
    if isinstance(checked, Response):
        return checked
    with _platform(request).db.read() as session:
        linked = {
            target: linkage.backlog(session, target=target)
            for target in sorted(linkage.LINKED_CHANNELS)
        }
        centers = [
            {
                "code": c.code,
                "name": c.name,
                **intake.policy_dict(intake.policy_for(session, center_id=c.id)),
            }
            for c in session.scalars(select(Center).order_by(Center.code))
        ]
        # the import report counts rows by item code: the page names them
        item_names = dict(session.execute(select(CatalogItem.code, CatalogItem.name)).all())
        recent = batches.recent(session, limit=20, actor=checked.actor)
    return _render(
        request,
        checked,
        "intake",
        item_names=item_names,
        centers=centers,
        fields=POLICY_FIELDS,
        example=EXAMPLE_MAPPING,
        linked=linked,
        linkage_url=_platform(request).settings.police_110_url,
        batches=recent,
        import_words={
            **{k: pick(IMPORT_REPORT, k, _lang(request)) for k in IMPORT_REPORT},
            **{f"status:{k}": pick(STATUS, k, _lang(request)) for k in bulk.STATUSES},
        },
    )


EXAMPLE_MAPPING = """channel = "hotline"
center = "320724"
unknown_category = "reject"
classify = true   # a row without a category: the classifier's item, where it is sure

[columns]
external_id = "工单编号"
received_at = "来电时间"
title = "标题"
text = "诉求内容"
address = "地址"
category = "一级分类"
"""


@router.get("/calendar", response_class=HTMLResponse)
def calendar(request: Request) -> Response:
    checked = _admin(request)
    if isinstance(checked, Response):
        return checked
    try:
        year = int(request.query_params.get("year") or utc_now().year)
    except ValueError:
        year = utc_now().year
    year = min(max(year, 2000), 2100)
    with _platform(request).db.read() as session:
        days = [
            {"day": d.day, "is_workday": d.is_workday, "name": d.name, "region": d.region_code}
            for d in catalog.list_days(session, year=year)
        ]
        counties = session.execute(
            select(Region.code, Region.name).where(Region.level == "county").order_by(Region.code)
        ).all()
    return _render(
        request,
        checked,
        "calendar",
        days=days,
        year=year,
        counties=counties,
        today=utc_now().astimezone(ZoneInfo(_platform(request).settings.timezone)).date(),
    )


@router.get("/grids", response_class=HTMLResponse)
def grids(request: Request) -> Response:
    checked = _admin(request)
    if isinstance(checked, Response):
        return checked
    with _platform(request).db.read() as session:
        kinds = session.execute(
            select(Grid.kind, func.count()).group_by(Grid.kind).order_by(Grid.kind)
        ).all()
        regions = session.scalar(select(func.count()).select_from(Region))
    return _render(request, checked, "grids", kinds=kinds, regions=regions)
