"""Chinese address normalisation and fuzzy matching against a standard-address registry (pure).

Hotline addresses are free text: full-width digits, 幢/座/号楼 for 栋, Chinese numerals,
a missing county or town prefix, trailing "门口"/"附近". Both sides are normalised the same way
and split into the administrative prefix, the street part and the numbered parts
(弄, 号, 栋, 单元, 室). The street parts are compared with rapidfuzz; numbered parts must agree:
a different house number is a different place, however similar the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?=[号弄栋单元室楼层户])")
_VARIANTS = [
    (re.compile(r"(号楼|栋楼|幢|座)"), "栋"),
    (re.compile(r"号院"), "号"),
    (re.compile(r"(\d+)户"), r"\1室"),
    (re.compile(r"(\d+)楼(\d+)"), r"\1栋\2"),  # 3楼201 written for building 3, room 201
]
_NOISE = re.compile(r"(附近|对面|旁边|门口|路口|东侧|西侧|南侧|北侧|周边|一带)+$")
_PUNCT = re.compile(r"[\s,，。.、;；:：()（）\[\]【】#\-—_/\\'\"“”‘’]+")
_ADMIN = re.compile(r"^(?:.{1,8}?(?:省|自治区|市|自治州|地区|盟|县|区|旗|镇|乡|街道))+")
_PART = re.compile(r"(\d+)(弄|号|栋|单元|室)")
NUMBERED = ("弄", "号", "栋", "单元", "室")


def _cn_to_int(text: str) -> int:
    """一百二十三 → 123 (numbers below 1000, as in addresses)."""
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _DIGITS[ch] if current and ch in "零〇" else _DIGITS[ch]
    return total + current


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _PUNCT.sub("", text)
    text = _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group(0))), text)
    for pattern, repl in _VARIANTS:
        text = pattern.sub(repl, text)
    return _NOISE.sub("", text)


@dataclass(frozen=True)
class Parsed:
    admin: str
    street: str
    numbers: dict[str, str]


def parse(text: str) -> Parsed:
    norm = normalise(text)
    admin_match = _ADMIN.match(norm)
    admin = admin_match.group(0) if admin_match else ""
    rest = norm[len(admin) :]
    first = re.search(r"\d", rest)
    street = rest[: first.start()] if first else rest
    numbers = {kind: str(int(n)) for n, kind in _PART.findall(rest)}
    return Parsed(admin=admin, street=street or rest, numbers=numbers)


def score(query: Parsed, candidate: Parsed) -> float:
    """0–1: street similarity, scaled down for numbered parts that disagree or are missing."""
    base = fuzz.ratio(query.street, candidate.street) / 100.0
    for kind in NUMBERED:
        q, c = query.numbers.get(kind), candidate.numbers.get(kind)
        if q is not None and c is not None:
            base *= 1.0 if q == c else 0.3
        elif q is not None:
            base *= 0.75  # the registry entry is less precise than the caller
        elif c is not None:
            base *= 0.95  # the caller was less precise than the registry
    if (
        query.admin
        and candidate.admin
        and query.admin not in candidate.admin
        and candidate.admin not in query.admin
    ):
        base *= 0.6  # a different town or county named
    return round(base, 4)


@dataclass(frozen=True)
class Match:
    index: int
    score: float


def best(
    query: str,
    registry: Sequence[Parsed],
    *,
    top: int = 5,
    cutoff: float = 60,
    streets: Sequence[str] | None = None,
) -> list[Match]:
    """The ``top`` registry entries for a free-text address, best first.

    Every entry whose street is at least ``cutoff`` % similar is scored in full (a street name
    recurs in every town, so a fixed-size shortlist would hide the right town's entries).
    """
    q = parse(query)
    if not registry:
        return []
    if streets is None:  # the registry's street parts, when the caller has not kept them
        streets = [p.street for p in registry]
    near = process.extract(q.street, streets, scorer=fuzz.ratio, limit=None, score_cutoff=cutoff)
    scored = [Match(i, score(q, registry[i])) for _, _, i in near]
    scored.sort(key=lambda m: (-m.score, m.index))
    return [m for m in scored[:top] if m.score > 0]
