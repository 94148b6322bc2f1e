"""An old platform's export, as the bulk import reads it: the column mapping, each cell's
whitespace noise, and the times in the forms real exports write them.

A mapping (TOML or JSON) names the source columns and how to read them::

    channel = "hotline"
    center = "320724"               # the receiving centre
    region_code = "320724"          # where a row names no place
    [columns]
    external_id = "留言编号"
    reporter_name = "留言用户"
    title = "留言主题"
    received_at = "留言时间"
    text = "留言详情"
    category = "一级分类"            # catalogue code, name path or unique name
    [dates]
    formats = ["%Y/%m/%d %H:%M:%S"]  # tried after the built-in ones
    timezone = "Asia/Shanghai"
    [categories]                     # optional: source label → catalogue code
    "城乡建设" = "01"

A row with coordinates (``lon``, ``lat``; ``crs = "gcj02"`` or ``"bd09"`` where the platform
kept Amap's or Baidu's) is placed in the comprehensive grid its point lies in, and in that
grid's region. With ``locate_addresses = true`` a row without coordinates is placed by its
address on the registry as the door places one (sure enough for the centre's threshold, or
between two door numbers in one grid); an unsure match keeps its guess for the dispatcher.

An export of past cases can carry each case's outcome on the old platform: map its state
column and closing time, and the answer the citizen was given::

    status = "submitted"             # a row whose state cell is empty (the default)
    [columns]
    status = "办理状态"
    closed_at = "答复时间"
    answer = "答复意见"
    [statuses]                       # source label → submitted, closed or answered
    "已办结" = "closed"
    "已答复" = "answered"

A closed or answered row is history: it is written closed at its closing time, with the
answer (masked like the text) on its ``import`` event, and waits for no one: its return
visit was the old platform's, so it is not on the agents' call list. A submitted row waits for
a dispatcher like any new case, in the queue under "imported" (导入待受理), where a
dispatcher can find and accept them together. A state no ``[statuses]`` entry names, or a
closed row without its closing time (or one before its receipt), is refused with its line.

``classify = true`` asks the classifier about each row without a category (or with one the
catalogue does not know, under ``unknown_category = "blank"``), in batches as the batch door
does: where it is as sure as the centre's threshold the row gets its item, and in any case
its suggestion is kept, so that an open case's accept form (and the queue's bulk acceptance)
offers it, and the ones it was not sure of also wait under "category unsure".
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridgov.cases.schemas import Channel
from gridgov.grids.coords import Crs
from gridgov.kit.errors import ValidationFailed

FIELDS = (
    "external_id",
    "title",
    "text",
    "received_at",
    "category",
    "reporter_name",
    "reporter_phone",
    "address",
    "region_code",
    "lon",
    "lat",
    "status",
    "closed_at",
    "answer",
)
# what an imported row may be: waiting for a dispatcher, or history the old platform finished
STATUSES = ("submitted", "closed", "answered")
FINISHED = frozenset({"closed", "answered"})
BUILTIN_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
)
# a space between two non-ASCII characters; written space-first, so that the regex engine
# jumps from space to space instead of trying a look-behind at every character (5× faster)
_CJK_SPACE = re.compile(r" (?<=[^\x00-\x7f] )(?=[^\x00-\x7f])")


@dataclass(frozen=True)
class Mapping:
    channel: Channel
    center: str
    region_code: str | None
    columns: dict[str, str]
    date_formats: tuple[str, ...]
    timezone: str
    categories: dict[str, str]
    unknown_category: str  # "reject" or "blank"
    classify: bool = False  # rows without a catalogue item get the classifier's, when sure
    crs: str = "wgs84"  # what the lon/lat columns are in: wgs84, gcj02 (Amap) or bd09 (Baidu)
    locate_addresses: bool = False  # rows without coordinates placed by the address registry
    status: str = "submitted"  # a row's state where its cell is empty or unmapped
    statuses: dict[str, str] = field(default_factory=dict)  # source label → one of STATUSES
    # the mapping as written (JSON's types), kept with a refused row to replay it alike
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path) -> Mapping:
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ValidationFailed(f"cannot read {path}: {exc.strerror}") from None
        return cls.from_text(raw, source=str(path), json_first=path.suffix == ".json")

    @classmethod
    def from_text(cls, raw: str, *, source: str, json_first: bool = True) -> Mapping:
        """A mapping written as JSON or TOML."""
        try:
            if json_first and raw.lstrip().startswith("{"):
                data = json.loads(raw)
            else:
                data = tomllib.loads(raw)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ValidationFailed(f"{source}: {exc}") from None
        if not isinstance(data, dict):
            raise ValidationFailed(f"{source}: the mapping must be an object")
        return cls.parse(data, source=source)

    @classmethod
    def parse(cls, data: dict[str, Any], *, source: str = "mapping") -> Mapping:
        problems = []
        known = {"channel", "center", "region_code", "columns", "dates", "categories"}
        known |= {"unknown_category", "status", "statuses", "classify", "crs", "locate_addresses"}
        for key in set(data) - known:
            problems.append(f"unknown key {key!r}")
        try:
            channel = Channel(data.get("channel", "hotline"))
        except ValueError:
            problems.append(f"unknown channel {data.get('channel')!r}")
            channel = Channel.hotline
        table = partial(_table, data, problems)
        columns = {str(k): str(v) for k, v in table("columns").items()}
        for key in set(columns) - set(FIELDS):
            problems.append(f"columns.{key}: not a field (one of {', '.join(FIELDS)})")
        if "text" not in columns:
            problems.append("columns.text is required (the message text)")
        if not data.get("center"):
            problems.append("center is required (the receiving centre's code)")
        dates = table("dates")
        formats = dates.get("formats", [])
        if not isinstance(formats, list):
            problems.append("dates.formats must be a list of formats")
            formats = []
        tz = str(dates.get("timezone", "Asia/Shanghai"))
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"dates.timezone {tz!r} is not a time zone")
        unknown = str(data.get("unknown_category", "reject"))
        if unknown not in ("reject", "blank"):
            problems.append("unknown_category must be 'reject' or 'blank'")
        status = str(data.get("status", "submitted"))
        statuses = {str(k): str(v) for k, v in table("statuses").items()}
        categories = {str(k): str(v) for k, v in table("categories").items()}
        for label, value in [("status", status)] + [
            (f"statuses.{k}", v) for k, v in statuses.items()
        ]:
            if value not in STATUSES:
                problems.append(f"{label} must be one of {', '.join(STATUSES)}, not {value!r}")
        if statuses and "status" not in columns:
            problems.append("[statuses] needs columns.status (the column of the rows' states)")
        finishes = status in FINISHED or FINISHED & set(statuses.values())
        for needed in ("received_at", "closed_at"):
            if finishes and needed not in columns:
                problems.append(f"closed and answered rows need columns.{needed}")
        crs = str(data.get("crs", "wgs84"))
        if crs not in {c.value for c in Crs}:
            problems.append(f"crs must be one of {', '.join(c.value for c in Crs)}, not {crs!r}")
        classify = data.get("classify", False)
        locate_addresses = data.get("locate_addresses", False)
        for name, flag in (("classify", classify), ("locate_addresses", locate_addresses)):
            if not isinstance(flag, bool):
                problems.append(f"{name} must be true or false, not {flag!r}")
        if problems:
            raise ValidationFailed(f"{source}: " + "; ".join(problems))
        return cls(
            channel=channel,
            center=str(data["center"]),
            region_code=str(data["region_code"]) if data.get("region_code") else None,
            columns=columns,
            date_formats=(*BUILTIN_FORMATS, *[str(f) for f in formats]),
            timezone=tz,
            categories=categories,
            unknown_category=unknown,
            classify=classify,
            crs=crs,
            locate_addresses=locate_addresses,
            status=status,
            statuses=statuses,
            source=json.loads(json.dumps(data, default=str)),
        )


def _table(data: dict[str, Any], problems: list[str], key: str) -> dict[str, Any]:
    """``data[key]`` where it is a table (else a problem said, and an empty one)."""
    found = data.get(key, {})
    if isinstance(found, dict):
        return found
    problems.append(f"{key} must be a table ([{key}] in TOML, an object in JSON)")
    return {}


def clean(text: str) -> str:
    """Whitespace noise (tabs, line breaks, runs of spaces from a web form) to single spaces;
    none at all between Chinese characters."""
    text = " ".join(text.split())  # str.split() splits where re's \s matches, in C
    return _CJK_SPACE.sub("", text) if " " in text else text


_COMMON_TIME = re.compile(
    r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?(?:[ T]*(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)


def parse_time(value: str, formats: tuple[str, ...], tz: ZoneInfo) -> datetime:
    """``2020/1/6 12:09:38``, ``2019-12-30 8:05``, ``2018年7月17日 7:13``, ``2020.1.6`` … read
    directly; anything else through the mapping's formats, then ISO 8601."""
    return parse_cleaned(clean(value), formats, tz)


def parse_cleaned(value: str, formats: tuple[str, ...], tz: ZoneInfo) -> datetime:
    """:func:`parse_time` of a cell already cleaned."""
    m = _COMMON_TIME.fullmatch(value)
    if m:
        try:
            return datetime(*map(int, m.groups("0")), tzinfo=tz)  # type: ignore[misc]
        except ValueError:
            raise ValueError(f"cannot read the time {value!r}") from None
    for fmt in formats:
        try:
            parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 (zone set below)
        except ValueError:
            continue
        return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"cannot read the time {value!r}") from None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed
