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
    "admin": ("系统管理", "Administration"),
    "reports": ("运行报告", "Reports"),
    "report_kind": ("类型", "Kind"),
    "daily": ("日报", "Daily"),
    "weekly": ("周报", "Weekly"),
    "monthly": ("月报", "Monthly"),
    "period": ("期间", "Period"),
    "made_at": ("生成", "Made"),
    "files": ("文件", "Files"),
    "make_report": ("立即生成", "Make it now"),
    "admin_index": ("概览", "Overview"),
    "admin_users": ("用户与角色", "Users and roles"),
    "admin_catalog": ("事项目录与时限", "Catalogue and time limits"),
    "admin_rules": ("派遣规则", "Routing rules"),
    "admin_calendar": ("节假日", "Holidays"),
    "admin_grids": ("区域与网格", "Regions and grids"),
    "regions": ("行政区划", "Regions"),
    "region_codes": (
        "区划代码（CSV：code,name,parent_code）",
        "Division codes (CSV: code,name,parent_code)",
    ),
    "region_boundaries": ("区划边界（GeoJSON，可选）", "Boundaries (GeoJSON, optional)"),
    "import_regions": ("校验并导入区划", "Check and import regions"),
    "display_name": ("姓名", "Name"),
    "roles": ("角色", "Roles"),
    "center": ("指挥中心", "Centre"),
    "active": ("启用", "Active"),
    "deactivate": ("停用", "Deactivate"),
    "activate": ("启用", "Activate"),
    "locked": ("已锁定", "Locked"),
    "reset_password": ("重置密码", "Reset password"),
    "create": ("新建", "Create"),
    "save": ("保存", "Save"),
    "policy": ("时限标准", "Time-limit policy"),
    "warning_ratio": ("预警比例", "Warning at"),
    "admissible": ("网格可自办", "Grid may handle"),
    "verification": ("需核查", "Verification"),
    "standard_codes": ("数字城管编码", "Standard codes"),
    "parent": ("上级事项", "Parent"),
    "code": ("编码", "Code"),
    "name": ("名称", "Name"),
    "level": ("层级", "Level"),
    "area": ("区域", "Area"),
    "assisting": ("协办单位", "Assisting units"),
    "note": ("备注", "Note"),
    "test_rule": ("试算派遣", "Test routing"),
    "add_rule": ("新增规则", "Add a rule"),
    "workday": ("工作日", "Working day"),
    "holiday": ("休息日", "Holiday"),
    "day": ("日期", "Day"),
    "year": ("年份", "Year"),
    "set_day": ("设置", "Set"),
    "geojson_file": ("GeoJSON 文件", "GeoJSON file"),
    "check_only": ("仅校验，不导入", "Check only, import nothing"),
    "repair": ("自动修复无效多边形", "Repair invalid polygons"),
    "import_grids": ("校验并导入", "Check and import"),
    "report": ("校验报告", "Validation report"),
    "features": ("要素数", "Features"),
    "imported": ("已导入", "Imported"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
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
    "to_visit": ("待回访", "To call back"),
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
    "region": ("区域", "Region"),
    "reveal": ("查看完整个人信息", "Show personal data"),
    "reveal_reason": ("查看理由（将记入办理过程）", "Why (kept in the timeline)"),
    "related": ("重复件与相似案件", "Duplicates and similar cases"),
    "duplicate_of": ("已并入", "Merged into"),
    "probable_duplicate": ("疑似重复", "Probable duplicate of"),
    "related_merged": ("并入本件", "Merged into this"),
    "return_visit_made": ("已回访", "Called back"),
    "visit_after_close": ("本件办结后回访", "Call back once this closes"),
    "related_similar": ("同网格同事项", "Same grid and item"),
    "bulk": ("批量操作", "Bulk action"),
    "bulk_text": ("意见/理由", "Text / reason"),
    "bulk_apply": ("对勾选案件执行", "Apply to ticked cases"),
    "bulk_done": ("已完成", "Done"),
    "bulk_failed": ("未执行", "Not done"),
    "checkins": ("网格员打卡（24小时）", "Grid worker check-ins (24 h)"),
    # dead letters: records the door refused
    "dead_letters": ("退件", "Dead letters"),
    "dead_letters_hint": (
        "各渠道送来但未能受理的记录，原样保存：更正后重放即成案件；个人信息已遮蔽，查看原文将留痕。",
        "Records a channel sent that could not become cases, kept as sent: replayed (corrected "
        "if need be) they become cases; personal data is masked, and each look at an original "
        "is recorded.",
    ),
    "dead_letters_none": ("没有待处理的退件。", "No dead letters wait."),
    "received_at": ("收到时间", "Received"),
    "attempts": ("尝试次数", "Attempts"),
    "letter_reason": ("未受理原因", "Why refused"),
    "replay": ("按原样重放", "Replay as sent"),
    "reveal_to_correct": ("查看原文并更正", "Show the original to correct it"),
    "reveal_letter_reason": ("查看理由（将留痕）", "Why (recorded)"),
    "corrected_record": ("更正后的记录（JSON）", "Corrected record (JSON)"),
    "replay_corrected": ("按更正重放", "Replay as corrected"),
    "discard": ("作废", "Discard"),
    "discard_confirm": ("作废后不再处理这条记录，确定？", "Discard this record for good?"),
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
    "hot_spots": ("热点网格（本月）", "Hot-spot grids (this month)"),
    "live_feed": ("最新诉求", "Newest cases"),
    "none": ("暂无", "None"),
    "live": ("实时连接", "Live"),
    "as_of": ("数据时间", "As of"),
    "screen_failed": ("数据刷新失败", "Could not refresh the figures"),
    # the grid worker's phone pages
    "m_app": ("网格员", "Grid worker"),
    "m_report": ("上报问题", "Report"),
    "m_tasks": ("我的任务", "My tasks"),
    "m_checkin": ("巡查打卡", "Check in"),
    "m_checkin_now": ("打卡", "Check in here"),
    "m_recent": ("最近打卡", "Recent check-ins"),
    "m_what": ("问题描述", "What is wrong"),
    "m_place": ("位置", "Where"),
    "m_locate": ("获取定位", "Use my location"),
    "m_address": ("地址", "Address"),
    "m_lon": ("经度", "Longitude"),
    "m_lat": ("纬度", "Latitude"),
    "m_self_handle": ("已就地处置", "I handled it on the spot"),
    "m_item": ("事项", "Item"),
    "m_result": ("处置结果", "What I did"),
    "m_outbox": ("上报记录", "Outbox"),
    "m_queued": ("待上传", "Waiting"),
    "m_sent": ("已上报", "Sent"),
    "m_offline": ("离线", "Offline"),
    "m_my_reports": ("我上报的在办案件", "My open reports"),
    "m_verdict": ("核查结论", "Verdict"),
    "m_pass": ("已整改到位", "Fixed"),
    "m_fail": ("未整改到位", "Not fixed"),
    "m_note": ("说明", "Note"),
}

ROLES = {
    "agent": ("话务员", "Hotline agent"),
    "dispatcher": ("派遣员", "Dispatcher"),
    "unit_handler": ("承办人", "Unit handler"),
    "grid_worker": ("网格员", "Grid worker"),
    "leader": ("领导", "Leader"),
    "admin": ("管理员", "Administrator"),
    "auditor": ("审计员", "Auditor"),
    "citizen": ("市民", "Citizen"),
    "system": ("系统", "System"),
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
    "follow_merge": ("随原件并入", "Moved with the case it joined"),
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


# what an event's payload says, in the order a reader wants it (the timeline's "why")
EVENT_FIELDS = (
    "reason", "note", "result", "text", "answer", "satisfaction", "lead_unit",
    "assisting_units", "verifier", "level", "into", "duplicate", "with", "merged_into",
    "from_center", "to_center",
)  # fmt: skip


def event_words(payload: object, lang: str = "zh") -> str:
    """One line of an event's payload: the reason, note, result, satisfaction, units …"""
    if not isinstance(payload, dict):
        return ""
    parts = []
    for key in EVENT_FIELDS:
        value = payload.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        if key == "satisfaction":
            value = pick(SATISFACTION, str(value), lang)
        parts.append(f"{pick(FIELD_NAMES, key, lang)}: {value}")
    return "; ".join(parts)


SATISFACTION = {
    "satisfied": ("满意", "satisfied"),
    "basically_satisfied": ("基本满意", "basically satisfied"),
    "dissatisfied": ("不满意", "dissatisfied"),
}
FIELD_NAMES = {
    "reason": ("理由", "reason"),
    "note": ("说明", "note"),
    "result": ("结果", "result"),
    "text": ("内容", "text"),
    "answer": ("答复", "answer"),
    "satisfaction": ("满意度", "satisfaction"),
    "lead_unit": ("主办", "lead unit"),
    "assisting_units": ("协办", "assisting"),
    "verifier": ("核查人", "verifier"),
    "level": ("督办级别", "level"),
    "into": ("并入", "into"),
    "duplicate": ("重复件", "duplicate"),
    "with": ("一并并入", "together with"),
    "merged_into": ("所并入工单", "merged into"),
    "from_center": ("自", "from"),
    "to_center": ("至", "to"),
}


def translator(lang: str) -> dict[str, object]:
    """What a template needs: ``t('key')``, ``status_name(s)``, ``action_name(a)``."""
    lang = lang if lang in LANGS else "zh"
    return {
        "lang": lang,
        "t": lambda key: pick(WORDS, key, lang),
        "status_name": lambda key: pick(STATUS, key, lang),
        "action_name": lambda key: pick(ACTIONS, key, lang),
        "satisfaction_name": lambda key: pick(SATISFACTION, key, lang),
        "event_words": lambda payload: event_words(payload, lang),
        "role_name": lambda key: pick(ROLES, key, lang),
    }
