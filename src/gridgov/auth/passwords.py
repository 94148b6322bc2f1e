"""Passwords: the policy a new password must meet, and argon2id hashing (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridgov.kit.errors import ValidationFailed

MIN_LENGTH = 10
_HASHER = PasswordHasher()  # argon2id with the library's current RFC 9106 low-memory profile
# Verified against when the user does not exist, so a wrong name costs as long as a wrong
# password and response times do not tell which names exist.
_DUMMY = _HASHER.hash("no such user: constant-time answer")

_COMMON = frozenset(
    {"password", "12345678", "123456789", "1234567890", "qwertyuiop", "11111111", "88888888"}
)


def check_policy(password: str, *, username: str) -> None:
    """Refuse a password that is short, one-kind, common or built from the user name."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"have at least {MIN_LENGTH} characters")
    kinds = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 3:
        problems.append("mix three of: lower-case, upper-case, digits, symbols")
    lowered = password.lower()
    if username and username.lower() in lowered:
        problems.append("not contain the user name")
    if lowered in _COMMON or len(set(password)) < 4:
        problems.append("not be a common or repetitive password")
    if problems:
        raise ValidationFailed("the password must " + "; ".join(problems))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
