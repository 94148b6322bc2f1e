"""The server's outer wall (pure ASGI middleware): rate limits on the public and sign-in
doors, request size limits, and security headers on every response.

Rate limits count per client address with the ``limits`` library: in memory for one process
(the embedded demo), or in Redis (``GRIDGOV_RATE_LIMIT_STORAGE=redis://…``) so that every
worker of a deployment shares the counts. Behind a reverse proxy, run uvicorn with
``--forwarded-allow-ips`` so the client address is the citizen's, not the proxy's.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from gridgov.config import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_API_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# JSON and XML answers never run script or load anything; the console pages set their own.
_DATA_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_PAGE_CSP = (
    b"content-security-policy",
    b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    b"connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
)
_NO_STORE = (b"cache-control", b"no-store")
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


@dataclass(frozen=True)
class Door:
    name: str
    limit: RateLimitItem
    methods: frozenset[str]
    prefix: str
    suffix: str = ""

    def matches(self, method: str, path: str) -> bool:
        return (
            method in self.methods and path.startswith(self.prefix) and path.endswith(self.suffix)
        )


def doors(settings: Settings) -> list[Door]:
    return [
        Door("login", parse(settings.rate_limit_login), frozenset({"POST"}), "/api/v1/auth/login"),
        Door("login", parse(settings.rate_limit_login), frozenset({"POST"}), "/console/login"),
        Door(
            "open311-write",
            parse(settings.rate_limit_public_write),
            frozenset({"POST"}),
            "/open311/",
        ),
        Door(
            "open311-read",
            parse(settings.rate_limit_public_read),
            frozenset({"GET", "HEAD"}),
            "/open311/",
        ),
    ]


class Guard:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.doors = doors(settings)
        self.limiter = SlidingWindowCounterRateLimiter(
            storage_from_string(settings.rate_limit_storage)
        )
        self.max_body = settings.request_max_bytes
        self.max_upload = settings.attachment_max_bytes + 64 * 1024  # multipart overhead

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        door = next((d for d in self.doors if d.matches(method, path)), None)
        if door is not None:
            client = (scope.get("client") or ("unknown", 0))[0]
            if not self.limiter.hit(door.limit, door.name, client):
                stats = self.limiter.get_window_stats(door.limit, door.name, client)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                detail = f"too many requests to {door.name}; try again in {wait} s"
                await _refuse(
                    send,
                    path,
                    429,
                    "TooManyRequests",
                    detail,
                    [(b"retry-after", str(wait).encode())],
                )
                return
        uploading = path.endswith(("/attachments", "/intake/import"))
        limit = self.max_upload if uploading else self.max_body
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(
                send, path, 413, "PayloadTooLarge", f"the request body exceeds {limit} bytes"
            )
            return
        if declared is None and method in ("POST", "PUT", "PATCH"):
            receive = await _buffered(receive, limit)
            if receive is None:
                await _refuse(
                    send, path, 413, "PayloadTooLarge", f"the request body exceeds {limit} bytes"
                )
                return
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = list(_API_HEADERS)
                if path.startswith("/console"):  # pages: their own vendored assets only
                    extra += [_PAGE_CSP, _NO_STORE]
                elif not path.startswith(("/docs", "/redoc", "/static/")):
                    extra += [_DATA_CSP, _NO_STORE]
                if secure:
                    extra.append(_HSTS)
                headers += [(k, v) for k, v in extra if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _buffered(receive: Receive, limit: int) -> Receive | None:
    """Read a body of unknown length up to ``limit``; None when it is longer."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(
    send: Send,
    path: str,
    status: int,
    error: str,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    if path.startswith("/open311/"):
        body: Any = [{"code": status, "description": detail}]
    else:
        body = {"error": error, "detail": detail}
    data = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *_API_HEADERS,
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
