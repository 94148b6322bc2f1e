"""Assessment scores worked out by hand."""

from __future__ import annotations

import pytest

from gridgov.analytics.assess import Adjustment, Scheme, rank, score

SCHEME = Scheme(
    weights={"on_time_rate": 40, "satisfaction_rate": 30, "return_rate": 30},
    adjustments=[Adjustment("超期扣分", "overdue_open", -0.5)],
    red_at=90,
    black_below=60,
)


def test_a_score_is_the_weighted_mean_of_the_rates_plus_the_adjustments() -> None:
    figures = {"on_time_rate": 1.0, "satisfaction_rate": 0.5, "return_rate": 0.25,
               "overdue_open": 3}  # fmt: skip
    # (40·100 + 30·50 + 30·(1 − 0.25)·100) / 100 = 77.5, then 3 × −0.5
    value, parts = score(figures, SCHEME)
    assert value == 76.0
    assert parts == {"on_time_rate": 100.0, "satisfaction_rate": 50.0, "return_rate": 75.0,
                     "超期扣分": -1.5}  # fmt: skip


def test_a_missing_rate_leaves_the_others_to_weigh_more() -> None:
    # no deadline fell due: (30·100 + 30·100) / 60
    value, _ = score({"on_time_rate": None, "satisfaction_rate": 1.0, "return_rate": 0.0}, SCHEME)
    assert value == 100.0
    assert score({"on_time_rate": None}, SCHEME) == (None, {})


def test_ranks_share_ties_and_lists_follow_the_thresholds() -> None:
    groups = [
        ("u1", "甲", {"on_time_rate": 1.0, "satisfaction_rate": 1.0, "return_rate": 0.0}),
        ("u2", "乙", {"on_time_rate": 0.5, "satisfaction_rate": 0.5, "return_rate": 0.5}),
        ("u3", "丙", {"on_time_rate": 0.5, "satisfaction_rate": 0.5, "return_rate": 0.5}),
        ("u4", "丁", {"on_time_rate": None}),
        ("u5", "戊", {"on_time_rate": 0.8, "satisfaction_rate": 0.7, "return_rate": 0.1}),
    ]
    ranked = rank(groups, SCHEME)
    assert [(r.key, r.rank, r.list) for r in ranked] == [
        ("u1", 1, "red"),
        ("u5", 2, ""),  # (3200 + 2100 + 2700) / 100 = 80
        ("u2", 3, "black"),
        ("u3", 3, "black"),  # a tie shares the rank
        ("u4", None, ""),  # nothing to score: not ranked
    ]


@pytest.mark.parametrize(
    ("scheme", "problem"),
    [
        (Scheme(weights={"speed": 1}), "not a rate"),
        (Scheme(weights={"on_time_rate": 0}), "positive"),
        (Scheme(weights={}), "at least one"),
        (Scheme(weights={"on_time_rate": 1}, adjustments=[Adjustment("x", "nope", 1)]), "count"),
        (Scheme(weights={"on_time_rate": 1}, red_at=50, black_below=70), "black_below"),
    ],
)
def test_unusable_schemes_are_named(scheme: Scheme, problem: str) -> None:
    assert any(problem in p for p in scheme.problems())


def test_report_periods_and_charts() -> None:
    from datetime import date

    from gridgov.analytics.reports import bars_svg, columns_svg, period, previous

    assert period("daily", date(2026, 3, 4)) == (date(2026, 3, 4), date(2026, 3, 4))
    assert period("weekly", date(2026, 3, 4)) == (date(2026, 3, 2), date(2026, 3, 8))
    assert period("monthly", date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert previous("monthly", date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))
    svg = bars_svg([("路灯<故障>", 4), ("噪声", 2)])
    assert svg.count("<rect") == 2
    assert "路灯&lt;故障&gt;" in svg  # labels are escaped
    assert bars_svg([]) == ""
    days = columns_svg([{"day": "2026-03-02", "received": 3, "closures": 1}] * 2)
    assert days.count("<rect") == 4
