"""Explicit test data with fixed defaults: a county with two towns, and people in every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gridgov.auth.actor import Actor, load_actor
from gridgov.store.models import (
    CatalogItem,
    Center,
    Region,
    SlaLimit,
    SlaPolicy,
    Unit,
    User,
    UserRole,
)

COUNTY, TOWN_A, TOWN_B = "320724", "320724100", "320724101"
VILLAGE_A = "320724100001"

# Catalogue leaves used by the tests
STANDARD = "010101"  # working-time limits, verification required
EMERGENCY = "010203"  # natural-hour limits
SELF_CLOSE = "010102"  # admissible to the grid layer, no verification needed
SELF_VERIFY = "010104"  # admissible, verification required
NO_POLICY = "099901"  # under a level-1 item without a policy


@dataclass
class World:
    usernames: dict[str, str]

    def actor(self, session: Session, key: str) -> Actor:
        return load_actor(session, username=self.usernames.get(key, key))


def make_world(session: Session, *, now: datetime) -> World:
    session.add_all(
        [
            Region(code="320000", name="江苏省", level="province"),
        ]
    )
    session.flush()
    session.add(Region(code="320700", name="连云港市", level="city", parent_code="320000"))
    session.flush()
    session.add(
        Region(code=COUNTY, name="灌南县", level="county", parent_code="320700", county_code=COUNTY)
    )
    session.flush()
    session.add_all(
        [
            Region(
                code=TOWN_A, name="新安镇", level="town", parent_code=COUNTY, county_code=COUNTY
            ),
            Region(
                code=TOWN_B, name="堆沟港镇", level="town", parent_code=COUNTY, county_code=COUNTY
            ),
        ]
    )
    session.flush()
    session.add(
        Region(
            code=VILLAGE_A,
            name="新安第一社区",
            level="village",
            parent_code=TOWN_A,
            county_code=COUNTY,
        )
    )
    city = Center(code="320700", name="市中心", level="city", region_code="320700")
    session.add(city)
    session.flush()
    county = Center(
        code=COUNTY, name="县中心", level="county", region_code=COUNTY, parent_id=city.id
    )
    session.add(county)
    session.flush()
    town_a = Center(
        code=TOWN_A, name="新安镇中心", level="town", region_code=TOWN_A, parent_id=county.id
    )
    town_b = Center(
        code=TOWN_B, name="堆沟港镇中心", level="town", region_code=TOWN_B, parent_id=county.id
    )
    session.add_all([town_a, town_b])
    session.flush()
    units = {
        "city_dept": Unit(
            code="320700-zjj",
            name="市住建局",
            kind="department",
            level="city",
            region_code="320700",
            center_id=city.id,
        ),
        "dept": Unit(
            code="320724-cgj",
            name="县城管局",
            kind="department",
            level="county",
            region_code=COUNTY,
            center_id=county.id,
        ),
        "dept2": Unit(
            code="320724-zjj",
            name="县住建局",
            kind="department",
            level="county",
            region_code=COUNTY,
            center_id=county.id,
        ),
        "town_gov": Unit(
            code="320724100-gov",
            name="新安镇政府",
            kind="town",
            level="county",
            region_code=TOWN_A,
            center_id=county.id,
        ),
        "town_team": Unit(
            code="320724100-zhzf",
            name="新安镇执法局",
            kind="team",
            level="town",
            region_code=TOWN_A,
            center_id=town_a.id,
        ),
    }
    session.add_all(units.values())
    session.flush()

    def policy(code: str, ratio: float, limits: dict[str, tuple[float, str]]) -> SlaPolicy:
        p = SlaPolicy(code=code, name=code, warning_ratio=ratio)
        p.limits = [SlaLimit(step=s, amount=a, unit=u) for s, (a, u) in limits.items()]
        session.add(p)
        session.flush()
        return p

    standard = policy(
        "standard",
        0.8,
        {
            "sign": (2, "working_hours"),
            "handle": (5, "working_days"),
            "verify": (1, "working_days"),
            "visit": (3, "working_days"),
        },
    )
    emergency = policy(
        "emergency",
        0.75,
        {
            "sign": (0.5, "natural_hours"),
            "handle": (24, "natural_hours"),
            "verify": (4, "natural_hours"),
        },
    )
    l1 = CatalogItem(code="01", name="城乡建设", level=1, sla_policy_id=standard.id)
    l1_bare = CatalogItem(code="09", name="其他", level=1)
    session.add_all([l1, l1_bare])
    session.flush()
    l2 = CatalogItem(code="0101", name="市容环境", level=2, parent_id=l1.id)
    l2_bare = CatalogItem(code="0999", name="其他", level=2, parent_id=l1_bare.id)
    session.add_all([l2, l2_bare])
    session.flush()
    session.add_all(
        [
            CatalogItem(code=STANDARD, name="占道经营", level=3, parent_id=l2.id),
            CatalogItem(
                code=EMERGENCY,
                name="井盖缺失",
                level=3,
                parent_id=l2.id,
                sla_policy_id=emergency.id,
                priority="urgent",
            ),
            CatalogItem(
                code=SELF_CLOSE,
                name="乱堆乱放",
                level=3,
                parent_id=l2.id,
                grid_admissible=True,
                verification_required=False,
            ),
            CatalogItem(
                code=SELF_VERIFY,
                name="河道垃圾",
                level=3,
                parent_id=l2.id,
                grid_admissible=True,
                verification_required=True,
            ),
            CatalogItem(code=NO_POLICY, name="其他", level=3, parent_id=l2_bare.id),
        ]
    )

    people = {
        "admin": (["admin"], COUNTY, None, None),
        "auditor": (["auditor"], COUNTY, None, None),
        "system": (["system"], None, None, None),
        "citizen": (["citizen"], None, None, None),
        "agent": (["agent"], COUNTY, county, None),
        "dispatcher": (["dispatcher"], COUNTY, county, None),
        "town_dispatcher": (["dispatcher"], TOWN_A, town_a, None),
        "other_town_dispatcher": (["dispatcher"], TOWN_B, town_b, None),
        "city_dispatcher": (["dispatcher"], "320700", city, None),
        "leader": (["leader"], COUNTY, county, None),
        "other_town_leader": (["leader"], TOWN_B, town_b, None),
        "grid_worker": (["grid_worker"], VILLAGE_A, town_a, None),
        "grid_worker2": (["grid_worker"], VILLAGE_A, town_a, None),
        "handler": (["unit_handler"], COUNTY, None, units["dept"]),
        "handler2": (["unit_handler"], COUNTY, None, units["dept2"]),
        "town_gov_handler": (["unit_handler"], TOWN_A, None, units["town_gov"]),
        "town_team_handler": (["unit_handler"], TOWN_A, None, units["town_team"]),
        "city_handler": (["unit_handler"], "320700", None, units["city_dept"]),
    }
    for username, (roles, region, center, unit) in people.items():
        user = User(
            username=username,
            display_name=username,
            region_code=region,
            center_id=center.id if center else None,
            unit_id=unit.id if unit else None,
            created_at=now,
        )
        user.roles = [UserRole(role=r) for r in roles]
        session.add(user)
    session.flush()
    return World(usernames={k: k for k in people})


def case_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "channel": "hotline",
        "title": "人民路菜场门口流动摊贩占道经营",
        "description": "早高峰占用人行道，行人只能走机动车道。",
        "region_code": COUNTY,
        "address": "灌南县新安镇人民路88号",
        "lon": 119.35,
        "lat": 34.09,
        "reporter_name": "张先生",
        "reporter_phone": "13812345678",
    }
    data.update(overrides)
    return data
