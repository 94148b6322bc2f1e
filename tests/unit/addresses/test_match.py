"""Normalising and matching Chinese addresses as hotline agents type them."""

from __future__ import annotations

import pytest

from gridgov.addresses.match import Registry, best, between, normalise, parse


@pytest.mark.parametrize(
    ("raw", "street", "numbers"),
    [
        (
            "江苏省连云港市灌南县新安镇人民路８８号３幢二单元３０１室门口",
            "人民路",
            {"号": "88", "栋": "3", "单元": "2", "室": "301"},
        ),
        ("人民路八十八号3号楼", "人民路", {"号": "88", "栋": "3"}),
        ("新安镇 人民路 88号院", "人民路", {"号": "88"}),
        ("长江路100弄5号", "长江路", {"弄": "100", "号": "5"}),
        ("幸福路一百零二号附近", "幸福路", {"号": "102"}),
        ("淮河路12号2单元501户", "淮河路", {"号": "12", "单元": "2", "室": "501"}),
    ],
)
def test_variants_normalise_to_the_same_parts(raw: str, street: str, numbers: dict) -> None:
    parsed = parse(raw)
    assert parsed.street == street
    assert parsed.numbers == numbers


def test_full_width_and_punctuation_are_normalised() -> None:
    assert normalise("人民路（北段）８８号，３幢") == "人民路北段88号3栋"


REGISTRY = [
    parse(a)
    for a in [
        "灌南县新安镇人民路88号",
        "灌南县新安镇人民路86号",
        "灌南县新安镇人民路88号3栋",
        "灌南县汤沟镇人民路88号",
        "灌南县新安镇人民南路88号",
    ]
]


def test_a_different_house_number_is_a_different_place() -> None:
    found = best("人民路八十六号", REGISTRY)
    assert found[0].index == 1
    assert found[0].score == 1.0
    assert all(m.score <= 0.3 for m in found[1:])


def test_missing_prefix_and_more_precise_parts_rank_sensibly() -> None:
    assert best("新安镇人民路８８号3幢", REGISTRY)[0].index == 2
    top = best("人民路88号", REGISTRY, top=2)
    assert {m.index for m in top} == {0, 3}  # same street and number in two towns: both
    assert best("汤沟镇人民路88号附近", REGISTRY)[0].index == 3


def test_no_registry_or_nothing_similar() -> None:
    assert best("人民路88号", []) == []
    assert best("完全不同的地方", REGISTRY) == []


def test_the_array_matcher_ranks_and_scores_as_scoring_each_entry_does() -> None:
    """``best`` scores every entry near the query in arrays; each score and the order must
    be those of ``score`` applied to every entry, one by one."""
    import random

    from rapidfuzz import fuzz

    from gridgov.addresses.match import score

    rng = random.Random(11)
    towns = ["灌南县新安镇", "灌南县汤沟镇", "新安镇", "", "灌南县"]
    roads = ["人民路", "人民南路", "人民大街", "幸福路", "幸福小区", "长江路", "长江大道"]

    def address() -> str:
        text = rng.choice(towns) + rng.choice(roads)
        if rng.random() < 0.8:
            text += f"{rng.randint(1, 12)}号"
        if rng.random() < 0.4:
            text += f"{rng.randint(1, 5)}栋"
        if rng.random() < 0.2:
            text += f"{rng.randint(1, 3)}单元{rng.randint(101, 105)}室"
        return text

    for _ in range(200):
        registry = [parse(address()) for _ in range(rng.randint(1, 60))]
        query = address() + rng.choice(["", "门口", "附近"])
        q = parse(query)
        expected = sorted(
            (
                (-score(q, p), i)
                for i, p in enumerate(registry)
                if fuzz.ratio(q.street, p.street) >= 60
            )
        )
        expected = [(i, -s) for s, i in expected[:5] if -s > 0]
        assert [(m.index, m.score) for m in best(query, registry)] == expected, query


STREET = Registry.build(
    [
        parse(a)
        for a in [
            "灌南县新安镇人民路2号",  # 0
            "灌南县新安镇人民路6号",  # 1
            "灌南县新安镇人民路3号",  # 2
            "灌南县新安镇人民路9号",  # 3
            "灌南县新安镇人民路40号",  # 4
            "灌南县汤沟镇人民路4号",  # 5: another town's 4号
            "灌南县新安镇人民路100弄2号",  # 6
            "灌南县新安镇人民路100弄10号",  # 7
        ]
    ]
)


@pytest.mark.parametrize(
    ("query", "lower", "upper", "fraction"),
    [
        ("新安镇人民路4号", 0, 1, 0.5),  # another town's 4号 is another place
        ("新安镇人民路5号", 2, 3, 1 / 3),  # odd numbers on the odd side
        ("新安镇人民路8号", 1, 4, None),  # 6号 to 40号: too long a stretch to guess
        ("新安镇人民路50号", 4, None, None),  # past the street's last known number
        ("新安镇人民路6号", 1, None, None),  # on the registry: a match, not a guess
        ("新安镇人民路100弄6号", 6, 7, 0.5),  # within its lane, not the street's 2号 and 6号
        ("新安镇和平路4号", None, None, None),  # a street the registry does not have
        ("新安镇人民路", None, None, None),  # no door number
    ],
)
def test_a_door_number_the_registry_lacks_lies_between_its_neighbours(
    query: str, lower: int | None, upper: int | None, fraction: float | None
) -> None:
    got = between(parse(query), STREET)
    if fraction is None:
        assert got is None
    else:
        assert got is not None
        assert (got.lower, got.upper) == (lower, upper)
        assert got.fraction == pytest.approx(fraction)


def test_without_a_town_a_street_through_two_towns_is_not_guessed_on() -> None:
    # only 新安镇's odd side is on the registry, but 5号 may be on 汤沟镇's
    assert between(parse("人民路5号"), STREET) is None
    assert between(parse("新安镇人民路5号"), STREET) is not None
    two = Registry.build([parse(a) for a in ["新安镇人民路2号", "汤沟镇人民路6号"]])
    assert between(parse("人民路4号"), two) is None
    assert between(parse("新安镇人民路4号"), two) is None  # 汤沟镇's 6号 is not a neighbour
