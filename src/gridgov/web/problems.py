"""Why a record or a form was refused, in the console's language.

The API says it in English, for integrators, and a dead letter keeps that reason as it was
given. The Chinese console says the reasons the door and the forms give most — a record's
fields as the validation found them ("hotline: text: String should have at least 2
characters"), and the places, items and units that do not exist — in Chinese, field by field;
a reason it does not know is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gridgov.cases.handlers import NO_POLICY
from gridgov.web.i18n import ACTIONS, CHANNELS, FORM_FIELDS, OPTIONS, STATUS, WORDS, pick

Say = Callable[[re.Match[str]], str]

# what the validation says of one field (pydantic's messages), as (pattern, Chinese)
FIELD: list[tuple[re.Pattern[str], Say]] = [
    (re.compile(r"Field required"), lambda m: "必须填写"),
    (re.compile(r"String should have at least (\d+) characters?"), lambda m: f"至少要 {m[1]} 个字"),
    (re.compile(r"String should have at most (\d+) characters?"), lambda m: f"最多 {m[1]} 个字"),
    (re.compile(r"String should match pattern '.*'"), lambda m: "格式不对"),
    (re.compile(r"Input should be a valid (number|integer)\b.*"), lambda m: "应为数字"),
    (re.compile(r"Input should be a valid string"), lambda m: "应为文字"),
    (re.compile(r"Input should be a valid boolean\b.*"), lambda m: "应为是或否"),
    (re.compile(r"Input should be a valid (datetime|date)\b.*"), lambda m: "应为日期时间"),
    (re.compile(r"Input should be a valid (list|array)\b.*"), lambda m: "应为列表"),
    (re.compile(r"Input should be a valid (dictionary|object)\b.*"), lambda m: "应为对象"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), lambda m: f"不能小于 {m[1]}"),
    (re.compile(r"Input should be less than or equal to (\S+)"), lambda m: f"不能大于 {m[1]}"),
    (re.compile(r"Input should be greater than (\S+)"), lambda m: f"应大于 {m[1]}"),
    (re.compile(r"Input should be less than (\S+)"), lambda m: f"应小于 {m[1]}"),
    (re.compile(r"List should have at most (\d+) items?\b.*"), lambda m: f"最多 {m[1]} 项"),
    (
        re.compile(r"Input should be ('[^']*'(?:, '[^']*')*(?: or '[^']*')?)"),
        lambda m: "应为" + "、".join(_option(v) for v in re.findall(r"'([^']*)'", m[1])) + "之一",
    ),
    (re.compile(r"Value error, (.+)"), lambda m: m[1]),
]

# what the door and the forms say of a whole record, as (pattern, Chinese)
WHOLE: list[tuple[re.Pattern[str], Say]] = [
    (re.compile(re.escape(NO_POLICY)), lambda m: "该事项未设时限，请管理员设置"),
    (re.compile(r"no region with code '([^']*)'"), lambda m: f"没有编码为 {m[1]} 的区划"),
    (re.compile(r"no grid (?:with code )?'?([^' ]+)'?"), lambda m: f"没有网格 {m[1]}"),
    (
        re.compile(r"grid (\S+) lies outside this centre's area"),
        lambda m: f"网格 {m[1]} 不在本中心辖区内",
    ),
    (
        re.compile(r"no catalogue item (?:with code )?'([^']*)'"),
        lambda m: f"事项目录中没有 {m[1]}",
    ),
    (re.compile(r"no unit with code '([^']*)'"), lambda m: f"没有编码为 {m[1]} 的单位"),
    (re.compile(r"no centre with code '([^']*)'"), lambda m: f"没有编码为 {m[1]} 的指挥中心"),
    (
        re.compile(r"no command centre covers region '([^']*)'"),
        lambda m: f"没有指挥中心负责区划 {m[1]}",
    ),
    (
        re.compile(r"no place: give coordinates, a grid, a region or a centre"),
        lambda m: "没有位置：请给出坐标、网格、区划或指挥中心",
    ),
    (
        re.compile(r"the point is in no grid and no centre or region was given"),
        lambda m: "坐标不在任何网格内，也没有给出指挥中心或区划",
    ),
    (
        re.compile(r"a (\w+) record must be a JSON object"),
        lambda m: f"{_channel(m[1])}记录应为 JSON 对象",
    ),
    (re.compile(r"unknown channel '([^']*)'.*"), lambda m: f"没有渠道 {m[1]}"),
    (re.compile(r"(\S+) may not report cases"), lambda m: f"{m[1]} 无权上报案件"),
    (
        re.compile(r"attachment (\d+): no such file of yours"),
        lambda m: f"附件 {m[1]} 不存在或不是本人上传",
    ),
    (
        re.compile(r"attachment (\d+) belongs to another case"),
        lambda m: f"附件 {m[1]} 已属于其他案件",
    ),
    # signing in (what a grid worker's phone meets after a night in a pocket)
    (
        re.compile(r"sign in \(POST /api/v1/auth/login\) or present an API key.*"),
        lambda m: "请先登录",
    ),
    (re.compile(r"not signed in \(or signed out\)"), lambda m: "未登录（或已退出），请先登录"),
    (
        re.compile(r"the session expired after inactivity; sign in again"),
        lambda m: "长时间未操作，登录已失效，请重新登录",
    ),
    (
        re.compile(r"the session reached its maximum age; sign in again"),
        lambda m: "登录已到最长时限，请重新登录",
    ),
    (
        re.compile(r"missing or wrong \S+ header for this session"),
        lambda m: "页面已过期，请刷新后重试",
    ),
    (re.compile(r"wrong user name or password"), lambda m: "用户名或密码错误"),
    (re.compile(r"unknown API key"), lambda m: "API 密钥无效"),
    (re.compile(r"the (?:key's )?account is deactivated"), lambda m: "账号已停用"),
    (re.compile(r"no case numbered '([^']*)'"), lambda m: f"没有编号为 {m[1]} 的案件"),
    (re.compile(r"no import batch (\d+)"), lambda m: f"没有导入批次 #{m[1]}"),
    (
        re.compile(r"(\S+) may not look up a caller's cases"),
        lambda m: f"{m[1]} 无权查询来电人的诉求",
    ),
    (
        re.compile(r"case (\S+) has no callback number to look its caller up by"),
        lambda m: f"案件 {m[1]} 没有回拨电话，无法查询来电人的其他诉求",
    ),
    (re.compile(r"no probable duplicate to merge into"), lambda m: "没有可并入的疑似原件"),
    (
        re.compile(r"(\S+) may not (\w+) case (\S+)"),
        lambda m: f"{m[1]} 无权对案件 {m[3]} 执行“{pick(ACTIONS, m[2], 'zh')}”",
    ),
    # a line of an old platform's export (``intake import``)
    (re.compile(r"the text is empty"), lambda m: "内容为空"),
    (
        re.compile(r"the text has (\d+) characters \(at most (\d+)\)"),
        lambda m: f"内容有 {m[1]} 个字（最多 {m[2]} 个）",
    ),
    (re.compile(r"no time"), lambda m: "没有时间"),
    (re.compile(r"cannot read the time '([^']*)'"), lambda m: f"读不出时间“{m[1]}”"),
    (
        re.compile(r"category '([^']*)' is not in the catalogue \(map it in \[categories\]\)"),
        lambda m: f"分类“{m[1]}”不在事项目录中（请在映射的 [categories] 中对应）",
    ),
    (re.compile(r"no region '([^']*)'"), lambda m: f"没有编码为 {m[1]} 的区划"),
    (re.compile(r"lon/lat are not numbers"), lambda m: "经纬度不是数字"),
    (re.compile(r"lon/lat out of range"), lambda m: "经纬度超出范围"),
    (re.compile(r"external id longer than 100 characters"), lambda m: "编号超过 100 个字符"),
    (re.compile(r"the same message as line (\d+)"), lambda m: f"与第 {m[1]} 行是同一条诉求"),
    (re.compile(r"already on file"), lambda m: "已在库中（此编号已有案件）"),
    (
        re.compile(r"external id '([^']*)' appears twice in the file"),
        lambda m: f"编号“{m[1]}”在文件中出现了两次",
    ),
    (
        re.compile(r"status '([^']*)' is not mapped \(map it in \[statuses\]\)"),
        lambda m: f"状态“{m[1]}”没有对应（请在映射的 [statuses] 中对应）",
    ),
    (
        re.compile(r"a (closed|answered) row needs its closing time"),
        lambda m: f"{pick(STATUS, m[1], 'zh')}的工单须有办结时间",
    ),
    (
        re.compile(r"closed at (.+) before it was received"),
        lambda m: f"办结时间 {m[1]} 早于登记时间",
    ),
    (
        re.compile(r"choose a catalogue item before dispatching \(it sets the limits\)"),
        lambda m: "派遣前请先选定事项类别（它决定时限）",
    ),
]

PART = re.compile(r"([A-Za-z_][\w.]*): (.+)")
LINE = re.compile(r"bulk import line (\d+): (.+)")


def problem_words(reason: str, lang: str) -> str:
    """A refusal's reason for a reader of ``lang``: in English as it was given; in Chinese
    the channel or the action, then each field and what is wrong with it."""
    if lang == "en" or not reason:
        return reason
    whole = _whole(reason)
    if whole is not None:
        return whole
    line = LINE.fullmatch(reason)
    if line:
        return f"批量导入第 {line[1]} 行：{_part(line[2])}"
    source, _, rest = reason.partition(": ")
    head = ""
    if source in CHANNELS and rest:  # a channel's record
        head, reason = f"{_channel(source)}记录：", rest
    elif source in ACTIONS and rest:  # an action's input
        head, reason = f"{pick(ACTIONS, source, 'zh')}：", rest
    return head + "；".join(_part(p) for p in reason.split("; "))


def _channel(code: str) -> str:
    return pick(CHANNELS, code, "zh")


def _option(value: str) -> str:
    return f"“{pick(OPTIONS, value, 'zh')}”"


def _whole(text: str) -> str | None:
    for pattern, say in WHOLE:
        found = pattern.fullmatch(text)
        if found:
            return say(found)
    return None


def _part(text: str) -> str:
    whole = _whole(text)
    if whole is not None:
        return whole
    found = PART.fullmatch(text)
    if not found:
        return text
    where, what = found[1], found[2]
    if what == "Extra inputs are not permitted":  # a field of its own: name it as sent
        return f"“{where}”不是这类记录的字段"
    for pattern, say in FIELD:
        said = pattern.fullmatch(what)
        if said:
            return f"{_field(where)}{say(said)}"
    return text


def _field(where: str) -> str:
    """``callback_number`` → 回拨电话; ``attachments.0`` → 现场照片与材料第 1 项; ``body.x`` (a
    request's own field) → x's name; a field without a name → “x”."""
    name, *rest = where.split(".")
    if name in REQUEST and rest:
        name, *rest = rest
    if name in REQUEST:
        words = REQUEST[name]
    elif name in FORM_FIELDS:
        words = pick(FORM_FIELDS, name, "zh")
    elif f"policy_{name}" in WORDS:  # a centre's triage thresholds
        words = pick(WORDS, f"policy_{name}", "zh")
    else:
        words = f"“{name}”"
    for part in rest:
        words += f"第 {int(part) + 1} 项" if part.isdigit() else f"“{part}”"
    return words


REQUEST = {"body": "请求内容", "query": "查询参数", "path": "路径参数", "header": "请求头"}
