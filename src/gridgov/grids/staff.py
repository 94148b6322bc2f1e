"""People on grids: the "one head, five members" (一长五员), instructors and volunteers, and
leaders or police/judicial officers linked to grids (挂联); the coverage report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.grids import repository
from gridgov.kit.errors import Conflict, NotFound
from gridgov.store.models import Grid, GridLink, GridStaff, User


class StaffRole(StrEnum):
    grid_head = "grid_head"
    grid_worker = "grid_worker"
    supervisor = "supervisor"
    informant = "informant"
    liaison = "liaison"
    patroller = "patroller"
    instructor = "instructor"
    volunteer = "volunteer"


class LinkKind(StrEnum):
    leader = "leader"
    police = "police"
    judicial = "judicial"


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFound(f"no active user named {username!r}")
    return user


def _attach(
    session: Session,
    model: type[GridStaff] | type[GridLink],
    *,
    grid_code: str,
    username: str,
    field: str,
    value: str,
    now: datetime,
) -> GridStaff | GridLink:
    grid, user = repository.get(session, code=grid_code), _user(session, username)
    column = getattr(model, field)
    exists = session.scalar(
        select(model).where(model.grid_id == grid.id, model.user_id == user.id, column == value)
    )
    if exists is not None:
        raise Conflict(f"{username} is already {value} of grid {grid_code}")
    row = model(
        grid_id=grid.id, user_id=user.id, county_code=grid.county_code, since=now, **{field: value}
    )
    session.add(row)
    session.flush()
    return row


def assign(
    session: Session, *, grid_code: str, username: str, role: StaffRole, now: datetime
) -> GridStaff | GridLink:
    return _attach(
        session,
        GridStaff,
        grid_code=grid_code,
        username=username,
        field="role",
        value=role.value,
        now=now,
    )


def link(
    session: Session, *, grid_code: str, username: str, kind: LinkKind, now: datetime
) -> GridStaff | GridLink:
    """Link a leader or officer to a grid (挂联)."""
    return _attach(
        session,
        GridLink,
        grid_code=grid_code,
        username=username,
        field="kind",
        value=kind.value,
        now=now,
    )


def unassign(session: Session, *, grid_code: str, username: str, role: StaffRole) -> None:
    grid, user = repository.get(session, code=grid_code), _user(session, username)
    row = session.scalar(
        select(GridStaff).where(
            GridStaff.grid_id == grid.id, GridStaff.user_id == user.id, GridStaff.role == role.value
        )
    )
    if row is None:
        raise NotFound(f"{username} is not {role.value} of grid {grid_code}")
    session.delete(row)


def people_of(session: Session, *, grid_code: str) -> dict[str, list[str]]:
    """Usernames on a grid by role, and linked people by ``link:<kind>``."""
    grid = repository.get(session, code=grid_code)
    out: dict[str, list[str]] = defaultdict(list)
    for role, username in session.execute(
        select(GridStaff.role, User.username)
        .join(User, User.id == GridStaff.user_id)
        .where(GridStaff.grid_id == grid.id)
        .order_by(GridStaff.role, User.username)
    ):
        out[role].append(username)
    for kind, username in session.execute(
        select(GridLink.kind, User.username)
        .join(User, User.id == GridLink.user_id)
        .where(GridLink.grid_id == grid.id)
        .order_by(GridLink.kind, User.username)
    ):
        out[f"link:{kind}"].append(username)
    return dict(out)


@dataclass
class Coverage:
    grids: int
    without_worker: list[str] = field(default_factory=list)
    over_assigned: dict[str, list[str]] = field(default_factory=dict)  # username → grids
    by_role: dict[str, int] = field(default_factory=dict)

    @property
    def covered_share(self) -> float | None:
        return None if not self.grids else 1 - len(self.without_worker) / self.grids


def coverage(session: Session, *, county_code: str | None = None, max_grids: int = 1) -> Coverage:
    """Comprehensive grids with no grid worker; grid workers on more than ``max_grids`` grids."""
    grids_stmt = select(Grid.id, Grid.code).where(Grid.kind == "comprehensive")
    staff_stmt = select(GridStaff.role, GridStaff.grid_id, User.username).join(
        User, User.id == GridStaff.user_id
    )
    if county_code:
        grids_stmt = grids_stmt.where(Grid.county_code == county_code)
        staff_stmt = staff_stmt.where(GridStaff.county_code == county_code)
    codes: dict[int, str] = {gid: code for gid, code in session.execute(grids_stmt)}
    report = Coverage(grids=len(codes))
    worked: set[int] = set()
    per_worker: dict[str, list[str]] = defaultdict(list)
    for role, grid_id, username in session.execute(staff_stmt):
        report.by_role[role] = report.by_role.get(role, 0) + 1
        if role == StaffRole.grid_worker and grid_id in codes:
            worked.add(grid_id)
            per_worker[username].append(codes[grid_id])
    report.without_worker = sorted(code for gid, code in codes.items() if gid not in worked)
    report.over_assigned = {
        u: sorted(g) for u, g in sorted(per_worker.items()) if len(g) > max_grids
    }
    return report
