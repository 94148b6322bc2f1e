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

import numpy as np
import numpy.typing as npt
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


@dataclass(frozen=True)
class Match:
    index: int
    score: float


@dataclass(frozen=True)
class Registry:
    """Parsed registry entries in arrays: each distinct street once (a street name recurs at
    every house number) and the numbered parts and town of every entry, so that a query is
    one fuzzy pass over the distinct streets and :func:`score` in array operations."""

    parsed: list[Parsed]
    streets: list[str]  # distinct
    members: list[npt.NDArray[np.intp]]  # the entries on each distinct street
    numbers: dict[str, npt.NDArray[np.int64]]  # kind → each entry's number, -1 where none
    admins: list[str]  # distinct
    admin_of: npt.NDArray[np.intp]
    street_ids: dict[str, int]  # each distinct street's place in ``streets``

    @classmethod
    def build(cls, parsed: Sequence[Parsed]) -> Registry:
        street_ids: dict[str, int] = {}
        admin_ids: dict[str, int] = {}
        on_street: list[list[int]] = []
        admin_of = np.empty(len(parsed), dtype=np.intp)
        numbers = {kind: np.full(len(parsed), -1, dtype=np.int64) for kind in NUMBERED}
        for i, p in enumerate(parsed):
            u = street_ids.setdefault(p.street, len(street_ids))
            if u == len(on_street):
                on_street.append([])
            on_street[u].append(i)
            admin_of[i] = admin_ids.setdefault(p.admin, len(admin_ids))
            for kind, value in p.numbers.items():
                numbers[kind][i] = int(value)
        return cls(
            list(parsed),
            list(street_ids),
            [np.array(m, dtype=np.intp) for m in on_street],
            numbers,
            list(admin_ids),
            admin_of,
            street_ids,
        )


def score(query: Parsed, candidate: Parsed) -> float:
    """0–1: street similarity, scaled down for numbered parts that disagree or are missing
    (one entry; :func:`best_in` does the same for many in arrays)."""
    base = fuzz.ratio(query.street, candidate.street) / 100.0
    for kind in NUMBERED:
        q, c = query.numbers.get(kind), candidate.numbers.get(kind)
        if q is not None and c is not None:
            base *= 1.0 if q == c else 0.3
        elif q is not None:
            base *= 0.75  # the registry entry is less precise than the caller
        elif c is not None:
            base *= 0.95  # the caller was less precise than the registry
    if _other_town(query.admin, candidate.admin):
        base *= 0.6  # a different town or county named
    return round(base, 4)


def _other_town(query: str, candidate: str) -> bool:
    return bool(query and candidate and query not in candidate and candidate not in query)


def best(
    query: str, registry: Sequence[Parsed], *, top: int = 5, cutoff: float = 60
) -> list[Match]:
    """The ``top`` registry entries for a free-text address, best first (:func:`best_in`
    over a registry built for this one query)."""
    return best_in(query, Registry.build(registry), top=top, cutoff=cutoff)


def best_in(query: str, registry: Registry, *, top: int = 5, cutoff: float = 60) -> list[Match]:
    """The ``top`` registry entries for a free-text address, best first, scored as
    :func:`score` scores them.

    Every entry whose street is at least ``cutoff`` % similar is scored in full (a street name
    recurs in every town, so a fixed-size shortlist would hide the right town's entries).
    """
    q = parse(query)
    if not registry.parsed:
        return []
    near = process.extract(
        q.street, registry.streets, scorer=fuzz.ratio, limit=None, score_cutoff=cutoff
    )
    if not near:
        return []
    idx = np.concatenate([registry.members[u] for _, _, u in near])
    base = np.concatenate(
        [np.full(len(registry.members[u]), ratio / 100.0) for _, ratio, u in near]
    )
    for kind in NUMBERED:  # in score()'s order, so the products round alike
        have = registry.numbers[kind][idx]
        if kind in q.numbers:
            wanted = int(q.numbers[kind])
            base *= np.where(have < 0, 0.75, np.where(have == wanted, 1.0, 0.3))
        else:
            base *= np.where(have < 0, 1.0, 0.95)
    towns = np.array([0.6 if _other_town(q.admin, a) else 1.0 for a in registry.admins])
    base *= towns[registry.admin_of[idx]]
    if len(base) > top:  # only those that can round to a top score are rounded (in Python,
        # as score() rounds: numpy's rounding differs in the last place now and then)
        kth = np.partition(base, len(base) - top)[len(base) - top]
        keep = np.flatnonzero(base >= kth - 1e-4)
        idx, base = idx[keep], base[keep]
    scores = np.array([round(x, 4) for x in base.tolist()])
    order = np.lexsort((idx, -scores))[:top]
    return [Match(int(idx[i]), float(scores[i])) for i in order if scores[i] > 0]


GAP = 20  # door numbers further apart than this are not interpolated between


@dataclass(frozen=True)
class Between:
    """Two registry entries either side of a door number the registry does not hold."""

    lower: int  # entries (indexes into the registry)
    upper: int
    fraction: float  # how far from ``lower`` towards ``upper`` the number lies


def between(query: Parsed, registry: Registry, *, gap: int = GAP) -> Between | None:
    """The nearest door numbers below and above the query's on the same street, on the same
    side of it (Chinese streets number one side odd, the other even), in the same lane and
    town, at most ``gap`` apart; None where the registry holds the number itself, where the
    street is not on it, or where the query names no town and the street runs through more
    than one."""
    door, street = query.numbers.get("号"), registry.street_ids.get(query.street)
    if door is None or street is None:
        return None
    n = int(door)
    idx = registry.members[street]
    lane = int(query.numbers.get("弄", -1))
    towns = np.array([not _other_town(query.admin, a) for a in registry.admins])
    here = towns[registry.admin_of[idx]] & (registry.numbers["弄"][idx] == lane)
    idx = idx[here]
    have = registry.numbers["号"][idx]
    if (have == n).any():
        return None  # the number is there: that is a match for best_in, not a guess
    if not query.admin and len(set(registry.admin_of[idx].tolist())) > 1:
        return None  # which town's stretch of the street, the caller did not say
    keep = (have >= 0) & (have % 2 == n % 2)
    idx, have = idx[keep], have[keep]
    below, above = have < n, have > n
    if not below.any() or not above.any():
        return None  # beyond the street's known ends: no guessing
    lower = int(idx[below][np.argmax(have[below])])
    upper = int(idx[above][np.argmin(have[above])])
    a, b = int(registry.numbers["号"][lower]), int(registry.numbers["号"][upper])
    if b - a > gap or registry.admin_of[lower] != registry.admin_of[upper]:
        return None
    return Between(lower, upper, (n - a) / (b - a))
