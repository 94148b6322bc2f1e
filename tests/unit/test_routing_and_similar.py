"""Routing rules and duplicate scores (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gridgov.dispatch.routing import Rule, resolve, route
from gridgov.nlp import similar

CHAIN = ["320724100001", "320724100", "320724", "320700", "320000"]


def rule(i: int, item: str, level: str = "*", area: str = "*", lead: str = "u") -> Rule:
    return Rule(i, item, level, area, lead)


def test_most_specific_rule_wins() -> None:
    rules = [
        rule(1, "01", lead="by-l1"),
        rule(2, "010101", lead="by-leaf"),
        rule(3, "010101", area="320724100", lead="by-town-area"),
        rule(4, "010101", level="county", lead="by-level"),
        rule(5, "010101", area="320724", level="county", lead="by-county-area"),
    ]
    got = route(
        rules, item_chain=["010101", "0101", "01"], region_chain=CHAIN, region_level="county"
    )
    assert got is not None
    assert got.lead_unit == "by-town-area"
    got = route(
        rules[:2] + rules[3:4],
        item_chain=["010101", "0101", "01"],
        region_chain=CHAIN,
        region_level="county",
    )
    assert got is not None
    assert got.lead_unit == "by-level"
    got = route(
        rules[:1], item_chain=["010102", "0101", "01"], region_chain=CHAIN, region_level="town"
    )
    assert got is not None
    assert got.lead_unit == "by-l1"
    assert got.item_code == "01"
    elsewhere = ["320724101001", "320724101", "320724"]
    got = route(rules[2:3], item_chain=["010101"], region_chain=elsewhere, region_level="town")
    assert got is None  # the area rule does not reach another town


def test_placeholders_resolve_to_the_case_region() -> None:
    assert resolve("{town}-zhzf", CHAIN) == "320724100-zhzf"
    assert resolve("{county}-cgj", CHAIN) == "320724-cgj"
    assert resolve("{town}-zhzf", ["320724", "320700"]) is None
    rules = [rule(1, "010101", lead="{town}-zhzf"), rule(2, "01", lead="{county}-zjj")]
    got = route(rules, item_chain=["010101", "01"], region_chain=CHAIN, region_level="town")
    assert got is not None
    assert got.lead_unit == "320724100-zhzf"
    assert "→ 320724100-zhzf" in got.explain()
    # a case at county level: the town rule cannot apply, the parent's rule does
    got = route(
        rules, item_chain=["010101", "01"], region_chain=["320724", "320700"], region_level="county"
    )
    assert got is not None
    assert got.lead_unit == "320724-zjj"


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def report(text: str, hours: float = 0, dlon: float = 0) -> similar.Report:
    return similar.Report(similar.text(text), T0 + timedelta(hours=hours), 119.3 + dlon, 34.1)


def test_same_complaint_near_and_soon_scores_high_else_not_at_all() -> None:
    a = report("人民路菜场门口流动摊贩占道经营，行人走机动车道")
    b = report("人民路菜场门口摊贩占道经营", hours=3, dlon=0.001)
    s = similar.score(b, a, radius_m=500, window_hours=72)
    assert s is not None
    assert s.score > 0.6
    assert 80 < s.distance_m < 100
    assert (
        similar.score(
            report("人民路菜场门口摊贩占道经营", dlon=0.02), a, radius_m=500, window_hours=72
        )
        is None
    )
    assert (
        similar.score(
            report("人民路菜场门口摊贩占道经营", hours=100), a, radius_m=500, window_hours=72
        )
        is None
    )
    other = similar.score(
        report("小区楼道堆放杂物堵塞通道", hours=1), a, radius_m=500, window_hours=72
    )
    assert other is not None
    assert other.score < 0.2


def test_bigrams_do_not_cross_punctuation() -> None:
    assert similar.bigrams("路灯，不亮") == frozenset({"路灯", "不亮"})
    assert similar.decode(similar.grams("路灯，不亮")) == frozenset({"路灯", "不亮"})


ODD = [
    ("", "路灯不亮"),
    ("路灯", ""),
    ("灯", "亮。"),
    ("Ａ栋 ＡＢ 电梯", "电梯坏了！！ 请 修\t理\n（急）"),
    ("井盖，", "，缺失；“危险”《通知》"),
    ("😀好", "好😀 😀"),
    ("  ", "，。"),
    ("第12号楼", "13812345678联系"),
]


def test_bigram_codes_are_the_bigrams_of_the_text_whatever_it_holds() -> None:
    cut = similar.grams_many(ODD)
    for (title, text), codes in zip(ODD, cut, strict=True):
        assert similar.decode(codes) == similar.bigrams(title, text), (title, text)
        assert list(codes) == sorted(set(codes.tolist()))  # sorted and distinct
        assert np.array_equal(codes, similar.grams(title, text))
    assert similar.grams_many([]) == []


def test_many_neighbours_at_once_score_as_each_one_alone() -> None:
    cut = similar.grams_many(
        [("人民路菜场门口摊贩占道经营",)]
        + [(t,) for _, t in ODD]
        + [("菜场门口摊贩",), ("人民路路灯",)]
    )
    table = similar.grams("菜场摊贩占道")
    for weights in (None, similar.Weights(table, np.linspace(2.0, 5.0, len(table)), 9.0)):
        mine, *theirs = similar.weigh(cut, weights)
        together = similar.overlaps(mine, theirs)
        alone = [
            similar.text_similarity(similar.weigh([mine.codes], weights)[0], t)
            for t in similar.weigh([t.codes for t in theirs][::-1], weights)[::-1]
        ]
        assert together.tolist() == alone
        assert together[-2] == 1.0  # every bigram of the shorter one is shared
        assert 0 < together[-1] < 1
        assert together[0] == 0.0  # nothing shared
    # a shared rare bigram counts for more than a shared common one
    weights = similar.Weights(similar.grams("菜场路灯"), np.array([1.0, 1.0, 1.0]), 8.0)
    mine = similar.text("人民路菜场门口摊贩占道经营", weights=weights)
    common, rare = similar.overlaps(
        mine, [similar.text("菜场x", weights=weights), similar.text("摊贩x", weights=weights)]
    )
    assert common < rare


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="人民路菜场门口摊贩占道，。 xy1", max_size=16),
            st.lists(st.text(alphabet="人民路菜场门口摊贩占道，。 xy1", max_size=16), max_size=4),
        ),
        max_size=6,
    ),
    st.booleans(),
)
def test_a_batch_of_reports_with_their_neighbours_scores_as_each_report_alone(
    batch: list[tuple[str, list[str]]], weighted: bool
) -> None:
    """The batch door compares all its reports' pairs at once: the same figures, to the bit,
    as each pair worked out alone (empty reports and no neighbours included)."""
    table = similar.grams("菜场摊贩占道")
    weights = similar.Weights(table, np.linspace(2.0, 5.0, len(table)), 9.0) if weighted else None
    pairs = []
    for mine, theirs in batch:
        cut = similar.grams_many([(mine,), *((t,) for t in theirs)])
        first, *rest = similar.weigh(cut, weights)
        pairs.append((first, rest))
    together = similar.overlaps_many(pairs)
    assert [t.tolist() for t in together] == [
        [plain_overlap(mine, t) for t in theirs] for mine, theirs in pairs
    ]


def plain_overlap(mine: similar.Text, theirs: similar.Text) -> float:
    """The weighted overlap coefficient of one pair, spelt out: the shared bigrams' weights
    summed in order, over the smaller set's weight."""
    own = set(mine.codes.tolist())
    common = 0.0
    for code, weight in zip(theirs.codes.tolist(), theirs.weights.tolist(), strict=True):
        if code in own:
            common += weight
    smaller = min(mine.mass, theirs.mass)
    return min(1.0, common / smaller) if smaller > 0 and len(theirs.codes) else 0.0


def test_the_bigram_memo_stays_within_its_size_and_keeps_the_newest() -> None:
    from gridgov.intake.duplicates import GramMemo

    table = similar.grams("路灯不亮")
    weights = similar.Weights(table, np.ones(len(table)), 5.0)
    memo = GramMemo(size=4)
    rows = [{"id": i, "number": f"N-{i}"} for i in range(10)]
    for row in rows:
        memo.put(row, similar.text(f"第{row['id']}号路灯不亮", weights=weights), weights)
    assert len(memo) <= 4
    newest = memo.get(rows[-1], weights)
    assert newest is not None
    assert np.array_equal(newest.codes, similar.grams("第9号路灯不亮"))
    assert memo.get(rows[0], weights) is None
    # the same id under another number (another database) is not taken for it
    assert memo.get({"id": 9, "number": "other-9"}, weights) is None
    # nor under another table of weights (a new model): that starts the memo afresh
    assert memo.get(rows[-1], None) is None
    memo.put(rows[0], similar.text("路灯"), None)
    assert len(memo) == 1
    assert memo.get(rows[-1], weights) is None
    off = GramMemo(size=0)
    off.put(rows[0], similar.text("路灯"), None)
    assert len(off) == 0


def test_the_row_memo_stays_within_its_size_and_knows_a_case_by_id_and_number() -> None:
    from gridgov.intake.duplicates import RowMemo

    memo = RowMemo(size=4)
    rows = [(i, f"N-{i}", 119.7, 34.07, "G1", NEAR_NOW, "320724") for i in range(10)]
    for row in rows:
        memo.put(row)
    assert len(memo) <= 4
    assert memo.get((9, "N-9")) == rows[9]
    assert memo.get((0, "N-0")) is None  # the oldest were forgotten
    assert memo.get((9, "other-9")) is None  # the same id in another database
    off = RowMemo(size=0)
    off.put(rows[0])
    assert len(off) == 0


NEAR_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def cases_and_batch(
    rng: random.Random, size: int
) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]], list[Any]]:
    """Open cases (tuples of OPEN_COLUMNS) and a batch's rows around one town: points on a
    100 m lattice (many within each other's radius) or missing, two counties, a few grids,
    times inside, outside and on the edge of the window, and each row under one of two
    policies; ids in any order between the two."""
    from gridgov.intake.duplicates import OPEN_COLUMNS

    policies = [
        SimpleNamespace(duplicate_radius_m=500.0, duplicate_window_hours=72.0),
        SimpleNamespace(duplicate_radius_m=120.0, duplicate_window_hours=24.5),
    ]
    ids = rng.sample(range(1, 10 * size + 1), size)
    batch_size = rng.randint(1, size)

    def row(case_id: int, at: datetime) -> dict[str, Any]:
        point = rng.random() > 0.15
        return {
            "id": case_id,
            "number": f"N-{case_id}",
            "lon": 119.7 + rng.randint(0, 12) * 0.001 if point else None,
            "lat": 34.07 + rng.randint(0, 10) * 0.001 if point else None,
            "grid_code": rng.choice([None, "G1", "G2"]),
            "created_at": at,
            "county_code": rng.choice(["320724", "320724", "320723"]),
        }

    def minutes() -> int:
        return rng.choice([-4320, -1470]) if rng.random() < 0.1 else rng.randint(-5000, 0)

    stored = [
        tuple(row(i, NEAR_NOW + timedelta(minutes=minutes()))[c] for c in OPEN_COLUMNS)
        for i in ids[batch_size:]
    ]
    rows = [row(i, NEAR_NOW) for i in ids[:batch_size]]
    return stored, rows, [rng.choice(policies) for _ in rows]


@given(st.randoms(use_true_random=False), st.integers(1, 150))
def test_a_batch_meets_the_neighbours_each_report_would_find_among_all_before_it(
    rng: random.Random, size: int
) -> None:
    """The batch door finds every report's neighbours at once, on cells: the same cases, in
    the same order, as testing each stored case and each earlier report of the batch in
    turn (a report without a point meets its grid's; without either, nothing)."""
    from gridgov.intake.duplicates import OPEN_COLUMNS, Candidates, _near

    stored, rows, policies = cases_and_batch(rng, size)
    found = Candidates(stored).near_many(rows, policies)
    everyone = [dict(zip(OPEN_COLUMNS, s, strict=True)) for s in stored]
    for j, (row, policy) in enumerate(zip(rows, policies, strict=True)):
        if row["lon"] is None and not row["grid_code"]:
            expected = []
        else:
            pool = sorted(everyone + rows[:j], key=lambda c: c["id"])
            expected = _near(row, policy, pool)
        assert [c["id"] for c in found[j]] == [c["id"] for c in expected]
