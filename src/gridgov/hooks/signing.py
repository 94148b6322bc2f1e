"""Signatures of webhook payloads (pure): HMAC-SHA256 over ``"<timestamp>.<body>"``.

Header ``X-Gridgov-Signature: t=<unix seconds>,v1=<hex digest>``. A receiver recomputes the
digest with the shared secret, compares in constant time, and refuses a timestamp older than
its tolerance (replays). :func:`verify` is the reference receiver.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Gridgov-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, now: int, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
