"""A small, deterministic demo dataset (``gridgov seed demo``).

Guannan county (灌南县, 320724) in Lianyungang with its 11 real towns, a city, county and town
command centres, county departments and town offices, a realistic 3-level catalogue with four
time-limit policies, a user for every role, and a few dozen cases driven through the real
workflow service to every status (with their full, hash-chained histories).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.auth.actor import load_actor
from gridgov.cases import service
from gridgov.cases.tasks import sweep
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

PROVINCE, CITY, COUNTY = "320000", "320700", "320724"
TOWNS = {
    "320724100": ("新安镇", "xinan"),
    "320724101": ("堆沟港镇", "duigou"),
    "320724102": ("田楼镇", "tianlou"),
    "320724103": ("北陈集镇", "beichenji"),
    "320724104": ("张店镇", "zhangdian"),
    "320724105": ("三口镇", "sankou"),
    "320724106": ("孟兴庄镇", "mengxingzhuang"),
    "320724107": ("汤沟镇", "tanggou"),
    "320724108": ("百禄镇", "bailu"),
    "320724109": ("新集镇", "xinji"),
    "320724110": ("李集镇", "liji"),
}
COUNTY_DEPARTMENTS = [
    ("zjj", "灌南县住房和城乡建设局"),
    ("cgj", "灌南县城市管理局"),
    ("sthj", "连云港市灌南生态环境局"),
    ("jtj", "灌南县交通运输局"),
    ("slj", "灌南县水利局"),
    ("gaj", "灌南县公安局"),
    ("wjw", "灌南县卫生健康委员会"),
    ("jyj", "灌南县教育局"),
    ("rsj", "灌南县人力资源和社会保障局"),
    ("mzj", "灌南县民政局"),
    ("scjg", "灌南县市场监督管理局"),
    ("yjgl", "灌南县应急管理局"),
    ("nync", "灌南县农业农村局"),
    ("gdgs", "国网灌南县供电公司"),
    ("swgs", "灌南县自来水公司"),
]
CITY_DEPARTMENTS = [
    ("zjj", "连云港市住房和城乡建设局"),
    ("sthj", "连云港市生态环境局"),
    ("jtj", "连云港市交通运输局"),
]
TOWN_OFFICES = [("zhzf", "综合行政执法局"), ("shsy", "社会事业局")]

# code, name, warning ratio, {step: (amount, unit)}
POLICIES = [
    (
        "emergency",
        "紧急类",
        0.75,
        {
            "sign": (0.5, "natural_hours"),
            "handle": (24, "natural_hours"),
            "verify": (4, "natural_hours"),
            "visit": (1, "working_days"),
        },
    ),
    (
        "standard",
        "一般类",
        0.8,
        {
            "sign": (2, "working_hours"),
            "handle": (5, "working_days"),
            "verify": (1, "working_days"),
            "visit": (3, "working_days"),
        },
    ),
    (
        "complex",
        "疑难类",
        0.8,
        {
            "sign": (4, "working_hours"),
            "handle": (15, "working_days"),
            "verify": (2, "working_days"),
            "visit": (5, "working_days"),
        },
    ),
    (
        "consult",
        "咨询类",
        0.8,
        {
            "sign": (2, "working_hours"),
            "handle": (2, "working_days"),
            "verify": (1, "working_days"),
            "visit": (3, "working_days"),
        },
    ),
]


@dataclass(frozen=True)
class Leaf:
    code: str
    name: str
    policy: str
    unit: str  # county department code that usually handles it
    admissible: bool = False  # on the grid admission list
    verify: bool = True
    titles: tuple[str, ...] = ()


CATALOG: list[tuple[str, str, list[tuple[str, str, list[Leaf]]]]] = [
    (
        "01",
        "城乡建设",
        [
            (
                "0101",
                "市容环境",
                [
                    Leaf(
                        "010101",
                        "占道经营",
                        "standard",
                        "cgj",
                        True,
                        True,
                        ("人民路菜场门口流动摊贩占道经营", "新港大道早餐摊占用人行道"),
                    ),
                    Leaf(
                        "010102",
                        "乱堆乱放",
                        "standard",
                        "cgj",
                        True,
                        False,
                        ("小区楼道堆放杂物堵塞通道", "路边建筑垃圾长期堆放无人清理"),
                    ),
                    Leaf(
                        "010103",
                        "违规户外广告",
                        "standard",
                        "cgj",
                        False,
                        True,
                        ("商铺违规设置大型户外广告牌",),
                    ),
                ],
            ),
            (
                "0102",
                "市政设施",
                [
                    Leaf(
                        "010201",
                        "道路破损",
                        "standard",
                        "zjj",
                        False,
                        True,
                        ("长江路与淮河路交叉口路面塌陷", "县城北环路多处坑洼积水"),
                    ),
                    Leaf(
                        "010202",
                        "路灯故障",
                        "standard",
                        "zjj",
                        False,
                        True,
                        ("幸福小区南门路灯不亮一周", "学校门口路灯夜间闪烁"),
                    ),
                    Leaf(
                        "010203",
                        "井盖缺失",
                        "emergency",
                        "zjj",
                        False,
                        True,
                        ("人行道窨井盖缺失存在安全隐患",),
                    ),
                ],
            ),
            (
                "0103",
                "违法建设",
                [
                    Leaf(
                        "010301",
                        "违章搭建",
                        "complex",
                        "zjj",
                        False,
                        True,
                        ("楼顶私自加盖彩钢棚", "小区绿化带被圈占搭建车库"),
                    ),
                ],
            ),
        ],
    ),
    (
        "02",
        "环境保护",
        [
            (
                "0201",
                "大气污染",
                [
                    Leaf(
                        "020101",
                        "露天焚烧",
                        "emergency",
                        "sthj",
                        True,
                        True,
                        ("村头田间焚烧秸秆浓烟扰民",),
                    ),
                    Leaf(
                        "020102",
                        "工地扬尘",
                        "standard",
                        "sthj",
                        False,
                        True,
                        ("建筑工地未覆盖裸土扬尘严重",),
                    ),
                ],
            ),
            (
                "0202",
                "水污染",
                [
                    Leaf(
                        "020201",
                        "河道垃圾",
                        "standard",
                        "slj",
                        True,
                        True,
                        ("新沂河支流漂浮大量生活垃圾",),
                    ),
                    Leaf(
                        "020202",
                        "企业偷排",
                        "complex",
                        "sthj",
                        False,
                        True,
                        ("化工园区企业夜间偷排废水河水发黑",),
                    ),
                ],
            ),
            (
                "0203",
                "噪声污染",
                [
                    Leaf(
                        "020301",
                        "夜间施工噪声",
                        "standard",
                        "sthj",
                        False,
                        True,
                        ("工地夜间十一点后仍在施工噪音扰民",),
                    ),
                ],
            ),
        ],
    ),
    (
        "03",
        "交通运输",
        [
            (
                "0301",
                "公共交通",
                [
                    Leaf(
                        "030101",
                        "公交线路",
                        "consult",
                        "jtj",
                        False,
                        False,
                        ("咨询县城至汤沟镇公交末班车时间",),
                    ),
                ],
            ),
            (
                "0302",
                "道路交通",
                [
                    Leaf(
                        "030201",
                        "违章停车",
                        "standard",
                        "gaj",
                        True,
                        False,
                        ("消防通道被私家车长期占用",),
                    ),
                    Leaf(
                        "030202",
                        "信号灯故障",
                        "emergency",
                        "gaj",
                        False,
                        True,
                        ("人民路十字路口红绿灯不亮",),
                    ),
                ],
            ),
        ],
    ),
    (
        "04",
        "劳动和社会保障",
        [
            (
                "0401",
                "劳动关系",
                [
                    Leaf(
                        "040101",
                        "拖欠工资",
                        "complex",
                        "rsj",
                        False,
                        True,
                        ("建筑工地拖欠农民工工资三个月",),
                    ),
                ],
            ),
            (
                "0402",
                "社会保险",
                [
                    Leaf(
                        "040201",
                        "社保咨询",
                        "consult",
                        "rsj",
                        False,
                        False,
                        ("咨询城乡居民养老保险缴费档次",),
                    ),
                ],
            ),
        ],
    ),
    (
        "05",
        "卫生计生",
        [
            (
                "0501",
                "食品安全",
                [
                    Leaf(
                        "050101",
                        "餐饮卫生",
                        "standard",
                        "scjg",
                        False,
                        True,
                        ("小饭店后厨卫生条件差有老鼠",),
                    ),
                ],
            ),
        ],
    ),
    (
        "06",
        "教育文体",
        [
            (
                "0601",
                "校园安全",
                [
                    Leaf(
                        "060101",
                        "校园周边安全",
                        "standard",
                        "jyj",
                        True,
                        True,
                        ("小学门口放学时段车辆拥堵存在安全隐患",),
                    ),
                ],
            ),
        ],
    ),
    (
        "07",
        "商贸旅游",
        [
            (
                "0701",
                "市场监管",
                [
                    Leaf(
                        "070101",
                        "价格欺诈",
                        "standard",
                        "scjg",
                        False,
                        True,
                        ("超市商品标价与结算价格不一致",),
                    ),
                    Leaf(
                        "070102",
                        "无证经营",
                        "standard",
                        "scjg",
                        False,
                        True,
                        ("居民楼内开设无证小作坊",),
                    ),
                ],
            ),
        ],
    ),
    (
        "08",
        "安全生产",
        [
            (
                "0801",
                "消防安全",
                [
                    Leaf(
                        "080101",
                        "消防通道堵塞",
                        "standard",
                        "yjgl",
                        True,
                        False,
                        ("小区消防通道被杂物堵塞",),
                    ),
                    Leaf(
                        "080102",
                        "燃气泄漏",
                        "emergency",
                        "yjgl",
                        False,
                        True,
                        ("老旧小区闻到明显燃气味",),
                    ),
                ],
            ),
        ],
    ),
    (
        "09",
        "民生服务",
        [
            (
                "0901",
                "供水供电",
                [
                    Leaf(
                        "090101", "停水", "standard", "swgs", False, True, ("小区无故停水超过一天",)
                    ),
                    Leaf(
                        "090102",
                        "停电",
                        "emergency",
                        "gdgs",
                        False,
                        True,
                        ("村里整片停电超过八小时",),
                    ),
                ],
            ),
        ],
    ),
]

ADDRESS_STREETS = ["人民路", "长江路", "淮河路", "新港大道", "北京路", "幸福路", "汤沟街", "兴南路"]


def is_seeded(session: Session) -> bool:
    return session.get(Region, COUNTY) is not None


def seed_demo(session: Session, *, now: datetime, cases: int = 40) -> dict[str, int]:
    """Create the demo county; refuses to run twice (callers check :func:`is_seeded`)."""
    _regions(session)
    centers = _centers(session)
    units = _units(session, centers)
    policies = _policies(session)
    leaves = _catalog(session, policies)
    _users(session, centers, units, now)
    session.flush()
    n_cases = _cases(session, leaves, units, now=now, count=cases)
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


def _regions(session: Session) -> None:
    session.add(Region(code=PROVINCE, name="江苏省", level="province"))
    session.add(Region(code=CITY, name="连云港市", level="city", parent_code=PROVINCE))
    session.add(
        Region(code=COUNTY, name="灌南县", level="county", parent_code=CITY, county_code=COUNTY)
    )
    session.flush()
    for code, (name, _slug) in TOWNS.items():
        session.add(
            Region(code=code, name=name, level="town", parent_code=COUNTY, county_code=COUNTY)
        )
    session.flush()
    for code, (name, _slug) in TOWNS.items():
        for i, suffix in enumerate(("社区", "村"), start=1):
            session.add(
                Region(
                    code=f"{code}{i:03d}",
                    name=f"{name[:-1]}{'第一' if i == 1 else '第二'}{suffix}",
                    level="village",
                    parent_code=code,
                    county_code=COUNTY,
                )
            )
    session.flush()


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
                    )
                )
                leaves.append(leaf)
    session.flush()
    return leaves


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
    session: Session, leaves: list[Leaf], units: dict[str, Unit], *, now: datetime, count: int
) -> int:
    rng = random.Random(2026)
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
        created = service.create_case(
            session,
            data={
                "channel": channel,
                "title": rng.choice(leaf.titles),
                "description": f"{rng.choice(leaf.titles)}，请相关部门尽快处理。",
                "region_code": f"{town}{rng.choice([1, 2]):03d}",
                "center": COUNTY,
                "address": f"灌南县{TOWNS[town][0]}{street}{rng.randint(1, 300)}号",
                "lon": round(119.35 + rng.uniform(-0.15, 0.15), 6),
                "lat": round(34.09 + rng.uniform(-0.12, 0.12), 6),
                "external_id": f"demo-{i:04d}",
                "reporter_name": rng.choice(["张先生", "李女士", "王先生", "赵女士"]),
                "reporter_phone": f"13{rng.randint(100000000, 999999999)}",
            },
            actor=actors[reporter],
            now=at,
        )
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
