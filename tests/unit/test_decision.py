"""The reasons a case waits for a person: what ``decide`` gives, the queue can filter on and
the console can name."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.auth.actor import SYSTEM
from gridgov.intake import decision
from gridgov.web import explain


def facts(**changes: object) -> decision.Facts:
    base: dict[str, object] = {
        "answer": None, "self_handle": None, "item_known": True, "item_admissible": False,
        "by_grid_worker": False, "confident_item": True, "located": True,
        "duplicate_of": None, "auto_accept": True, "auto_dispatch": True, "off_list": (),
    }  # fmt: skip
    return decision.Facts(**{**base, **changes})  # type: ignore[arg-type]


def test_every_reason_decide_can_give_is_one_the_queue_filters_on_and_names() -> None:
    unsure = facts(confident_item=False, located=False, duplicate_of="X-1", auto_accept=False)
    outcome, steps = decision.decide(unsure, None, SYSTEM)
    assert outcome.key == "queue"
    assert steps == []
    # every reason but a bulk import's, which the import gives its cases (not decide)
    assert set(outcome.waits) == set(decision.QUEUE_WAITS) - {"imported"}
    routed: Any = object()  # a rule was found (these outcomes do not read it)
    left = {
        decision.decide(facts(), None, SYSTEM)[0].key,
        decision.decide(facts(auto_dispatch=False), routed, SYSTEM)[0].key,
        decision.decide(facts(off_list=("320724-cgj",)), routed, SYSTEM)[0].key,
        decision.decide(facts(self_handle="done"), None, SYSTEM)[0].key,
    }
    assert left == {"no_rule", "dispatch_off", "off_list", "self_refused"}
    assert left <= set(decision.REASONS)
    for reason in decision.REASONS:
        assert reason in explain.WAITING  # the console has a word for it
        where = decision.waiting_for(reason)
        assert where.status in decision.LEFT_AT


@pytest.mark.parametrize("reason", ["queue", "dispatched", "", "DUPLICATE"])
def test_what_is_not_a_waiting_reason_is_refused(reason: str) -> None:
    with pytest.raises(ValueError, match="no such waiting reason"):
        decision.waiting_for(reason)
