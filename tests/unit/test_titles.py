"""Titles made for records that come without one: the subject, not the courtesies."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gridgov.intake.titles import LONGEST, title_from

RAW = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "messages"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # a short first sentence is the title as it stands
        ("人民路路灯不亮一周了，请尽快处理。后来又坏了一个。", "人民路路灯不亮一周了，请尽快处理"),
        # greetings, addressees and thanks before the subject are passed over
        (
            "尊敬的胡书记：您好！感谢您百忙之中查看这份留言。我们小区门口的路灯坏了一个月。",
            "我们小区门口的路灯坏了一个月",
        ),
        ("李书记您好，感谢您的阅读。十二五期间，轨道交通规划与建设已经席卷而来", None),
        ("A市政府、市交警支队、A3区政府：我们是杜鹃文苑小区的业主", "我们是杜鹃文苑小区的业主"),
        ("区长你好 我住嘉和城润芳园第一师范集资小区", "我住嘉和城润芳园第一师范集资小区"),
        ("你们好，上周提交了请求", "上周提交了请求"),
        # a subject that only looks like an addressee stays
        ("我家孩子的老师，经常体罚学生", "我家孩子的老师，经常体罚学生"),
        # a long sentence is cut after whole clauses (a 、 list is not cut) …
        (
            "石期市镇老农贸市场旁边的公厕里面脏、乱、差，臭气熏天，老百姓上个厕所无从下脚，"
            "希望尽快整改",
            "石期市镇老农贸市场旁边的公厕里面脏、乱、差，臭气熏天",
        ),
        # … and a clause too short to say much takes the next one with it
        (
            "地铁5号线施工，导致锦楚国际星城小区三期一个月停电10来次，每次都是无通知",
            "地铁5号线施工，导致锦楚国际星城小区三期一个月停电10来次",
        ),
        # a message that is nothing but a greeting is its own title
        ("您好", "您好"),
    ],
)
def test_a_title_says_what_the_message_is_about(text: str, title: str | None) -> None:
    got = title_from(text)
    if title is None:  # only where it starts
        assert got.startswith("十二五期间")
    else:
        assert got == title


def test_a_title_never_runs_past_its_length_nor_ends_on_a_comma() -> None:
    text = (
        "小区门口垃圾堆积很多天了没人清理气味很大影响居民生活联系人电话139****5678请尽快处理，谢谢"
    )
    got = title_from(text)
    assert got == text[:LONGEST]
    assert title_from("路灯不亮，") == "路灯不亮"


@pytest.mark.skipif(not (RAW / "labeled_sample_raw.csv").exists(), reason="../shared/data absent")
def test_real_letters_get_titles_from_their_subject_not_their_courtesies() -> None:
    with (RAW / "labeled_sample_raw.csv").open(encoding="utf-8") as f:
        texts = [" ".join(r["留言详情"].split()) for r in csv.DictReader(f)]
    titles = [title_from(t) for t in texts]
    courteous = [t for t in titles if t.startswith(("尊敬的", "您好", "你好")) or "书记" in t[:4]]
    assert courteous == []
    assert all(0 < len(t) <= LONGEST and t in text for t, text in zip(titles, texts, strict=True))
    # the letters that open with courtesies (a quarter or so of them) still got a title
    opened = sum(t.startswith(("尊敬的", "您好", "你好")) for t in texts)
    assert opened > 10
