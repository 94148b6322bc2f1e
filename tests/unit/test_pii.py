"""Personal data in text: found when real, left alone when not, masked the same everywhere."""

from __future__ import annotations

from datetime import date

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
