"""Why triage did what it did, in the console's language.

A case keeps its triage as data (``classification``, ``location``, ``duplicate``, ``route``,
``outcome``) beside one English line (``explanation``), which the API and the audit trail
give as it is. The console in English shows that line; in Chinese it says the same from the
data, naming items, units and regions. A case triaged before the data was kept (no
``outcome``) shows its English line in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.dispatch.routing import PLACEHOLDERS, Route
from gridgov.intake.decision import waits_of
from gridgov.store.models import CatalogItem, Region, Unit
from gridgov.web.i18n import LEVELS, pick

SOURCES = {
    "model": "智能分类",
    "keywords": "按关键词匹配",
}
WAITS = {
    "unsure_item": "分类置信度不足",
    "unsure_place": "定位不确定",
    "auto_accept_off": "本中心未开启自动受理",
    "imported": "批量导入的工单",
}
OUTCOMES = {
    "answered": "话务员当场答复",
    "self_handled": "网格员就地自行处置（在网格准入清单内）",
    "grid_keeps": "已自动受理，留网格员处置（在网格准入清单内）",
    "no_rule": "已自动受理，无派遣规则，由派遣员选择承办单位",
    "dispatch_off": "已自动受理，本中心未开启自动派遣",
    "history": "批量导入的历史工单（原平台已办结）",
}
FAILED = {"accept": "自动受理", "dispatch": "自动派遣"}


def triage_words(
    triage: Mapping[str, Any] | None,
    lang: str,
    names: Mapping[str, str],
    *,
    would: bool = False,
) -> str:
    """The case's triage explanation for a reader of ``lang`` (``names``: code → name);
    ``would``: of a record not sent yet (a preview), what would happen ("将自动派遣至 …")."""
    if not triage:
        return ""
    english = str(triage.get("explanation") or "")
    if lang == "en" or not isinstance(triage.get("outcome"), dict):
        return english
    parts = [  # each part triage kept (a bulk import's keeps what it did: little)
        _classification(triage["classification"] or {}, names)
        if "classification" in triage
        else "",
        _place(triage["location"] or {}, names) if "location" in triage else "",
        _duplicate(triage.get("duplicate")),
        _route(triage["route"], names) if "route" in triage else "",
    ]
    failed = triage.get("failed")
    if isinstance(failed, dict):  # what it would have done did not happen: say what did
        what = FAILED.get(str(failed.get("action")), str(failed.get("action")))
        parts.append(f"{what}未成功（{failed.get('detail')}），转派遣员处理")
    else:
        outcome = _outcome(triage["outcome"], names)
        parts.append(outcome.replace("已自动", "将自动") if would else outcome)
    return "；".join(p for p in parts if p)


# why triage left a case to a person, in a word or two (the queue's status column)
WAITING = {
    "duplicate": ("疑似重复", "probable duplicate"),
    "unsure_item": ("分类不确定", "category unsure"),
    "imported": ("导入待受理", "imported"),
    "unsure_place": ("定位不确定", "place unsure"),
    "auto_accept_off": ("未开自动受理", "auto-accept off"),
    "self_refused": ("不予就地处置", "not for the grid"),
    "no_rule": ("无派遣规则", "no routing rule"),
    "dispatch_off": ("未开自动派遣", "auto-dispatch off"),
    "off_list": ("单位不在派遣名单", "unit not on the list"),
    "accept": ("自动受理失败", "auto-accept failed"),
    "dispatch": ("自动派遣失败", "auto-dispatch failed"),
}


def waiting(triage: Mapping[str, Any] | None, status: str, lang: str) -> list[str]:
    """Why a case still at the status triage left it waits for a person, in a word or two
    (empty when triage moved it on, or a person has since)."""
    index = 0 if lang == "zh" else 1
    return [WAITING[k][index] if k in WAITING else k for k in waits_of(triage, status)]


def codes(triage: Mapping[str, Any] | None) -> set[str]:
    """The item, unit and region codes the Chinese explanation names."""
    if not triage:
        return set()
    found = set()
    c = triage.get("classification") or {}
    found |= {c.get("item"), (c.get("refined") or {}).get("from")}
    place = triage.get("location") or {}
    found |= {place.get("region"), place.get("town")}
    route = triage.get("route") or {}
    found |= {route.get("item"), route.get("area"), route.get("lead_unit")}
    found |= set(route.get("assisting_units") or ())
    found |= set((triage.get("outcome") or {}).get("units") or ())
    return {c for c in found if isinstance(c, str) and c and c != "*"}


def names_of(session: Session, wanted: Iterable[str]) -> dict[str, str]:
    """Names of the catalogue items, units and regions among ``wanted`` codes."""
    wanted = set(wanted)
    if not wanted:
        return {}
    out: dict[str, str] = {}
    for model in (Region, Unit, CatalogItem):
        rows = session.execute(select(model.code, model.name).where(model.code.in_(wanted)))
        out.update({code: name for code, name in rows})
    out.update(_placeholder_names(session, {c for c in wanted if c.startswith("{")}))
    return out


# a rule's "{town}-zhzf": the zhzf unit of whichever town the case lies in
WHICHEVER = {"{town}": "所在镇", "{county}": "所在县", "{village}": "所在村"}


def _placeholder_names(session: Session, wanted: set[str]) -> dict[str, str]:
    """``{town}-zhzf`` named after one town's own ``…-zhzf`` unit, its town's name put as
    所在镇 (新安镇综合行政执法局 → 所在镇综合行政执法局); no such unit, no name."""
    out: dict[str, str] = {}
    for code in wanted:
        placeholder, dash, suffix = code.partition("-")
        length = PLACEHOLDERS.get(placeholder)
        if length is None or not dash or not suffix:
            continue
        example = session.execute(
            select(Unit.name, Region.name)
            .join(Region, Unit.code == Region.code + f"-{suffix}")
            .where(func.length(Region.code) == length)
            .order_by(Unit.code)
            .limit(1)
        ).first()
        if example is not None and example[0].startswith(example[1]):
            out[code] = WHICHEVER[placeholder] + example[0][len(example[1]) :]
    return out


def route_words(session: Session, route: Route) -> str:
    """A routing rule's proposal in Chinese, as the dispatch form offers it."""
    kept = route.as_dict()
    return _route(kept, names_of(session, codes({"route": kept})))


def _item(code: str, names: Mapping[str, str]) -> str:
    return f"{code} {names[code]}" if code in names else code


def _named(code: str, names: Mapping[str, str]) -> str:
    return f"{names[code]}（{code}）" if code in names else code


def _classification(c: Mapping[str, Any], names: Mapping[str, str]) -> str:
    item = c.get("item")
    if not item:
        return "未能自动分类"
    source, terms = c.get("source"), list(c.get("terms") or ())
    if source == "channel":
        return f"事项 {_item(item, names)}（渠道指定）"
    if source == "standard_code":
        return f"事项 {_item(item, names)}（标准编码 {terms[0] if terms else ''}）"
    how = SOURCES.get(str(source), str(source))
    why = f"（依据：{'、'.join(terms[:3])}）" if terms else ""
    refined = c.get("refined") or {}
    down = (
        f"（由 {_item(str(refined.get('from')), names)} 按关键词「{refined.get('word')}」细化）"
        if refined
        else ""
    )
    if source == "keywords" and c.get("label"):  # the model's answer set aside
        down = f"（模型未学过此类事项，其判断为「{c['label']}」）"
    sure = float(c.get("confidence") or 0)
    return f"{how}为 {_item(item, names)}{down}，置信度 {sure:.2f}{why}"


def _place(p: Mapping[str, Any], names: Mapping[str, str]) -> str:
    source, grid = p.get("source"), p.get("grid")
    sure = f"{float(p.get('confidence') or 0):.2f}"
    region = _named(str(p.get("region") or ""), names)
    town = f"，按地址所述归{_named(p['town'], names)}" if p.get("town") else ""
    matched = p.get("matched")
    if source == "coordinates":
        if grid:
            return f"坐标落在网格 {grid}"
        return f"坐标不在任何网格内，暂归{region}（{sure}）"
    if source == "grid":
        return f"网格 {grid}（渠道指定）"
    if source == "address":
        lower, upper = p.get("between") or (None, None)
        if grid and lower:
            return f"门牌号介于地址库「{lower}」与「{upper}」之间，推定网格 {grid}（{sure}）"
        if grid:
            return f"地址库匹配「{matched}」，网格 {grid}（{sure}）"
        guess = ""
        if lower:
            guess = f"；按门牌推算或在网格 {p['guess']}（介于「{lower}」与「{upper}」）"
        if matched:
            return f"地址匹配不确定（最接近「{matched}」，{sure}），需人工定位{town}{guess}"
        return f"地址库中无此地址，需人工定位{town}"
    if source == "region":
        return f"仅有区划{region}，无坐标和地址（{sure}）"
    return "未提供位置"


def _duplicate(d: Any) -> str:
    if not isinstance(d, dict):
        return ""
    if "text" not in d:  # kept before the parts were
        return f"疑似与 {d.get('case')} 重复（{float(d.get('score') or 0):.2f}）"
    metres = d.get("distance_m")
    where = f"相距 {metres:.0f} 米" if metres is not None else "同一网格"
    return (
        f"疑似与 {d.get('case')} 重复（文本相似度 {float(d['text']):.2f}，{where}，"
        f"间隔 {float(d.get('hours') or 0):.1f} 小时，综合 {float(d.get('score') or 0):.2f}）"
    )


def _route(r: Any, names: Mapping[str, str]) -> str:
    if not isinstance(r, dict):
        return "无派遣规则"
    rule = f"派遣规则 #{r.get('rule')}"
    if r.get("item"):
        area = r.get("area") or "*"
        where = "全域" if area == "*" else f"区域{_named(area, names)}"
        level = pick(LEVELS, str(r.get("level")), "zh")
        rule += f"（事项 {_item(r['item'], names)}，{level}，{where}）"
    also = r.get("assisting_units") or []
    helpers = f"，协办 {'、'.join(_named(u, names) for u in also)}" if also else ""
    return f"{rule} → {_named(str(r.get('lead_unit')), names)}{helpers}"


def _outcome(o: Mapping[str, Any], names: Mapping[str, str]) -> str:
    key = o.get("key")
    units = [_named(u, names) for u in o.get("units") or ()]
    if key == "self_refused":
        why = "不在网格准入清单内" if o.get("reason") == "not_admissible" else "事项不明"
        return f"不予就地自行处置（{why}），转派遣员"
    if key == "queue":
        waits = [
            f"疑似与 {o.get('duplicate_of')} 重复" if w == "duplicate" else WAITS.get(w, w)
            for w in o.get("waits") or ()
        ]
        return "转派遣员处理：" + "、".join(waits)
    if key == "off_list":
        return f"已自动受理；规则所指单位 {'、'.join(units)} 不在本中心派遣名单内"
    if key == "dispatched":
        return f"已自动派遣至 {units[0] if units else ''}"
    return OUTCOMES.get(str(key), str(key))
