"""Personal data in text: found when real, left alone when not, masked the same everywhere."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.intake import pii
from gridgov.intake.pii import Kind


def make_id(region: str, born: date | str, serial: str) -> str:
    """An ID number with the right check character (``born`` may be an impossible day)."""
    body = f"{region}{born if isinstance(born, str) else f'{born:%Y%m%d}'}{serial}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def whole_text_find(text: str) -> list[pii.Span]:
    """What :func:`pii.find` must return, found the plain way: every pattern along the whole
    text (``find`` looks only around runs of digits)."""
    spans: list[pii.Span] = []

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= s.start or m.start() >= s.end for s in spans)

    for m in pii._ID.finditer(text):
        if pii.id_number_valid(m.group()):
            spans.append(pii.Span(Kind.id_number, m.start(), m.end(), m.group()))
    for m in pii._CARD.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if free(m) and pii.luhn_valid(digits) and not pii._MOBILE.fullmatch(m.group()):
            spans.append(pii.Span(Kind.bank_card, m.start(), m.end(), m.group()))
    for pattern in (pii._MOBILE, pii._LANDLINE):
        for m in pattern.finditer(text):
            if free(m):
                spans.append(pii.Span(Kind.phone, m.start(), m.end(), m.group()))
    return sorted(spans, key=lambda s: s.start)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind.value, s.value) for s in pii.find(text)]


def test_mobile_landline_id_and_card_are_found_and_masked() -> None:
    text = "电话13812345678，座机0518-83212345，身份证11010519491231002X，卡号6222021234567890128"
    assert kinds(text) == [
        ("phone", "13812345678"),
        ("phone", "0518-83212345"),
        ("id_number", "11010519491231002X"),
        ("bank_card", "6222021234567890128"),
    ]
    masked, _ = pii.mask_text(text)
    assert masked == (
        "电话138****5678，座机051****2345，身份证110105********002X，卡号***************0128"
    )


def test_numbers_that_only_look_personal_are_left_alone() -> None:
    assert kinds("身份证11010519491231002Y") == []  # wrong check character
    assert kinds("编号110105194913310023") == []  # 13th month
    assert kinds("卡号6222021234567890127") == []  # fails the Luhn check
    assert kinds("订单号20201234567890123456") == []  # 20 digits: part of nothing personal
    assert kinds("哈希ab13812345678cd") == []  # inside a longer code
    assert kinds("2019年12月30日 300元") == []


def test_case_numbers_are_not_cards() -> None:
    """A case number's digits pass the Luhn check one time in ten; grouped as they are, they
    are never taken for a card, so a merge's "into" and a citizen's reference stay readable."""
    numbers = [
        f"{centre}-2026-{n:06d}" for centre in ("320724", "320724100") for n in range(1, 400)
    ]
    assert sum(pii.luhn_valid(n.replace("-", "")) for n in numbers) > 40
    assert [n for n in numbers if pii.find(f"并入{n}号工单")] == []
    assert pii.mask_payload({"into": "320724-2026-000003"}) == {"into": "320724-2026-000003"}


def test_cards_in_groups_of_four_are_found() -> None:
    for card in ("6222 0212 3456 7890 128", "6222-0212-3456-7890-128", "6222021234567890128"):
        assert kinds(f"卡号{card}，") == [("bank_card", card)]
    assert kinds("卡号622202-1234567890128") == []  # not how a card is written


def test_spaced_and_prefixed_mobiles_are_found() -> None:
    assert kinds("+86 138 1234 5678") == [("phone", "+86 138 1234 5678")]
    assert pii.mask_value(Kind.phone, "+86 138 1234 5678") == "138****5678"


def test_names_and_fields_are_masked_for_display() -> None:
    assert pii.mask_name("张三丰") == "张**"
    assert pii.mask_name("李") == "李*"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_payload({"note": "回电13812345678", "n": 3, "l": ["13812345678"]}) == {
        "note": "回电138****5678",
        "n": 3,
        "l": ["138****5678"],
    }


def test_payloads_sharing_a_memo_are_masked_as_each_alone() -> None:
    """The batch door masks its payloads through one memo: what recurs is masked the same,
    and a string seen unmasked in one payload is still masked in the next."""
    payloads = [
        {"note": "回电13812345678", "due": {"sign": "2026-03-02T10:00:00+08:00"}},
        {"note": "回电13812345678", "units": ["320724-city", "回电13912345678"]},
        {"note": "路灯不亮", "due": {"sign": "2026-03-02T10:00:00+08:00"}},
    ]
    memo: dict[str, str] = {}
    together = [pii.mask_payload(p, memo) for p in payloads]
    assert together == [pii.mask_payload(p) for p in payloads]
    assert together[1]["units"][1] == "回电139****5678"
    assert memo["回电13812345678"] == "回电138****5678"


@given(
    st.sampled_from(["110105", "320724", "440305"]),
    st.dates(date(1920, 1, 1), date(2020, 12, 31)),
    st.from_regex(r"\d{3}", fullmatch=True),
    st.text(alphabet="的是在路灯，。不亮小区", max_size=20),
)
def test_every_valid_id_is_found_and_never_survives_masking(
    region: str, born: date, serial: str, around: str
) -> None:
    number = make_id(region, born, serial)
    text = f"{around}身份证{number}{around}"
    assert ("id_number", number) in kinds(text)
    masked, _ = pii.mask_text(text)
    assert number not in masked
    assert masked.count("********") == 1


@given(st.integers(0, 10**9 - 1))
def test_every_mobile_is_masked(n: int) -> None:
    phone = f"13{n:09d}"
    masked, found = pii.mask_text(f"联系{phone}谢谢")
    assert [s.kind for s in found] == [Kind.phone]
    assert phone not in masked
    assert masked == f"联系{phone[:3]}****{phone[-4:]}谢谢"


def test_birth_date_must_be_a_real_day() -> None:
    assert pii.id_number_valid(make_id("320724", date(2000, 2, 29), "123"))
    assert not pii.id_number_valid(make_id("320724", "20010229", "123"))  # checksum right
    assert kinds(f"身份证{make_id('320724', '20011301', '123')}") == []


# pieces that make, break and join personal numbers: real ones, their parts, separators, the
# characters allowed and refused beside them, full-width digits, Chinese text
PIECES = st.sampled_from(
    [
        "13812345678",
        "138 1234 5678",
        "+86 ",
        "86-",
        "0518-83212345",
        "051883212345",
        "11010519491231002X",
        "110105194912310028",
        "6222021234567890128",
        "6222 0212 3456 7890 128",
        "320724-2026-000003",
        "1234567",
        "0",
        "7",
        "X",
        "x",
        "A",
        " ",
        "-",
        "+",
        "１３８１２３４５６７８",
        "２",
        "电话",
        "，",
        "号",
        "\n",
    ]
)


@given(st.lists(PIECES, max_size=12).map("".join))
def test_looking_around_runs_of_digits_finds_what_the_whole_text_scan_finds(text: str) -> None:
    assert pii.find(text) == whole_text_find(text)


def test_numbers_are_found_wherever_they_stand_in_a_long_message() -> None:
    body = "小区门口的路灯已经坏了三个月，晚上出行很不方便，希望有关部门尽快维修。" * 4
    phone, card = "13812345678", "6222021234567890128"
    number = make_id("320724", date(1985, 6, 1), "123")
    text = f"{phone}{body}身份证{number}，{body}卡号{card}。2019年12月30日 300元 {body}"
    assert kinds(text) == [("phone", phone), ("id_number", number), ("bank_card", card)]
    assert pii.find(text) == whole_text_find(text)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits, as some exports have
        ("0518-81234567", "051881234567"),
        ("+86 518 8123 4567", "051881234567"),  # a landline given internationally
        ("0086-518-81234567", "051881234567"),
        ("12345", "12345"),  # a short service number is a caller too
        ("1234", None),
        ("", None),
        (None, None),
        ("13812345678 / 13987654321", None),  # two numbers run together: not one caller
    ],
)
def test_a_callback_number_is_one_key_however_it_is_written(
    written: str | None, key: str | None
) -> None:
    assert pii.caller_key(written) == key
