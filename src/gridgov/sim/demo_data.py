"""The demo county's reference data: real division codes of Guannan (灌南县) and a realistic
catalogue with its time-limit policies and typical citizen complaints."""

from __future__ import annotations

from dataclasses import dataclass

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


# the words citizens use for each leaf (its keywords: Open311's search words, and what takes a
# first-level classification down to the leaf, intake.suggest)
WORDS = {
    "010101": ("摊贩", "占道", "流动摊", "早餐摊", "占用人行道"),
    "010102": ("堆放", "杂物", "建筑垃圾"),
    "010103": ("广告牌", "户外广告", "招牌"),
    "010201": ("路面塌陷", "坑洼", "路面破损", "塌陷"),
    "010202": ("路灯",),
    "010203": ("井盖", "窨井"),
    "010301": ("搭建", "加盖", "彩钢棚", "违建"),
    "020101": ("焚烧", "秸秆", "烧垃圾"),
    "020102": ("扬尘", "裸土"),
    "020201": ("漂浮", "河面", "河里垃圾"),
    "020202": ("偷排", "废水", "排污"),
    "020301": ("夜间施工", "噪音", "噪声"),
    "030101": ("公交", "末班车"),
    "030201": ("停车", "私家车", "乱停"),
    "030202": ("红绿灯", "信号灯"),
    "040101": ("欠薪", "拖欠", "工资"),
    "040201": ("社保", "养老保险", "医保"),
    "050101": ("饭店", "后厨", "餐馆", "卫生条件"),
    "060101": ("学校门口", "校门", "放学"),
    "070101": ("标价", "价格", "乱收费"),
    "070102": ("无证", "作坊", "营业执照"),
    "080101": ("消防通道",),
    "080102": ("燃气", "煤气", "天然气"),
    "090101": ("停水", "自来水", "水压"),
    "090102": ("停电", "断电"),
}


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


# Extra questions citizens' apps ask for some services (Open311 service definitions).
OPEN311_ATTRIBUTES: dict[str, list[dict[str, object]]] = {
    "010101": [
        {"code": "PHOTO_HINT", "datatype": "text", "variable": False, "order": 0,
         "description": "请尽量拍下摊位全貌和所在路口"},
        {"code": "KIND", "datatype": "singlevaluelist", "required": True, "order": 1,
         "description": "摊贩类型",
         "values": [{"key": "food", "name": "餐饮"}, {"key": "fruit", "name": "果蔬"},
                    {"key": "goods", "name": "日用百货"}]},
        {"code": "COUNT", "datatype": "number", "order": 2, "description": "大约几个摊位"},
        {"code": "TIMES", "datatype": "multivaluelist", "order": 3, "description": "出现时段",
         "values": [{"key": "morning", "name": "早市"}, {"key": "noon", "name": "中午"},
                    {"key": "night", "name": "夜市"}]},
    ],
    "010202": [
        {"code": "POLE", "datatype": "string", "order": 0, "description": "灯杆编号（如有）"},
        {"code": "SINCE", "datatype": "datetime", "order": 1, "description": "最早发现不亮的时间"},
    ],
}  # fmt: skip
