"""The console's words, Chinese by default and English on request (pure)."""

from __future__ import annotations

LANGS = ("zh", "en")

WORDS: dict[str, tuple[str, str]] = {
    "app": ("一网统管指挥中心", "gridgov command centre"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "queue": ("案件队列", "Case queue"),
    "case": ("案件", "Case"),
    "number": ("编号", "Number"),
    "title": ("标题", "Title"),
    "status": ("状态", "Status"),
    "channel": ("渠道", "Channel"),
    "colour": ("时限", "Time limit"),
    "lead_unit": ("承办单位", "Lead unit"),
    "created": ("登记时间", "Received"),
    "search": ("搜索", "Search"),
    "filter": ("筛选", "Filter"),
    "all": ("全部", "All"),
    "empty": ("没有符合条件的案件", "No cases match"),
    "timeline": ("办理过程", "Timeline"),
    "deadlines": ("时限", "Deadlines"),
    "actions": ("可执行操作", "Actions you may take"),
    "no_actions": ("当前没有您可执行的操作", "Nothing for you to do now"),
    "submit": ("提交", "Submit"),
    "reporter": ("诉求人", "Reporter"),
    "address": ("地址", "Address"),
    "grid": ("网格", "Grid"),
    "category": ("事项类别", "Category"),
    "explanation": ("自动分拨依据", "Why it was routed so"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "normal": ("正常", "On time"),
    "warning": ("预警", "Warning"),
    "overdue": ("超期", "Overdue"),
    "language": ("English", "中文"),
    "wrong_login": ("用户名或密码错误", "Wrong user name or password"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "description": ("诉求内容", "Description"),
    "actor": ("操作人", "By"),
    "at": ("时间", "At"),
    "due": ("应办结", "Due"),
    "supervised": ("督办", "Supervised"),
    "confirm": ("确定执行此操作？", "Really do this?"),
    "new_case": ("登记新诉求", "New case"),
    "map": ("地图", "Map"),
    "photos": ("现场照片与材料", "Photos and documents"),
    "work_lists": ("工作清单", "Work lists"),
    "to_sign": ("待签收", "To sign for"),
    "in_progress": ("办理中", "In progress"),
    "due_soon": ("即将超期", "Due soon"),
    "to_verify": ("待核查", "To verify"),
    "to_check": ("待审核", "To check"),
    "open_cases": ("在办案件", "Open cases"),
    # the big screen
    "screen": ("指挥大屏", "Big screen"),
    "received": ("受理量", "Received"),
    "closures": ("办结量", "Closed"),
    "closure_rate": ("办结率", "Closure rate"),
    "on_time_rate": ("按期办结率", "On-time rate"),
    "satisfaction_rate": ("满意率", "Satisfaction"),
    "overdue_open": ("超期在办", "Overdue now"),
    "period_today": ("今日", "Today"),
    "period_month": ("本月", "This month"),
    "period_last_30_days": ("近30天", "Last 30 days"),
    "trend": ("趋势", "Trend"),
    "top_categories": ("高发事项", "Top categories"),
    "unit_ranking": ("单位排名（本月）", "Unit ranking (this month)"),
    "dispatched_count": ("派遣", "Dispatched"),
    "return_rate": ("退件率", "Return rate"),
    "overdue_cases": ("超期案件", "Overdue cases"),
    "supervised_cases": ("督办案件", "Supervised cases"),
    "hot_spots": ("热点网格（近30天）", "Hot-spot grids (30 days)"),
    "live_feed": ("最新诉求", "Newest cases"),
    "none": ("暂无", "None"),
    "live": ("实时连接", "Live"),
    "as_of": ("数据时间", "As of"),
    "screen_failed": ("数据刷新失败", "Could not refresh the figures"),
}

STATUS = {
    "submitted": ("待受理", "Submitted"),
    "accepted": ("已受理", "Accepted"),
    "dispatched": ("已派遣", "Dispatched"),
    "in_progress": ("办理中", "In progress"),
    "handled": ("已办理", "Handled"),
    "verifying": ("核查中", "Verifying"),
    "closed": ("已办结", "Closed"),
    "rejected": ("不予受理", "Rejected"),
    "answered": ("已解答", "Answered"),
}

ACTIONS = {
    "accept": ("受理", "Accept"),
    "reject": ("不予受理", "Reject"),
    "merge_into": ("合并为重复件", "Merge as duplicate"),
    "answer_directly": ("直接答复", "Answer directly"),
    "self_handle": ("自行处置", "Handle on the spot"),
    "dispatch": ("派遣", "Dispatch"),
    "sign": ("签收", "Sign for it"),
    "return_": ("退回", "Return"),
    "request_extension": ("申请延期", "Ask for more time"),
    "approve_extension": ("同意延期", "Approve extension"),
    "deny_extension": ("不同意延期", "Deny extension"),
    "request_suspension": ("申请挂起", "Ask to suspend"),
    "approve_suspension": ("同意挂起", "Approve suspension"),
    "deny_suspension": ("不同意挂起", "Deny suspension"),
    "resume": ("恢复办理", "Resume"),
    "escalate": ("上报", "Escalate"),
    "contribute": ("协办意见", "Contribute"),
    "report_result": ("反馈办理结果", "Report the result"),
    "start_verify": ("发起核查", "Send to verify"),
    "verify_pass": ("核查通过", "Verified"),
    "verify_fail": ("核查不通过", "Not verified"),
    "close": ("办结", "Close"),
    "return_visit": ("回访", "Return visit"),
    "reopen": ("重新办理", "Reopen"),
    "supervise": ("督办", "Supervise"),
    "urge": ("催办", "Urge"),
    "instruct": ("批示", "Instruct"),
    "comment": ("备注", "Comment"),
    "create": ("登记", "Received"),
    "import": ("导入", "Imported"),
    "triage": ("智能分拨", "Triage"),
    "absorb_duplicate": ("并入重复件", "Duplicate merged in"),
    "reveal_personal_data": ("查看个人信息", "Personal data revealed"),
    "sla_warning": ("时限预警", "Time-limit warning"),
    "sla_overdue": ("超期", "Overdue"),
}

DESTRUCTIVE = frozenset({"reject", "merge_into", "return_", "close", "verify_fail", "escalate"})


def pick(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def translator(lang: str) -> dict[str, object]:
    """What a template needs: ``t('key')``, ``status_name(s)``, ``action_name(a)``."""
    lang = lang if lang in LANGS else "zh"
    return {
        "lang": lang,
        "t": lambda key: pick(WORDS, key, lang),
        "status_name": lambda key: pick(STATUS, key, lang),
        "action_name": lambda key: pick(ACTIONS, key, lang),
    }
