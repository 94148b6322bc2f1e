"""A small, deterministic demo dataset (``gridgov seed demo``).

Guannan county (灌南县, 320724) in Lianyungang with its 11 real towns, a city, county and town
command centres, county departments and town offices, a realistic 3-level catalogue with four
time-limit policies, a user for every role, and a few dozen cases driven through the real
workflow service to every status (with their full, hash-chained histories).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.addresses import buildings
from gridgov.addresses.buildings import RiskColour
from gridgov.auth import passwords
from gridgov.auth.actor import Actor, load_actor
from gridgov.cases import service
from gridgov.cases.tasks import sweep
from gridgov.grids import staff
from gridgov.intake import service as intake
from gridgov.intake.suggest import Suggester
from gridgov.sim.county import County, CountySpec, generate, synthetic_county
from gridgov.sim.demo_data import (
    ADDRESS_STREETS,
    CATALOG,
    CITY,
    CITY_DEPARTMENTS,
    COUNTY,
    COUNTY_DEPARTMENTS,
    OPEN311_ATTRIBUTES,
    POLICIES,
    PROVINCE,
    TOWN_OFFICES,
    TOWNS,
    WORDS,
    Leaf,
)
from gridgov.sim.people import populate
from gridgov.sim.store import store_county
from gridgov.store.models import (
    CatalogItem,
    Center,
    Region,
    RoutingRule,
    SlaLimit,
    SlaPolicy,
    StandardAddress,
    Unit,
    User,
    UserRole,
)


def is_seeded(session: Session) -> bool:
    return session.get(Region, COUNTY) is not None


def seed_demo(session: Session, *, now: datetime, cases: int = 40) -> dict[str, int]:
    """Create the demo county; refuses to run twice (callers check :func:`is_seeded`)."""
    county = _regions(session, now=now)
    grids = [(g.code, g.region_code, g.geometry) for g in county.grids if g.kind == "comprehensive"]
    centers = _centers(session)
    units = _units(session, centers)
    policies = _policies(session)
    leaves = _catalog(session, policies)
    _routing(session, leaves)
    _users(session, centers, units, now)
    session.flush()
    _staff(session, county, now)
    _buildings(session, now)
    n_cases = _cases(session, leaves, grids, now=now, count=cases)
    _schemes(session, now)
    result = sweep(session, now=now, rules=service.Rules())
    return {
        "regions": session.query(Region).count(),
        "centers": len(centers),
        "units": len(units),
        "catalog_items": session.query(CatalogItem).count(),
        "users": session.query(User).count(),
        "cases": n_cases,
        "sla_warnings": result.warnings,
        "sla_overdue": result.overdue,
    }


def _schemes(session: Session, now: datetime) -> None:
    """The county's monthly assessment of units, towns and grid workers."""
    from gridgov.analytics.assessment import set_scheme

    for code, name, target, weights, red_at, black_below in [
        (
            "unit-monthly",
            "承办单位月度考核",
            "unit",
            {
                "on_time_rate": 40,
                "sign_on_time_rate": 15,
                "satisfaction_rate": 30,
                "return_rate": 15,
            },
            90.0,
            60.0,
        ),
        (
            "town-monthly",
            "镇（街道）月度考核",
            "town",
            {"on_time_rate": 40, "closure_rate": 30, "satisfaction_rate": 30},
            85.0,
            60.0,
        ),
        (
            "worker-monthly",
            "网格员月度考核",
            "worker",
            {"closure_rate": 50, "satisfaction_rate": 30, "rework_rate": 20},
            85.0,
            50.0,
        ),
    ]:
        set_scheme(
            session,
            code=code,
            name=name,
            target=target,
            weights=weights,
            adjustments=[{"name": "超期在办扣分", "kpi": "overdue_open", "points": -0.5}],
            red_at=red_at,
            black_below=black_below,
            now=now,
        )


def _regions(session: Session, *, now: datetime) -> County:
    """Province, city and county rows, then the generated towns, villages and grids.

    The towns carry Guannan's real codes and names; their shapes, the villages and the grids
    are generated on a synthetic county outline of Guannan's size (1,030 km², 11 towns,
    242 villages/communities, 726 comprehensive + 84 dedicated grids).
    """
    session.add(Region(code=PROVINCE, name="江苏省", level="province"))
    session.add(Region(code=CITY, name="连云港市", level="city", parent_code=PROVINCE))
    session.add(
        Region(code=COUNTY, name="灌南县", level="county", parent_code=CITY, county_code=COUNTY)
    )
    session.flush()
    spec = CountySpec(town_names={code: name for code, (name, _slug) in TOWNS.items()})
    county = generate(synthetic_county(), spec)
    store_county(session, county=county, now=now)
    return county


def _centers(session: Session) -> dict[str, Center]:
    centers: dict[str, Center] = {}
    city = Center(code=CITY, name="连云港市一网统管指挥中心", level="city", region_code=CITY)
    session.add(city)
    session.flush()
    county = Center(
        code=COUNTY,
        name="灌南县社会治理现代化指挥中心",
        level="county",
        region_code=COUNTY,
        parent_id=city.id,
    )
    session.add(county)
    session.flush()
    centers[CITY], centers[COUNTY] = city, county
    for code, (name, _slug) in TOWNS.items():
        center = Center(
            code=code,
            name=f"{name}社会治理综合指挥中心",
            level="town",
            region_code=code,
            parent_id=county.id,
        )
        session.add(center)
        centers[code] = center
    session.flush()
    return centers


def _units(session: Session, centers: dict[str, Center]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}

    def add(code: str, name: str, kind: str, level: str, region: str, center: Center) -> None:
        unit = Unit(
            code=code, name=name, kind=kind, level=level, region_code=region, center_id=center.id
        )
        session.add(unit)
        units[code] = unit

    for slug, name in CITY_DEPARTMENTS:
        add(f"{CITY}-{slug}", name, "department", "city", CITY, centers[CITY])
    for slug, name in COUNTY_DEPARTMENTS:
        add(f"{COUNTY}-{slug}", name, "department", "county", COUNTY, centers[COUNTY])
    for code, (name, _slug) in TOWNS.items():
        add(f"{code}-gov", f"{name}人民政府", "town", "county", code, centers[COUNTY])
        for slug, office in TOWN_OFFICES:
            add(f"{code}-{slug}", f"{name}{office}", "team", "town", code, centers[code])
    session.flush()
    return units


def _policies(session: Session) -> dict[str, SlaPolicy]:
    policies = {}
    for code, name, ratio, limits in POLICIES:
        policy = SlaPolicy(code=code, name=name, warning_ratio=ratio)
        policy.limits = [SlaLimit(step=s, amount=a, unit=u) for s, (a, u) in limits.items()]
        session.add(policy)
        policies[code] = policy
    session.flush()
    return policies


URBAN = "01"  # 城乡建设: the items digital city management reports on


def _catalog(session: Session, policies: dict[str, SlaPolicy]) -> list[Leaf]:
    leaves = []
    for l1_code, l1_name, level2 in CATALOG:
        l1 = CatalogItem(code=l1_code, name=l1_name, level=1, sla_policy_id=policies["standard"].id)
        session.add(l1)
        session.flush()
        for l2_code, l2_name, level3 in level2:
            l2 = CatalogItem(code=l2_code, name=l2_name, level=2, parent_id=l1.id)
            session.add(l2)
            session.flush()
            for leaf in level3:
                session.add(
                    CatalogItem(
                        code=leaf.code,
                        name=leaf.name,
                        level=3,
                        parent_id=l2.id,
                        sla_policy_id=policies[leaf.policy].id,
                        priority="urgent" if leaf.policy == "emergency" else "normal",
                        grid_admissible=leaf.admissible,
                        verification_required=leaf.verify,
                        description=f"{l1_name} / {l2_name} / {leaf.name}",
                        keywords=",".join(
                            dict.fromkeys([leaf.name, *WORDS.get(leaf.code, ()), l2_name])
                        ),
                        # the demo county's digital city management codes its urban events
                        # with these items' own codes (the simulator's inspectors send them)
                        standard_codes=leaf.code if l1_code == URBAN else "",
                        attributes=OPEN311_ATTRIBUTES.get(leaf.code),
                    )
                )
                leaves.append(leaf)
    session.flush()
    return leaves


L1_DEPARTMENTS = {
    "01": "zjj",
    "02": "sthj",
    "03": "jtj",
    "04": "rsj",
    "05": "wjw",
    "06": "jyj",
    "07": "scjg",
    "08": "yjgl",
    "09": "slj",
}


def _routing(session: Session, leaves: list[Leaf]) -> None:
    """At the county centre an item goes to its county department; at a town centre to the
    town's enforcement team (city look, environment) or its social-affairs office. Level-1
    items have rules too, for a classifier that only knows the first level."""
    items = {i.code: i.id for i in session.scalars(select(CatalogItem))}
    targets = [(leaf.code, leaf.unit) for leaf in leaves] + list(L1_DEPARTMENTS.items())
    for code, department in targets:
        town_team = "zhzf" if code[:2] in ("01", "02") else "shsy"
        for level, lead in (
            ("county", f"{COUNTY}-{department}"),
            ("town", f"{{town}}-{town_team}"),
        ):
            session.add(
                RoutingRule(
                    catalog_item_id=items[code],
                    region_level=level,
                    area_code="*",
                    lead_unit=lead,
                    assisting=[],
                )
            )
    session.flush()


# Every named demo account signs in with this password (the demo is public; real
# deployments create accounts with `gridgov users create`).
DEMO_PASSWORD = "Gridgov-demo-2026"
# who to sign in as, per role (README lists the same)
DEMO_ACCOUNTS = [
    ("agent", "12345 hotline agent: new cases, return visits"),
    ("dispatcher", "county centre dispatcher: accept, dispatch, verify"),
    ("leader", "county leader: big screen, supervise, instruct"),
    ("h_320724-cgj", "unit handler (城市管理局): sign, report results"),
    ("xinan_grid1", "grid worker (新安镇): report, verify, check in"),
    ("xinan_dispatcher", "town centre dispatcher (新安镇)"),
    ("city_leader", "city leader (连云港市)"),
    ("admin", "administrator: users, catalogue, rules"),
    ("auditor", "auditor: read-only, audit chain"),
    ("citizen", "a citizen: own reports"),
]


def _user(
    session: Session,
    username: str,
    name: str,
    roles: list[str],
    now: datetime,
    *,
    region: str | None = None,
    center: Center | None = None,
    unit: Unit | None = None,
    phone: str | None = None,
) -> None:
    user = User(
        username=username,
        display_name=name,
        region_code=region,
        center_id=center.id if center else None,
        unit_id=unit.id if unit else None,
        phone=phone,
        created_at=now,
        password_hash=None if "system" in roles else passwords.hash_password(DEMO_PASSWORD),
        password_changed_at=now,
    )
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)


def _users(
    session: Session, centers: dict[str, Center], units: dict[str, Unit], now: datetime
) -> None:
    county, city = centers[COUNTY], centers[CITY]
    _user(session, "admin", "系统管理员", ["admin"], now, region=COUNTY)
    _user(session, "auditor", "审计员", ["auditor"], now, region=COUNTY)
    _user(session, "system", "系统集成", ["system"], now)
    _user(session, "citizen", "市民张先生", ["citizen"], now, phone="13800138000")
    _user(session, "agent", "12345话务员小王", ["agent"], now, region=COUNTY, center=county)
    _user(
        session, "dispatcher", "县指挥中心派遣员", ["dispatcher"], now, region=COUNTY, center=county
    )
    _user(session, "leader", "县委政法委领导", ["leader"], now, region=COUNTY, center=county)
    _user(
        session,
        "city_dispatcher",
        "市指挥中心派遣员",
        ["dispatcher"],
        now,
        region=CITY,
        center=city,
    )
    _user(session, "city_leader", "市领导", ["leader"], now, region=CITY, center=city)
    for code, (name, slug) in TOWNS.items():
        _user(
            session,
            f"{slug}_dispatcher",
            f"{name}指挥中心派遣员",
            ["dispatcher"],
            now,
            region=code,
            center=centers[code],
        )
        for i in (1, 2):
            _user(
                session,
                f"{slug}_grid{i}",
                f"{name}网格员{i}",
                ["grid_worker"],
                now,
                region=f"{code}{i:03d}",
                center=centers[code],
                phone=f"1391234{int(code[-3:]):02d}{i:02d}"[:11],
            )
    for code, unit in units.items():
        _user(
            session,
            f"h_{code}",
            f"{unit.name}承办人",
            ["unit_handler"],
            now,
            region=unit.region_code,
            unit=unit,
        )


def _staff(session: Session, county: County, now: datetime) -> None:
    """A generated grid worker on every comprehensive grid (``gw<code>``), plus the named demo
    accounts (``xinan_grid1`` …) on the first grid of their village; the county leader is
    linked to the first grid of the county seat."""
    populate(session, county=county, now=now)
    slugs = {code: slug for code, (_name, slug) in TOWNS.items()}
    firsts = [
        g
        for g in county.grids
        if g.kind == "comprehensive" and g.code.endswith("001") and int(g.region_code[9:12]) <= 2
    ]
    for grid in firsts:
        username = f"{slugs[grid.region_code[:9]]}_grid{int(grid.region_code[9:12])}"
        staff.assign(
            session,
            grid_code=grid.code,
            username=username,
            role=staff.StaffRole.grid_worker,
            now=now,
        )
    staff.link(
        session, grid_code=firsts[0].code, username="leader", kind=staff.LinkKind.leader, now=now
    )


RISKS = [
    (RiskColour.red, "独居老人，需每日探视"),
    (RiskColour.red, "出租房屋，人员流动大"),
    (RiskColour.yellow, "邻里矛盾纠纷尚未化解"),
    (RiskColour.blue, "留守儿童家庭"),
]


def _buildings(session: Session, now: datetime) -> None:
    """A building at every standard address of the county seat (新安镇), some with risks."""
    rng = random.Random(7)
    rows = session.scalars(
        select(StandardAddress)
        .where(StandardAddress.grid_code.startswith("320724100"))
        .order_by(StandardAddress.id)
    ).all()
    for i, address in enumerate(rows):
        building = buildings.add_building(
            session,
            address=address.text,
            lon=address.lon,
            lat=address.lat,
            households=rng.randint(8, 60),
            now=now,
        )
        if i % 6 == 0:
            colour, reason = RISKS[(i // 6) % len(RISKS)]
            buildings.add_household(
                session,
                building_id=building.id,
                door=f"{rng.randint(1, 4)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
                members=rng.randint(1, 5),
                colour=colour,
                reasons=[reason],
                now=now,
            )
            buildings.set_risk(
                session, building_id=building.id, colour=colour, reasons=[reason], now=now
            )


def _place(
    rng: random.Random, grids: list[tuple[str, str, object]], town: str
) -> tuple[str, str, float, float]:
    """A point inside a random comprehensive grid of the town: grid code, village, lon, lat."""
    code, village, shape = rng.choice([g for g in grids if g[1].startswith(town)])
    x0, y0, x1, y1 = shape.bounds  # type: ignore[attr-defined]
    while True:
        lon, lat = round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6)
        if shapely.contains_xy(shape, lon, lat):
            return code, village, lon, lat


# Each script is the list of (action, actor key, payload) a case goes through.
Script = list[tuple[str, str, dict[str, object]]]


def _scripts(leaf: Leaf, lead: str, town_code: str, slug: str) -> dict[str, Script]:
    handler = f"h_{lead}"
    dispatch = ("dispatch", "dispatcher", {"lead_unit": lead})
    accept = ("accept", "dispatcher", {"catalog_item": leaf.code})
    sign = ("sign", handler, {})
    result = ("report_result", handler, {"result": "已到现场处置完毕，问题已解决。"})
    verify = ("start_verify", "dispatcher", {"verifier": f"{slug}_grid1"})
    passed = ("verify_pass", f"{slug}_grid1", {"note": "现场核查属实，已整改到位"})
    closed = [accept, dispatch, sign, result, verify, passed]
    return {
        "submitted": [],
        "accepted": [accept],
        "dispatched": [accept, dispatch],
        "in_progress": [accept, dispatch, sign, ("urge", "dispatcher", {"text": "请加快办理"})],
        "extension": [
            accept,
            dispatch,
            sign,
            (
                "request_extension",
                handler,
                {"amount": 3, "unit": "working_days", "reason": "需协调多部门联合处置"},
            ),
        ],
        "suspended": [
            accept,
            dispatch,
            sign,
            ("request_suspension", handler, {"reason": "等待司法鉴定结果"}),
            ("approve_suspension", "dispatcher", {}),
        ],
        "returned": [accept, dispatch, ("return", handler, {"reason": "不属于本单位职责范围"})],
        "handled": [accept, dispatch, sign, result],
        "verifying": [accept, dispatch, sign, result, verify],
        "closed": [*closed, ("return_visit", "agent", {"satisfaction": "satisfied"})],
        "rework": [
            accept,
            dispatch,
            sign,
            result,
            verify,
            ("verify_fail", f"{slug}_grid1", {"note": "现场仍有垃圾，未整改到位"}),
        ],
        "reopened": [
            *closed,
            ("return_visit", "agent", {"satisfaction": "dissatisfied"}),
            ("reopen", "dispatcher", {"reason": "群众回访不满意，重新办理"}),
        ],
        "supervised": [
            accept,
            dispatch,
            sign,
            ("supervise", "leader", {"level": 2, "note": "群众反映强烈，限期办结"}),
            ("instruct", "leader", {"text": "请住建局牵头，三日内拿出方案"}),
        ],
        "escalated": [
            accept,
            ("escalate", "dispatcher", {"reason": "涉及跨县区协调，提请市级统筹"}),
        ],
        "rejected": [("reject", "dispatcher", {"reason": "重复来电，信息不全无法受理"})],
        "answered": [("answer_directly", "agent", {"answer": "已告知市民相关政策及办理渠道"})],
    }


def _cases(
    session: Session,
    leaves: list[Leaf],
    grids: list[tuple[str, str, object]],
    *,
    now: datetime,
    count: int,
) -> int:
    rng = random.Random(2026)
    # a few people call again (their earlier cases show beside the call and on the case page):
    # drawn apart, so that every other draw of the demo stays as it was
    again, callers = random.Random(12345), []
    outcomes = list(_scripts(leaves[0], "", "", "").keys())
    actors = {
        u.username: load_actor(session, username=u.username) for u in session.scalars(select(User))
    }
    town_codes = list(TOWNS)
    made = 0
    for i in range(count):
        outcome = outcomes[i % len(outcomes)]
        leaf = rng.choice(
            [lf for lf in leaves if lf.policy != "consult"] if outcome != "answered" else leaves
        )
        town = rng.choice(town_codes)
        slug = TOWNS[town][1]
        lead = f"{COUNTY}-{leaf.unit}"
        channel = rng.choice(["hotline", "hotline", "grid_app", "web", "inspector"])
        reporter = f"{slug}_grid1" if channel == "grid_app" else "agent"
        at = now - timedelta(days=rng.uniform(2, 25), minutes=rng.randint(0, 600))
        street = rng.choice(ADDRESS_STREETS)
        grid_code, village, lon, lat = _place(rng, grids, town)
        data = {
            "channel": channel,
            "title": rng.choice(leaf.titles),
            "description": f"{rng.choice(leaf.titles)}，请相关部门尽快处理。",
            "region_code": village,
            "grid_code": grid_code,
            "center": COUNTY,
            "address": f"灌南县{TOWNS[town][0]}{street}{rng.randint(1, 300)}号",
            "lon": lon,
            "lat": lat,
            "external_id": f"demo-{i:04d}",
            "reporter_name": rng.choice(["张先生", "李女士", "王先生", "赵女士"]),
            "reporter_phone": f"13{rng.randint(100000000, 999999999)}",
        }
        if callers and again.random() < 0.2:
            data["reporter_phone"] = again.choice(callers)
        callers.append(data["reporter_phone"])
        if outcome == "submitted":  # still waiting: through the door, so triage says why
            _waiting(session, data, actor=actors["agent"], at=at)
            made += 1
            continue
        created = service.create_case(session, data=data, actor=actors[reporter], now=at)
        script = _scripts(leaf, lead, town, slug)[outcome]
        for action, who, payload in script:
            at += timedelta(hours=rng.uniform(0.3, 20))
            if at >= now:
                break
            service.act(
                session,
                number=created.case.number,
                action=action,
                actor=actors[who],
                payload=payload,
                now=at,
                rules=service.Rules(),
            )
        made += 1
    # A grid worker's on-the-spot handling of an admissible item.
    leaf = next(lf for lf in leaves if lf.admissible and not lf.verify)
    slug = TOWNS["320724100"][1]
    created = service.create_case(
        session,
        data={
            "channel": "grid_app",
            "title": leaf.titles[0],
            "region_code": "320724100001",
            "center": COUNTY,
            "catalog_item": leaf.code,
            "external_id": "demo-self-0001",
        },
        actor=actors[f"{slug}_grid1"],
        now=now - timedelta(days=1),
    )
    service.act(
        session,
        number=created.case.number,
        action="self_handle",
        actor=actors[f"{slug}_grid1"],
        payload={"result": "现场劝导，已清理完毕"},
        now=now - timedelta(days=1) + timedelta(minutes=20),
        rules=service.Rules(),
    )
    return made + 1


def _waiting(session: Session, data: dict[str, Any], *, actor: Actor, at: datetime) -> None:
    """A call the hotline took that still waits for a dispatcher: received through the one
    door, with the keyword classification a centre without a trained model has, so its triage
    record says why it waits (分类不确定 and the like), as the simulator's later cases' do."""
    received = intake.receive(
        session,
        channel="hotline",
        payload={
            "call_id": data["external_id"],
            "caller": data["reporter_name"],
            "callback_number": data["reporter_phone"],
            "title": data["title"],
            "text": data["description"],
            "address": data["address"],
            "lon": data["lon"],
            "lat": data["lat"],
        },
        actor=actor,
        now=at,
        rules=service.Rules(),
        triage=intake.Triage(Suggester(None)),
    )
    if received.case is None:  # the demo's own record: a dead letter would be a bug
        raise RuntimeError(f"the demo's waiting call was refused: {received.dead_letter}")
