"""Domain errors. Every error the platform raises on purpose is an ``AppError``.

The HTTP layer renders them as ``{"error": <class name>, "detail": <message>}`` with
``status_code``; the CLI prints the same and exits with ``exit_code``.
"""

from __future__ import annotations


class AppError(Exception):
    status_code = 400
    exit_code = 1

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(AppError):
    """Input is well-formed but not acceptable (unknown unit, bad amount, ...)."""

    status_code = 422
    exit_code = 2


class NotFound(AppError):
    status_code = 404
    exit_code = 3


class Forbidden(AppError):
    status_code = 403
    exit_code = 4


class Conflict(AppError):
    """The case changed under the caller (concurrent move, stale version)."""

    status_code = 409
    exit_code = 5


class InvalidTransition(Conflict):
    """The action is not legal from the case's current state."""


class Unauthenticated(AppError):
    """No credentials, or credentials that do not hold (expired session, revoked key)."""

    status_code = 401
    exit_code = 6


class TooManyRequests(AppError):
    """Rate limit or sign-in lockout; ``retry_after`` seconds until the next try may pass."""

    status_code = 429
    exit_code = 7

    def __init__(self, detail: str, *, retry_after: float = 1.0) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
