"""The audit hash chain detects edits, deletions and reordering (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gridgov.audit.chain import GENESIS, ChainedEvent, link_hash, verify_chain


def chain(n: int = 4) -> list[ChainedEvent]:
    events, prev = [], GENESIS
    for i in range(1, n + 1):
        e = ChainedEvent(
            case_id=7,
            seq=i,
            at=datetime(2026, 3, 2, tzinfo=UTC) + timedelta(hours=i),
            actor="dispatcher",
            action=f"a{i}",
            from_status="x",
            to_status="y",
            payload={"note": "办理中", "n": i},
            prev_hash=prev,
        )
        e = replace(e, hash=link_hash(prev, e))
        events.append(e)
        prev = e.hash
    return events


def test_intact_chain_verifies() -> None:
    events = chain()
    assert verify_chain(7, events, anchor_count=4, anchor_hash=events[-1].hash) == []


def test_edited_payload_is_found_at_its_event() -> None:
    events = chain()
    events[1] = replace(events[1], payload={"note": "已办结", "n": 2})
    breaks = verify_chain(7, events, anchor_count=4, anchor_hash=events[-1].hash)
    assert [(b.seq, b.reason) for b in breaks] == [(2, "content does not match its hash")]


def test_deleted_middle_and_last_events_are_found() -> None:
    events = chain()
    middle = verify_chain(7, [events[0], *events[2:]], anchor_count=4, anchor_hash=events[-1].hash)
    assert {b.seq for b in middle} >= {3}
    last = verify_chain(7, events[:3], anchor_count=4, anchor_hash=events[-1].hash)
    assert [b.seq for b in last] == [None]


def test_key_order_of_the_payload_does_not_matter() -> None:
    e = chain(1)[0]
    swapped = replace(e, payload={"n": 1, "note": "办理中"})
    assert link_hash(GENESIS, swapped) == e.hash
