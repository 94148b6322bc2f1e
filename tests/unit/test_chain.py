"""The audit hash chain detects edits, deletions and reordering (pure)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.audit.chain import (
    GENESIS,
    ChainedEvent,
    Slot,
    canonical,
    event_fields,
    fields_hash,
    fields_hashes,
    link_hash,
    verify_chain,
)

# the hash of the event in test_the_canonical_form_stays_the_stated_one at 2026-03-02 09:30
# UTC, as computed by the chain's first implementation (json.dumps per call, strftime): a
# database's stored chains are only as good as this staying equal
GOLDEN = "6709a53bd27c9b2b7658cda9efb51bd83f4b7680a8720c6f9a679df534f299bd"


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


def _reference_form(fields: dict[str, object]) -> bytes:
    """The canonical form as the module's docstring states it, spelt out with json.dumps."""

    def stamp(value: object) -> str:
        assert isinstance(value, datetime)
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=stamp
    ).encode("utf-8")


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 9, 30, 5, 120, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 3, 2, 9, 30),  # noqa: DTZ001 (naive: taken as UTC)
        datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(9999, 1, 1, tzinfo=UTC),
    ],
)
def test_the_canonical_form_stays_the_stated_one(at: datetime) -> None:
    """Hashes already stored must keep verifying: the bytes hashed are exactly the stated
    form, whatever the code that builds them."""
    e = ChainedEvent(
        case_id=12,
        seq=3,
        at=at,
        actor='网格员 "王"',
        action="dispatch",
        from_status=None,
        to_status="dispatched",
        payload={"score": 1e-05, "big": 1e16, "when": at, "list": [1, "二", None], "z": True},
    )
    fields = e.fields()
    assert canonical(fields) == _reference_form({**fields, "at": at})
    # and one hash worked out by the code that stored the first chains
    if at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC):
        assert link_hash(GENESIS, e) == GOLDEN


# what a slot may be filled with: the kinds of value a bulk load's rows carry, and others
VALUES = st.one_of(
    st.integers(-(2**70), 2**70),
    st.text(),  # quotes, backslashes, control characters, other planes
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(timezones=st.just(UTC)),
    st.lists(st.integers() | st.text(max_size=3), max_size=3),
)


# naive (taken as UTC), UTC, and the zone an import's times carry
TIMES = st.datetimes(timezones=st.none() | st.just(UTC) | st.just(ZoneInfo("Asia/Shanghai")))


@given(st.lists(st.tuples(VALUES, TIMES, VALUES, VALUES), min_size=1, max_size=5))
def test_hashes_from_a_shape_are_the_hashes_of_each_rows_fields(rows: list[tuple]) -> None:
    """A bulk load hashes its first links from one encoded form with slots: the hashes must
    be the ones each event's own fields give, or its chains would not verify."""
    prev, now = "ab" * 32, datetime(2026, 3, 2, tzinfo=UTC)
    shape = {
        **event_fields(0, 1, now, 'imp"ort', "import", None, "submitted", {}),
        "case_id": Slot(0),
        "at": Slot(1),
        "payload": {"source": "批量导入", "line": Slot(2), "external_id": Slot(3)},
    }
    one_by_one = [
        fields_hash(
            prev,
            event_fields(
                case_id,
                1,
                at,
                'imp"ort',
                "import",
                None,
                "submitted",
                {"source": "批量导入", "line": line, "external_id": ext},
            ),
        )
        for case_id, at, line, ext in rows
    ]
    assert fields_hashes(prev, shape, rows) == one_by_one


def test_a_shape_whose_own_text_reads_as_a_slot_is_refused() -> None:
    with pytest.raises(ValueError, match="reads as a slot"):
        fields_hashes(GENESIS, {"note": "\0slot0\0", "n": Slot(1)}, [(1, 2)])
