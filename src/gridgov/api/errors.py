"""One rendering of errors for the whole API: ``{"error": <class>, "detail": <message>}``, and
``message``, the detail in Chinese, for a caller whose ``Accept-Language`` prefers it (the grid
app on a Chinese phone shows it; ``detail`` stays English for integrators)."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridgov.kit.errors import AppError, TooManyRequests, Unauthenticated
from gridgov.web import problems


class ErrorBody(BaseModel):
    error: str
    detail: str
    message: str | None = Field(
        None, description="The detail in Chinese, when Accept-Language prefers zh."
    )


def prefers_chinese(accept_language: str | None) -> bool:
    """Whether an ``Accept-Language`` header ranks a Chinese language first."""
    best, best_q = "", 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > best_q:
            best, best_q = tag.lower(), q
    return best.startswith("zh")


def body(error: str, detail: str, accept_language: str | None, **extra: Any) -> dict[str, Any]:
    """An error's body, in the caller's language too where that is Chinese."""
    out: dict[str, Any] = {"error": error, "detail": detail, **extra}
    if prefers_chinese(accept_language):
        out["message"] = problems.problem_words(detail, "zh")
    return out


def error_responses(*codes: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI declaration of the error responses a route can give."""
    return {code: {"model": ErrorBody} for code in codes}


_HTTP_NAMES = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthorized", 403: "Forbidden"}


def install(app: FastAPI) -> None:
    _declare_validation_errors(app)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        headers = {}
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        elif isinstance(exc, Unauthenticated):
            headers["WWW-Authenticate"] = 'Bearer realm="gridgov"'
        return JSONResponse(
            body(type(exc).__name__, exc.detail, request.headers.get("accept-language")),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg')}")
        language = request.headers.get("accept-language")
        return JSONResponse(body("ValidationFailed", "; ".join(parts), language), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = _HTTP_NAMES.get(exc.status_code, "HTTPError")
        language = request.headers.get("accept-language")
        return JSONResponse(body(name, str(exc.detail), language), status_code=exc.status_code)


def _declare_validation_errors(app: FastAPI) -> None:
    """Request validation fails with our error body (see ``_validation``), on every route:
    the schema FastAPI declares for it by default says so too."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, routes=app.routes, tags=app.openapi_tags
            )
            components = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in components:
                components["HTTPValidationError"] = ErrorBody.model_json_schema()
                components.pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
