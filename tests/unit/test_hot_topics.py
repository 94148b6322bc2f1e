"""Hot topics on hand-made messages: same place and period, alike words, many people."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridgov.analytics.hot import Message, parse_time, places, read_messages, topics

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2019, 7, 1, 9, 0, tzinfo=TZ)


def msg(n: int, subject: str, text: str, days: float, user: str, likes: int = 0) -> Message:
    return Message(str(n), T0 + timedelta(days=days), subject, text, likes, 0, user)


NOISE = [
    msg(100 + i, f"咨询{w}办理流程", f"想问一下{w}需要哪些材料，在哪里办理", i * 3, f"q{i}")
    for i, w in enumerate(["社保卡", "公积金", "护照", "驾驶证", "居住证", "营业执照"])
]
CAR_PARKS = [
    msg(i, "投诉伊景园滨河苑捆绑销售车位", f"伊景园滨河苑开发商强制捆绑销售车位，业主{i}很不满",
        i, f"owner{i}")
    for i in range(1, 7)
]  # fmt: skip
NOISE_SITE = [
    msg(10 + i, "丽发新城附近搅拌站噪音扰民", "丽发新城小区旁边的搅拌站夜间噪音大", i, f"r{i}", 1)
    for i in range(3)
]


def test_the_topic_raised_by_most_people_about_one_place_comes_first() -> None:
    found = topics(CAR_PARKS + NOISE_SITE + NOISE, min_similarity=0.3)
    assert [t.place for t in found[:2]] == ["伊景园滨河苑", "丽发新城"]
    first = found[0]
    assert (first.reports, first.people) == (6, 6)
    assert sorted(first.ids, key=int) == [str(i) for i in range(1, 7)]
    assert first.span_days == 5
    assert "车位" in first.words
    # 3 people with 3 supporters: 3 + 2·ln(4) < 6 people
    assert found[1].heat == pytest.approx(3 + 2 * math.log(4), abs=0.01)
    supported = [
        msg(20 + i, s.subject, s.text, s.at.day, f"x{i}", 500) for i, s in enumerate(NOISE_SITE)
    ]
    assert topics(CAR_PARKS + supported + NOISE)[0].place == "丽发新城"  # 1,500 supporters
    assert all(len(t.ids) >= 2 for t in found)


def test_the_same_words_elsewhere_or_much_later_are_another_matter() -> None:
    elsewhere = [
        msg(50 + i, "投诉翠湖花园捆绑销售车位", "翠湖花园开发商强制捆绑销售车位", i, f"o{i}")
        for i in range(2)
    ]
    later = [
        msg(60 + i, "投诉伊景园滨河苑捆绑销售车位", "伊景园滨河苑开发商强制捆绑销售车位", 200 + i,
            f"l{i}")
        for i in range(2)
    ]  # fmt: skip
    found = topics(CAR_PARKS + elsewhere + later + NOISE, window_days=60)
    groups = {frozenset(t.ids) for t in found}
    assert frozenset(str(i) for i in range(1, 7)) in groups
    assert frozenset({"50", "51"}) in groups
    assert frozenset({"60", "61"}) in groups


def test_one_persons_many_messages_are_one_voice() -> None:
    spam = [
        msg(70 + i, "月亮岛路灯不亮", "月亮岛路的路灯一直不亮，晚上很黑", i, "same-person")
        for i in range(8)
    ]
    found = topics(spam + CAR_PARKS + NOISE)
    by_place = {t.place: t for t in found}
    assert by_place["月亮岛路"].people == 1
    assert found[0].place == "伊景园滨河苑"  # six people beat one person's eight messages


def test_places_and_times_are_read_as_people_write_them() -> None:
    assert "伊景园滨河苑" in places("投诉A市伊景园滨河苑捆绑销售车位")
    assert not any("政府" in p for p in places("希望市委市政府重视"))
    assert parse_time("2019/2/28 11:25:05") == datetime(2019, 2, 28, 11, 25, 5, tzinfo=TZ)
    assert parse_time("2019-02-28 11:25") == datetime(2019, 2, 28, 11, 25, tzinfo=TZ)
    rows = [
        {"id": "1", "subject": "a", "time": "2019/1/1 8:00:00", "text": "x", "likes": "3"},
        {"id": "2", "subject": "b", "time": "yesterday", "text": "y", "likes": "0"},
    ]
    cols = {k: k for k in ("id", "subject", "time", "text", "likes", "dislikes", "user")}
    messages, problems = read_messages(rows, cols)
    assert [m.id for m in messages] == ["1"]
    assert problems == ["line 3: not a time: 'yesterday'"]


def test_too_few_or_unrelated_messages_make_no_topic() -> None:
    assert topics([]) == []
    assert topics(CAR_PARKS[:1]) == []
    assert topics([msg(1, "甲乙", "丙丁", 0, "a"), msg(2, "戊己", "庚辛", 0, "b")]) == []
