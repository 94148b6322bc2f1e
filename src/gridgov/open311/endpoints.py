"""``/open311/v2``: GeoReport v2 in JSON and XML (the format is the path's suffix).

Errors use the spec's list format in the requested format, with the spec's status codes
(400, 403, 404). These routes are documented by the GeoReport specification rather than in
the platform's OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

import gridgov
from gridgov.bootstrap import Platform
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import AppError
from gridgov.open311 import service, spec
from gridgov.open311.spec import Open311Error

router = APIRouter(prefix="/open311/v2", include_in_schema=False)

MEDIA = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
_DOC = {
    "discovery": ("discovery", None),
    "services": ("services", "service"),
    "definition": ("service_definition", None),
    "requests": ("service_requests", "request"),
}


def _render(fmt: str, shape: str, body: Any, status: int = 200) -> Response:
    if fmt == "xml":
        root, item = _DOC[shape]
        return Response(spec.to_xml(root, item, body), status_code=status, media_type=MEDIA["xml"])
    import json

    return Response(
        json.dumps(body, ensure_ascii=False), status_code=status, media_type=MEDIA["json"]
    )


def _error(fmt: str, err: Open311Error) -> Response:
    body = spec.errors_body(err.code, err.description)
    if fmt == "xml":
        return Response(
            spec.to_xml("errors", "error", body), status_code=err.code, media_type=MEDIA["xml"]
        )
    return _render("json", "requests", body, err.code)


def _format(fmt: str) -> str:
    if fmt not in MEDIA:
        raise Open311Error(400, f"format must be json or xml, not {fmt!r}")
    return fmt


def _answer(
    request: Request, fmt: str, shape: str, work: Callable[[Platform], Any], status: int = 200
) -> Response:
    shown = fmt if fmt in MEDIA else "json"
    try:
        _format(fmt)
        return _render(shown, shape, work(request.app.state.platform), status)
    except Open311Error as err:
        return _error(shown, err)
    except AppError as err:
        return _error(shown, service.describe(err))


def _zone(p: Platform) -> ZoneInfo:
    return ZoneInfo(p.settings.timezone)


def _extensions(request: Request) -> bool:
    return request.query_params.get("extensions", "").lower() in ("true", "1")


@router.get("/discovery.{fmt}")
def discovery(request: Request, fmt: str) -> Response:
    def work(p: Platform) -> Any:
        base = str(request.base_url).rstrip("/") + router.prefix
        return {
            "changeset": gridgov.__version__,
            "contact": "12345 政务服务便民热线 / the command centre's administrator",
            "key_service": "API keys are issued by the centre's administrator "
            "(gridgov users api-key create --name NAME --role citizen)",
            "endpoints": [
                {
                    "specification": spec.SPECIFICATION,
                    "url": base,
                    "changeset": gridgov.__version__,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }

    return _answer(request, fmt, "discovery", work)


@router.get("/services.{fmt}")
def services(request: Request, fmt: str) -> Response:
    def work(p: Platform) -> Any:
        with p.db.read() as session:
            service.jurisdiction(session, request.query_params.get("jurisdiction_id"))
            return service.services(session)

    return _answer(request, fmt, "services", work)


@router.get("/services/{code}.{fmt}")
def definition(request: Request, code: str, fmt: str) -> Response:
    def work(p: Platform) -> Any:
        with p.db.read() as session:
            service.jurisdiction(session, request.query_params.get("jurisdiction_id"))
            return service.definition(session, code)

    return _answer(request, fmt, "definition", work)


@router.post("/requests.{fmt}")
async def create_request(request: Request, fmt: str) -> Response:
    try:
        form = await request.form()
    except Exception:  # malformed multipart/form bodies: the client's error
        return _error(
            fmt if fmt in MEDIA else "json", Open311Error(400, "the body must be form-encoded")
        )
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)

    def work(p: Platform) -> Any:
        api_key = (fields.get("api_key") or [None])[0]
        with p.db.write() as session:
            actor = service.key_actor(session, api_key, utc_now())
            jurisdiction = (fields.get("jurisdiction_id") or [None])[0]
            made = service.submit(
                session,
                form={k: v for k, v in fields.items() if k not in ("api_key", "jurisdiction_id")},
                actor=actor,
                scope=service.jurisdiction(session, jurisdiction),
                now=utc_now(),
                platform_rules=p.rules,
                triage=p.triage,
                idempotency_key=request.headers.get("idempotency-key"),
            )
        if isinstance(made, Open311Error):
            raise made  # after the commit: the rejected record stays as a dead letter
        return [made]

    return await run_in_threadpool(_answer, request, fmt, "requests", work, 201)


@router.get("/requests.{fmt}")
def list_requests(request: Request, fmt: str) -> Response:
    def work(p: Platform) -> Any:
        params = dict(request.query_params)
        ext = _extensions(request)
        query = service.parse_query(params, extensions=ext, now=utc_now())
        with p.db.read() as session:
            scope = service.jurisdiction(session, params.get("jurisdiction_id"))
            return service.find(session, query, scope, zone=_zone(p), extensions=ext)

    return _answer(request, fmt, "requests", work)


@router.get("/requests/{number}.{fmt}")
def get_request(request: Request, number: str, fmt: str) -> Response:
    def work(p: Platform) -> Any:
        with p.db.read() as session:
            scope = service.jurisdiction(session, request.query_params.get("jurisdiction_id"))
            return service.one(
                session, number, scope, zone=_zone(p), extensions=_extensions(request)
            )

    return _answer(request, fmt, "requests", work)


@router.get("/tokens/{token_id}.{fmt}")
def get_token(request: Request, token_id: str, fmt: str) -> Response:
    def work(p: Platform) -> Any:
        with p.db.read() as session:
            scope = service.jurisdiction(session, request.query_params.get("jurisdiction_id"))
            return service.token(session, token_id, scope)

    return _answer(request, fmt, "requests", work)
