"""Pausing the cyclic collector over a bulk step (pure)."""

from __future__ import annotations

import gc
import time
import weakref

import pytest

from gridgov.kit.gc import collector_paused


def test_the_collector_is_back_after_the_last_of_nested_pauses() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_failing_step_still_gives_the_collector_back() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the import failed")
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_pauses_that_overlap_without_end_still_collect_now_and_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A busy server's threads may pause the collector one after another with no gap between
    them; garbage cycles are still collected once the collector has been off long enough."""
    from gridgov.kit import gc as paused

    def left_over() -> weakref.ref[Cycle]:
        ref = weakref.ref(Cycle())
        assert ref() is not None  # only the collector frees a cycle
        return ref

    with collector_paused():  # one thread's batch, still running
        with collector_paused():  # another's, ending soon
            early = left_over()
        assert early() is not None  # off for less than LONGEST: nothing collected
        monkeypatch.setattr(paused, "LONGEST", 0.0)
        with collector_paused():
            late = left_over()
            time.sleep(0.01)
        assert late() is None  # off for longer: collected, though the outer pause holds
        assert not gc.isenabled()
    assert gc.isenabled()
