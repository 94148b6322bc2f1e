"""Data scope: which cases an actor may see, as a SQL condition added to read statements.

DESIGN §10: scope = region subtree + unit + optional catalogue subset. Each role the actor
holds opens a window, and the actor sees the union of those windows:

- agent, dispatcher, leader, admin, auditor, system: cases located in the actor's region
  subtree (the region of the actor's centre when the user has none); admin, auditor and
  system accounts with neither see everything;
- unit_handler: cases the actor's unit leads or has assisted on, wherever they are;
- grid_worker: cases in the actor's region subtree, and any case the worker reported or was
  sent to verify;
- citizen: the cases the citizen reported.

A catalogue subset, when set, narrows every window to those items and their descendants.
A case outside the scope does not exist for the actor: reads answer 404, not 403, so ids
cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from gridgov.auth.actor import Actor
from gridgov.cases.permissions import Role
from gridgov.store.models import Case, CaseAssignment, CatalogItem, Center

_REGIONAL = frozenset({Role.agent, Role.dispatcher, Role.leader, Role.admin, Role.auditor})
_UNBOUNDED = frozenset({Role.admin, Role.auditor, Role.system})


def region_subtree(code: str, name: str = "scope_regions") -> Select[tuple[str]]:
    """The region and every region below it (a recursive CTE: one statement, any depth;
    ``name`` tells two such CTEs in one statement apart)."""
    from gridgov.store.models import Region

    tree = select(Region.code).where(Region.code == code).cte(name, recursive=True)
    tree = tree.union_all(select(Region.code).join(tree, Region.parent_code == tree.c.code))
    return select(tree.c.code)


def catalog_subtree(codes: tuple[str, ...], name: str = "scope_items") -> Select[tuple[int]]:
    tree = select(CatalogItem.id).where(CatalogItem.code.in_(codes)).cte(name, recursive=True)
    tree = tree.union_all(select(CatalogItem.id).join(tree, CatalogItem.parent_id == tree.c.id))
    return select(tree.c.id)


def home_region(session: Session, actor: Actor) -> str | None:
    if actor.region_code:
        return actor.region_code
    if actor.center_id is not None:
        return session.scalar(select(Center.region_code).where(Center.id == actor.center_id))
    return None


def case_condition(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The condition on ``Case`` rows this actor may see (``true()`` = everything)."""
    windows: list[ColumnElement[bool]] = []
    region = home_region(session, actor)
    in_region = Case.region_code.in_(region_subtree(region)) if region else None
    roles = actor.roles
    if roles & (_REGIONAL | {Role.system, Role.grid_worker}):
        if in_region is not None:
            windows.append(in_region)
        elif roles & _UNBOUNDED:
            windows.append(true())
    if Role.unit_handler in roles and actor.unit_id is not None:
        windows.append(Case.lead_unit_id == actor.unit_id)
        windows.append(
            Case.id.in_(
                select(CaseAssignment.case_id).where(CaseAssignment.unit_id == actor.unit_id)
            )
        )
    if actor.user_id is not None and roles & {Role.grid_worker, Role.citizen}:
        windows.append(Case.reporter_user_id == actor.user_id)
    if actor.user_id is not None and Role.grid_worker in roles:
        windows.append(Case.verifier_id == actor.user_id)
    condition = or_(*windows) if windows else false()
    if actor.catalog_scope:
        condition = condition & Case.catalog_item_id.in_(catalog_subtree(actor.catalog_scope))
    return condition


def dead_letter_condition(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The dead letters this actor may see: those received in the actor's region subtree,
    and those received with no region (a platform-wide feed's, a citizen's with no centre
    named): a county's dispatchers handle their county's refused records, not the city's."""
    from gridgov.store.models import DeadLetter

    region = home_region(session, actor)
    if region is None:
        return true() if actor.roles & _UNBOUNDED else DeadLetter.region_code.is_(None)
    return DeadLetter.region_code.is_(None) | DeadLetter.region_code.in_(region_subtree(region))


def center_condition(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The centres whose records (their import batches) this actor may see: those of the
    actor's region subtree, or all for an unbounded role with no home region."""
    region = home_region(session, actor)
    if region is None:
        return true() if actor.roles & _UNBOUNDED else false()
    return Center.region_code.in_(region_subtree(region))


def sees_everything(session: Session, actor: Actor) -> bool:
    return (
        bool(actor.roles & _UNBOUNDED)
        and home_region(session, actor) is None
        and not actor.catalog_scope
    )


def covers_region(session: Session, actor: Actor, region_code: str) -> bool:
    """Whether the actor sees every case placed in ``region_code``'s subtree (so figures
    counted over that region, e.g. the KPI rollups, show nothing they may not see)."""
    from gridgov.regions.repository import region_chain

    if actor.catalog_scope or not actor.roles & (_REGIONAL | _UNBOUNDED):
        return False
    if actor.roles & {Role.unit_handler, Role.grid_worker, Role.citizen}:
        return False
    if sees_everything(session, actor):
        return True
    home = home_region(session, actor)
    return home is not None and home in region_chain(session, code=region_code)
