"""Personal data in free text and fields: find it, mask it (pure).

Three kinds are recognised, each with a check that keeps ordinary numbers (case numbers, house
numbers, amounts) from being taken for personal data:

- ``phone``: a mainland mobile number (11 digits from ``1[3-9]``) or a landline with its area
  code (``0xx-xxxxxxx``);
- ``id_number``: an 18-character resident ID number whose birth date is a real date and whose
  last character is the GB 11643 (ISO 7064 MOD 11-2) check character;
- ``bank_card``: 16 to 19 digits, in one piece or in groups of four split by spaces or dashes,
  passing the Luhn check.

A match must not touch other digits, so a 20-digit reference number is not read as a card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    phone = "phone"
    id_number = "id_number"
    bank_card = "bank_card"


@dataclass(frozen=True)
class Span:
    kind: Kind
    start: int
    end: int
    value: str


_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
# digits or Latin letters around a match make it part of a longer code (a hash, a serial)
# a card is written in one piece or in groups of four (the last may be shorter): a number
# grouped otherwise, such as a case number (320724-2026-000003), is not a card even when its
# digits pass the Luhn check, as one in ten does
_CARD = re.compile(
    r"(?<![0-9A-Za-z-])(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?)(?![0-9A-Za-z-])"
)
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])0\d{2,3}-?[2-9]\d{6,7}(?![0-9A-Za-z])")

# every kind needs at least 7 digits in a row (separators allowed): a cheap first look
_CANDIDATE = re.compile(r"\d(?:[ -]?\d){6}")
# the characters any kind is made of (digits, separators, the ``+`` of +86, an ID's final X)
_RUN_CHAR = re.compile(r"[\d Xx+-]")
_RUN = re.compile(r"[\d Xx+-]*")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_valid(value: str) -> bool:
    """True for an 18-character resident ID with a real birth date and the right check."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17].upper():
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find(text: str) -> list[Span]:
    """Every piece of personal data in ``text``, in reading order, never overlapping."""
    if not text:
        return []
    candidate = _CANDIDATE.search(text)
    if candidate is None:
        return []
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(kind: Kind, m: re.Match[str]) -> None:
        spans.append(Span(kind, m.start(), m.end(), m.group()))
        taken.append((m.start(), m.end()))

    # Every match of every kind is made of run characters and holds a candidate, so it lies
    # inside the run around one: the patterns look only there, not along the whole text (a
    # message is mostly Chinese characters). Looking behind, a pattern still sees the text
    # before ``start``; looking ahead, it sees up to ``stop``, one character past the run.
    while candidate is not None:
        start = candidate.start()
        while start and _RUN_CHAR.match(text, start - 1):
            start -= 1
        run = _RUN.match(text, candidate.end())
        end = run.end() if run else candidate.end()
        stop = min(len(text), end + 1)
        for m in _ID.finditer(text, start, stop):
            if id_number_valid(m.group()):
                add(Kind.id_number, m)
        for m in _CARD.finditer(text, start, stop):
            digits = re.sub(r"[ -]", "", m.group())
            if free(m.start(), m.end()) and luhn_valid(digits) and not _MOBILE.fullmatch(m.group()):
                add(Kind.bank_card, m)
        for pattern in (_MOBILE, _LANDLINE):
            for m in pattern.finditer(text, start, stop):
                if free(m.start(), m.end()):
                    add(Kind.phone, m)
        candidate = _CANDIDATE.search(text, end)
    spans.sort(key=lambda s: s.start)
    return spans


def mask_value(kind: Kind, value: str) -> str:
    """``13812345678`` → ``138****5678``; IDs keep the region and the last 4; cards the last 4."""
    raw = "".join(c for c in value if c.isalnum())
    if kind is Kind.phone:
        if len(raw) == 13 and raw.startswith("86"):
            raw = raw[2:]
        return f"{raw[:3]}****{raw[-4:]}" if len(raw) >= 7 else "*" * len(raw)
    if kind is Kind.id_number:
        return f"{raw[:6]}********{raw[-4:]}"
    return f"{'*' * (len(raw) - 4)}{raw[-4:]}"


def mask_text(text: str) -> tuple[str, list[Span]]:
    """``text`` with every piece of personal data masked, and what was found."""
    spans = find(text)
    if not spans:
        return text, []
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(text[pos : span.start])
        out.append(mask_value(span.kind, span.value))
        pos = span.end
    out.append(text[pos:])
    return "".join(out), spans


def kept_apart(fields: dict[str, tuple[str, list[Span]]]) -> tuple[dict[str, str], list[str]]:
    """Of fields scanned for personal data (name → original text and what was found in it):
    the originals of those that held some, to keep apart, and the kinds found."""
    originals = {name: value for name, (value, spans) in fields.items() if spans}
    kinds = sorted({span.kind.value for _, spans in fields.values() for span in spans})
    return originals, kinds


def without(text: str) -> str:
    """``text`` with its personal data left out: what the classifier reads, so that digits
    of a phone or ID number neither sway the category nor show among its reasons."""
    spans = find(text)
    if not spans:
        return text
    pieces, pos = [], 0
    for span in spans:
        pieces.append(text[pos : span.start])
        pos = span.end
    pieces.append(text[pos:])
    return "".join(pieces)


def mask_name(name: str | None) -> str | None:
    """``张三丰`` → ``张**``: enough for an agent to greet the caller, not to identify them."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return mask_value(Kind.phone, phone)


_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")  # full-width, as some exports have
CALLER_KEY_LENGTH = 20


def caller_key(phone: str | None) -> str | None:
    """The form a callback number is looked up by, so that one caller is one key however the
    number was written: its digits alone, without the country code (+86, 0086; a landline
    given internationally gets its trunk 0 back). ``+86 138-1234-5678``, ``8613812345678``
    and ``13812345678`` → ``13812345678``; ``+86 518 8123 4567`` → ``051881234567``.
    None for fewer than 5 digits or more than 20 (no number, or several run together)."""
    if not phone:
        return None
    digits = "".join(c for c in phone.translate(_DIGITS) if "0" <= c <= "9")
    international = False
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif digits.startswith("86") and (
        phone.lstrip().startswith("+") or (len(digits) == 13 and digits[2] == "1")
    ):
        digits, international = digits[2:], True
    if international and not digits.startswith(("0", "1")):
        digits = "0" + digits
    return digits if 5 <= len(digits) <= CALLER_KEY_LENGTH else None


def mask_payload(value: Any, memo: dict[str, str] | None = None) -> Any:
    """Every string in a JSON-like value with its personal data masked. A batch of payloads
    shares a ``memo`` (string → masked string): their due times, codes and unit names recur
    from case to case, and each is looked at once."""
    if isinstance(value, str):
        if memo is None:
            return mask_text(value)[0]
        masked = memo.get(value)
        if masked is None:
            masked = memo[value] = mask_text(value)[0]
        return masked
    if isinstance(value, dict):
        return {k: mask_payload(v, memo) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_payload(v, memo) for v in value]
    return value
