"""Hash chain over a case's events (pure).

Each event's hash is SHA-256 over the previous event's hash and the event's canonical form:
JSON with sorted keys, no insignificant whitespace, UTF-8, timestamps as UTC ISO-8601 with
microseconds. The first event of a case links to :data:`GENESIS`. The case row keeps the count
and last hash as an anchor, so deleting the newest events is detected too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value.year < 1000:  # strftime leaves such years unpadded, and they were hashed so
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # same, faster


def _default(obj: object) -> str:
    if isinstance(obj, datetime):
        return _iso(obj)
    raise TypeError(f"cannot hash a {type(obj).__name__}")


def _encoder(default: Callable[[Any], Any]) -> json.JSONEncoder:
    """The canonical form's JSON encoder, with ``default`` for what JSON has no type for."""
    return json.JSONEncoder(
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default
    )


# what json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
# default=_default) builds on every call, built once
_CANONICAL = _encoder(_default)


def canonical(fields: Mapping[str, Any]) -> bytes:
    return _CANONICAL.encode(fields).encode("utf-8")


@dataclass(frozen=True)
class ChainedEvent:
    case_id: int
    seq: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    payload: Mapping[str, Any]
    prev_hash: str = ""
    hash: str = ""

    def fields(self) -> dict[str, Any]:
        return event_fields(
            self.case_id,
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.from_status,
            self.to_status,
            self.payload,
        )


def event_fields(
    case_id: int,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    from_status: str | None,
    to_status: str,
    payload: Mapping[str, Any],
) -> dict[str, Any]:
    """What an event's hash covers; a bulk writer hashes these without building a
    :class:`ChainedEvent` per row."""
    return {
        "case_id": case_id,
        "seq": seq,
        "at": _iso(at),
        "actor": actor,
        "action": action,
        "from": from_status,
        "to": to_status,
        "payload": dict(payload),
    }


def fields_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(fields)).hexdigest()


def link_hash(prev_hash: str, event: ChainedEvent) -> str:
    return fields_hash(prev_hash, event.fields())


class Slot:
    """A place in the fields that :func:`fields_hashes` fills row by row."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


_MARK = re.compile(r'"\\u0000slot(\d+)\\u0000"')


def _value(value: object) -> str:
    """One value in the canonical form, as :data:`_CANONICAL` writes it inside a document."""
    if type(value) is str:
        return encode_basestring(value)
    if type(value) is int:  # not a bool, which JSON writes as true or false
        return int.__repr__(value)
    if value is None:
        return "null"
    if type(value) is datetime:
        return f'"{_iso(value)}"'
    return _CANONICAL.encode(value)


def fields_hashes(
    prev_hash: str, shape: Mapping[str, Any], rows: Iterable[Sequence[Any]]
) -> list[str]:
    """``fields_hash(prev_hash, fields)`` for many fields that are ``shape`` with its
    :class:`Slot` objects filled from each row (``row[slot.index]``): the form is encoded
    once, around placeholders, instead of once a row. For a bulk load's first links, which
    differ in a few values only."""
    met: list[int] = []

    def marked(obj: object) -> str:
        if isinstance(obj, Slot):
            met.append(obj.index)
            return f"\0slot{obj.index}\0"
        return _default(obj)

    text = _encoder(marked).encode(shape)
    pieces = _MARK.split(text)  # text, slot, text, slot, …, text
    parts, slots = pieces[0::2], [int(i) for i in pieces[1::2]]
    if sorted(slots) != sorted(met):  # a value of the shape itself looks like a placeholder
        raise ValueError("the shape holds a string that reads as a slot")
    head = prev_hash.encode("ascii") + b"\n"
    out = []
    for row in rows:
        body = [parts[0]]
        for slot, part in zip(slots, parts[1:], strict=True):
            body += (_value(row[slot]), part)
        out.append(hashlib.sha256(head + "".join(body).encode("utf-8")).hexdigest())
    return out


@dataclass(frozen=True)
class Break:
    case_id: int
    seq: int | None
    reason: str


def verify_chain(
    case_id: int,
    events: Sequence[ChainedEvent],
    *,
    anchor_count: int,
    anchor_hash: str,
) -> list[Break]:
    """Every break in one case's chain (empty when it verifies)."""
    breaks: list[Break] = []
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            breaks.append(Break(case_id, event.seq, f"sequence gap: expected event {expected_seq}"))
        if event.prev_hash != prev:
            breaks.append(Break(case_id, event.seq, "previous-hash link does not match"))
        if link_hash(event.prev_hash, event) != event.hash:
            breaks.append(Break(case_id, event.seq, "content does not match its hash"))
        prev = event.hash
    if len(events) != anchor_count:
        breaks.append(
            Break(case_id, None, f"case records {anchor_count} events, found {len(events)}")
        )
    elif prev != anchor_hash:
        breaks.append(Break(case_id, None, "last event hash differs from the case's anchor"))
    return breaks
