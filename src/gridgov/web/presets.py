"""What the case page's forms are preset with: the routing rules' units for the dispatch form,
triage's item and (for a case intake could not place) grid for the accept form, each with its
reason; and the choices offered beside the fields that name an item, a unit or a grid."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gridgov.dispatch import rules as rules_db
from gridgov.store.models import Case, CatalogItem, Center, Grid, Unit
from gridgov.web import explain


def route(session: Any, case: Case, item: str | None, lang: str) -> dict[str, str]:
    """What the routing rules propose for the dispatch form, with their reason."""
    if item is None:
        return {}
    center = session.get(Center, case.center_id)
    found = rules_db.route_for(
        session, item=item, region_code=case.region_code, center_level=center.level
    )
    if found is None:
        return {}
    return {
        "lead_unit": found.lead_unit,
        "assisting_units": ", ".join(found.assisting),
        "_why": found.explain() if lang == "en" else explain.route_words(session, found),
    }


def suggested_item(triage: dict[str, Any] | None) -> str | None:
    """The catalogue item triage suggested for a case: what an acceptance gives a case that
    has none, on the case page (:func:`item`) and in the queue's bulk acceptance."""
    found = ((triage or {}).get("classification") or {}).get("item")
    return str(found) if found else None


def item(
    triage: dict[str, Any] | None, current: str | None, names: dict[str, str], lang: str
) -> dict[str, str]:
    """The accept form's item, when the case has none: what triage suggested, and why
    (``names``: the page's, which hold the triage's codes)."""
    found = (triage or {}).get("classification") or {}
    code = suggested_item(triage)
    if current is not None or not code:
        return {}
    name = names.get(code, "")
    sure = float(found.get("confidence") or 0)
    terms = list(found.get("terms") or ())[:3]
    if lang == "en":
        basis = f" ({', '.join(terms)})" if terms else ""
        return {"catalog_item": code, "_why": f"suggested: {code} {name} {sure:.2f}{basis}"}
    basis = f"（依据：{'、'.join(terms)}）" if terms else ""
    return {"catalog_item": code, "_why": f"建议事项：{code} {name}，置信度 {sure:.2f}{basis}"}


def grid(triage: dict[str, Any] | None, current: str | None, lang: str) -> dict[str, str]:
    """The grid intake guessed for a case it could not place (a door number between two on
    the registry, in two grids), for the dispatcher to confirm."""
    found = (triage or {}).get("location") or {}
    guess, (lower, upper) = found.get("guess"), found.get("between") or (None, None)
    if current is not None or not guess:
        return {}
    if lang == "en":
        return {"grid_code": guess, "_why": f"grid {guess}: between {lower} and {upper}"}
    return {
        "grid_code": guess,
        "_why": f"建议网格：{guess}（门牌号介于「{lower}」与「{upper}」之间）",
    }


def joined(*suggestions: dict[str, str]) -> dict[str, str]:
    """Several suggestions for one form: their fields, and their reasons one after another."""
    out: dict[str, str] = {}
    for found in suggestions:
        why = " ".join(w for w in (out.get("_why"), found.get("_why")) if w)
        out.update(found)
        if why:
            out["_why"] = why
    return out


def pickers(
    session: Any, fields: set[str], center_id: int | None, *, unplaced: bool = False
) -> dict[str, Any]:
    """Choices offered beside the free-text fields that name a catalogue item, a unit or,
    for a case intake could not place, a grid (a datalist: typing the code still works): the
    active items, the centre's units, the comprehensive grids of its area."""
    found: dict[str, Any] = {}
    if "grid_code" in fields and unplaced and center_id is not None:
        area = session.scalar(select(Center.region_code).where(Center.id == center_id))
        grids = session.execute(
            select(Grid.code, Grid.name)
            .where(Grid.region_code.startswith(area or ""), Grid.kind == "comprehensive")
            .order_by(Grid.code)
        ).all()
        found["grid_code"] = [(c, n) for c, n in grids]
    if "catalog_item" in fields:
        items = session.execute(
            select(CatalogItem.code, CatalogItem.name)
            .where(CatalogItem.active.is_(True))
            .order_by(CatalogItem.code)
        ).all()
        found["catalog_item"] = [(c, f"{c} {n}") for c, n in items]
    if fields & {"lead_unit", "assisting_units"} and center_id is not None:
        units = session.execute(
            select(Unit.code, Unit.name).where(Unit.center_id == center_id).order_by(Unit.code)
        ).all()
        found.update({f: [(c, n) for c, n in units] for f in ("lead_unit", "assisting_units")})
    return found
