"""Taking a branch down to the leaf a message names (``intake.suggest``): a small branch
searches the text for each word's first pair, a large one looks the text's pairs up in an
index; both must find the same leaf and word."""

from __future__ import annotations

import random

import pytest

from gridgov.intake import suggest
from gridgov.intake.suggest import _Catalog, words_under

PARENT: dict[str, str | None] = {"01": None, "0101": "01", "0102": "01"}
LEAVES = [("010101", "占道经营", "摊贩,门口"), ("010102", "乱堆乱放", "杂物,门口"),
          ("010201", "路灯故障", "路灯,灯不亮")]  # fmt: skip


def catalog(leaves: list[tuple[str, str, str]], parent: dict[str, str | None]) -> _Catalog:
    for code, *_ in leaves:
        parent.setdefault(code, code[:-2])
    return _Catalog((0,), {}, {}, parent, {}, [], words_under(leaves, parent))


@pytest.mark.parametrize("few", [0, 10_000])  # the index, then the search
def test_the_leaf_named_by_most_words_wins_and_a_shared_word_names_their_parent(
    few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suggest, "FEW_PAIRS", few)
    c = catalog(LEAVES, dict(PARENT))
    # two of 占道经营's words against one of 乱堆乱放's
    assert c.narrow("01", "门口有摊贩") == ("010101", "摊贩")
    assert c.narrow("01", "门口很乱") == ("0101", "门口")  # both 0101 leaves say it: their parent
    assert c.narrow("01", "晚上路灯不亮，灯不亮很久") == ("010201", "灯不亮")
    assert c.narrow("01", "没有提到什么") is None
    assert c.narrow("0102", "门口有摊贩") is None  # only leaves under the branch given
    assert c.narrow("02", "门口有摊贩") is None  # a branch with no leaves


def test_the_index_and_the_search_find_the_same_leaves_on_random_catalogues(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng, found = random.Random(0), 0
    alphabet = "占道经营乱堆放路灯故障井盖缺失门口小区杂物摊贩噪音施工垃圾"
    for _ in range(30):
        leaves = []
        for i in range(rng.randrange(1, 40)):
            words = ["".join(rng.choices(alphabet, k=rng.randrange(2, 5))) for _ in range(4)]
            leaves.append((f"01{i % 7 + 1:02d}{i:02d}", words[0], ",".join(words[1:])))
        c = catalog(leaves, {"01": None, **{f"01{k:02d}": "01" for k in range(1, 8)}})
        for _ in range(20):
            text = "".join(rng.choices(alphabet, k=rng.randrange(5, 60)))
            monkeypatch.setattr(suggest, "FEW_PAIRS", 0)
            indexed = c.narrow("01", text)
            monkeypatch.setattr(suggest, "FEW_PAIRS", 10_000)
            searched = c.narrow("01", text)
            assert indexed == searched, (text, leaves)
            found += indexed is not None
    assert 100 < found < 600  # most texts name something, not all: both ways were tried


@pytest.mark.parametrize("few", [0, 10_000])
def test_a_word_the_message_denies_does_not_name_its_leaf(
    few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suggest, "FEW_PAIRS", few)
    c = catalog(LEAVES, dict(PARENT))
    assert c.narrow("01", "不是占道经营，是乱堆乱放") == ("010102", "乱堆乱放")
    assert c.narrow("01", "门前杂物并非摊贩") == ("010102", "杂物")
    assert c.narrow("01", "这事不属于路灯故障") is None
    # said once denied and once plainly: said
    assert c.narrow("01", "不是摊贩？就是摊贩") == ("010101", "摊贩")
    # a missing thing is the complaint, not a denial
    assert c.narrow("01", "这条路没有路灯") == ("010201", "路灯")


def test_affirmed_reads_only_the_words_right_before_each_mention() -> None:
    assert suggest.affirmed("停电", "不是停水，是停电")
    assert not suggest.affirmed("停水", "不是停水，是停电")
    assert suggest.affirmed("停水", "停水三天了，不是第一次")
    assert not suggest.affirmed("燃气", "而非燃气")
    assert not suggest.affirmed("燃气", "没有提到")
    # a question about it, or agreement, is no denial (real messages: 是不是违章建筑)
    assert suggest.affirmed("违章建筑", "请问小区是不是违章建筑")
    assert suggest.affirmed("传销", "是不是是不是传销")
    assert suggest.affirmed("直销", "这可不是直销吗")
