"""The console's words, Chinese by default and English on request (pure)."""

from __future__ import annotations

import re

from gridgov.intake import decision

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
    "everywhere": ("全域", "everywhere"),
    "admin_intake": ("受理与导入", "Intake and import"),
    "triage_thresholds": ("智能分拨阈值", "Triage thresholds"),
    "triage_thresholds_why": (
        "分类与定位的置信度都达到阈值时自动受理、派遣；疑似重复件在时间窗和半径内按相似度判定。",
        "A case is accepted and dispatched automatically when its category and place are at"
        " least this certain; probable duplicates are sought within the window and radius.",
    ),
    "policy_classify_threshold": ("分类置信度", "Category certainty"),
    "policy_locate_threshold": ("定位置信度", "Place certainty"),
    "policy_duplicate_threshold": ("重复相似度", "Duplicate score"),
    "policy_duplicate_window_hours": ("重复时间窗（小时）", "Duplicate window (hours)"),
    "policy_duplicate_radius_m": ("重复半径（米）", "Duplicate radius (m)"),
    "policy_auto_accept": ("自动受理", "Accept automatically"),
    "policy_auto_dispatch": ("自动派遣", "Dispatch automatically"),
    "change": ("修改", "Change"),
    "linkage": ("110联动回传", "Status back to 110"),
    "linkage_url": ("110接收地址", "110's address"),
    "linkage_by_cli": (
        "未设置（GRIDGOV_POLICE_110_URL）：用 gridgov intake push 发送",
        "not set (GRIDGOV_POLICE_110_URL): sent by gridgov intake push",
    ),
    "linkage_unsent": ("待回传", "Waiting to be sent"),
    "linkage_since": ("最早", "since"),
    "linkage_error": ("最近失败", "Last failure"),
    "import_cases": ("导入历史工单", "Import an old platform's cases"),
    "import_cases_why": (
        "上传原12345平台导出的CSV或XLSX文件和列映射（TOML或JSON）。默认只检查、不写入：先看报告，再取消勾选正式导入。",
        "Upload an export (CSV or XLSX) of the old 12345 platform and its column mapping (TOML"
        " or JSON). By default it only checks and writes nothing: read the report, then untick"
        " to import.",
    ),
    "import_file": ("导出文件", "Export file"),
    "import_batches": ("导入记录", "Imports"),
    "import_batches_why": (
        "每次正式导入（不含仅校验）：谁、何时、用哪个映射导入了哪个文件，结果如何。",
        "Every import written (not the checks): who imported which file when, with which"
        " mapping, and what came of it.",
    ),
    "no_imports": ("尚无导入。", "No imports yet."),
    "batch_no": ("批次", "Batch"),
    "batch_at": ("导入时间", "Imported at"),
    "batch_file": ("文件", "File"),
    "batch_actor": ("导入人", "By"),
    "batch_rows": ("行数", "Rows"),
    "batch_imported": ("已导入", "Imported"),
    "batch_on_file": ("已存在", "Already on file"),
    "batch_refused": ("退回", "Refused"),
    "batch_pending": ("条待处理", "still pending"),
    "batch_cases": ("查看本批次导入的案件", "The cases this import wrote"),
    "of_import_batch": ("导入批次", "Import batch"),
    "all_import_batches": ("不限导入批次", "Any import batch"),
    "batch_withdraw": ("撤销导入", "Withdraw"),
    "batch_withdraw_why": (
        "撤出本批次中无人办理过的案件（连同其办理过程与考核统计）；已办理、被其他案件引用或已外发的保留，"
        "并列出原因；本批次的退件作废。撤销后可用修正的映射重新导入。",
        "Takes out the cases of this import that no one has worked on (with their timelines and"
        " KPI counts); those worked on, referred to by another case or sent out stay, each with"
        " why; its refused rows are discarded. The file can then be imported again, corrected.",
    ),
    "batch_withdrawn": ("已撤销", "Withdrawn"),
    "batch_taken_out": ("撤出", "taken out"),
    "batch_kept": ("保留", "kept"),
    "withdraw_reason": ("撤销理由", "Reason"),
    "withdraw_check": ("仅检查，不撤销", "Check only, withdraw nothing"),
    "withdraw_confirm": (
        "撤出的案件将被删除，不可恢复。确定撤销？",
        "The cases taken out are deleted for good. Withdraw?",
    ),
    "import_mapping": ("列映射", "Column mapping"),
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
    "keywords": ("关键词", "Keywords"),
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
    "answer": ("答复意见", "Answer"),
    "actor": ("操作人", "By"),
    "at": ("时间", "At"),
    "due": ("应办结", "Due"),
    "supervised": ("督办", "Supervised"),
    "to_visit": ("待回访", "To call back"),
    "waiting": ("待办原因", "Waiting for"),
    "preview": ("智能辅助受理", "What the door would do"),
    "preview_hint": (
        "输入诉求内容后，这里显示建议分类、定位、疑似重复工单和派往单位。",
        "Type what was said: the suggested category, place, probable duplicate and unit show here.",
    ),
    "preview_refused": ("暂不能登记", "Cannot be registered yet"),
    "preview_on_file": ("已登记为", "Already registered as"),
    "preview_item": ("建议事项", "Suggested item"),
    "preview_no_item": ("未能确定，由派遣员判断", "Not certain: a dispatcher decides"),
    "preview_top": ("候选", "Candidates"),
    "preview_terms": ("依据", "Because of"),
    "preview_place": ("定位", "Place"),
    "preview_outcome": ("登记后", "Once registered"),
    "preview_title": ("列表标题", "Listed as"),
    "preview_use_title": ("填入标题栏修改", "Edit it in the title field"),
    "preview_personal": ("个人信息", "Personal data"),
    "preview_masked": ("单独保存，列表和导出中脱敏显示", "kept apart, masked in lists and exports"),
    "pii_phone": ("电话号码", "phone number"),
    "pii_id_number": ("身份证号", "ID number"),
    "pii_bank_card": ("银行卡号", "bank card number"),
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
    "merged_status": ("已并案（随原件办理）", "Merged (handled with the case it joined)"),
    "visit_after_close": ("本件办结后回访", "Call back once this closes"),
    "related_similar": ("同网格同事项", "Same grid and item"),
    "caller_cases": ("同一来电人", "Same caller"),
    "caller_count": ("其他诉求 {total} 件，办理中 {open} 件", "{total} other cases, {open} open"),
    "caller_none": ("此前没有来电记录", "No earlier cases"),
    "caller_all": ("查看全部", "All of them"),
    "of_caller": ("来电人诉求", "Cases of the caller of"),
    "all_callers": ("不限来电人", "Any caller"),
    "chase": ("记为催办", "Record as a chase"),
    "chase_why": (
        "来电人催问此件：记在此件上（催办），不另立新件",
        "The caller is chasing this case: record it there, not as a new case",
    ),
    "chase_said": ("来电催办：", "Chased by the caller: "),
    "bulk": ("批量操作", "Bulk action"),
    "bulk_text": ("意见/理由", "Text / reason"),
    "bulk_apply": ("对勾选案件执行", "Apply to ticked cases"),
    "bulk_done": ("已完成", "Done"),
    "bulk_failed": ("未执行", "Not done"),
    "bulk_accept": ("受理（未定类别的按建议事项）", "Accept (an unset category as suggested)"),
    "bulk_merge_into": ("合并至各自的疑似原件", "Merge each into its probable original"),
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
    "m_already": ("附近已有同类工单", "Already reported nearby"),
    "m_already_why": (
        "如是同一问题，可不必重复上报；仍要上报的，将由派遣员判断是否并案。",
        "If it is the same problem there is no need to report it again; if you do, a"
        " dispatcher decides whether to merge it.",
    ),
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
    "follow_reopen": ("随原件重办", "The case it joined was reopened"),
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
    "reopened", "dissatisfied", "from_center", "to_center", "placed_in", "grid_was",
    "closed_at", "batch",
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
        elif key == "note" and lang != "en":
            value = _system_note(str(value))
        elif key == "closed_at":  # an imported case's closing on the old platform, its own zone
            value = str(value)[:16].replace("T", " ")
        elif key == "batch":
            value = f"#{value}"
        parts.append(f"{pick(FIELD_NAMES, key, lang)}: {value}")
    return "; ".join(parts)


CHANNELS = {
    "hotline": ("12345热线", "12345 hotline"),
    "grid_app": ("网格员上报", "Grid worker"),
    "inspector": ("城管巡查", "City inspector"),
    "web": ("网上诉求", "Web"),
    "open311": ("Open311 接口", "Open311"),
    "sensor": ("物联感知", "Sensor"),
    "police_110": ("110 联动", "110 police linkage"),
    "leader": ("领导交办", "From a leader"),
    "superior": ("上级交办", "From above"),
    "letters": ("来信", "Letters"),
    "media": ("媒体曝光", "Media"),
}
LEVELS = {
    "*": ("各级", "any level"),
    "city": ("市级", "city"),
    "county": ("县级", "county"),
    "town": ("镇级", "town"),
    "village": ("村级", "village"),
}
STEPS = {
    "sign": ("签收", "sign for"),
    "handle": ("办理", "handle"),
    "verify": ("核查", "verify"),
    "visit": ("回访", "return visit"),
}
# the system's own notes on the steps triage takes, in Chinese; the notes people write, and
# every note in English, are shown as written
RULE = re.compile(re.escape(decision.DISPATCHED) + r"rule #(\d+) ")


def _system_note(note: str) -> str:
    if note == decision.ACCEPTED:
        return "自动受理"
    rule = RULE.match(note)
    return f"按派遣规则 #{rule.group(1)} 自动派遣" if rule else note


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
    "closed_at": ("办结时间", "closed"),
    "batch": ("导入批次", "import batch"),
    "satisfaction": ("满意度", "satisfaction"),
    "lead_unit": ("主办", "lead unit"),
    "assisting_units": ("协办", "assisting"),
    "verifier": ("核查人", "verifier"),
    "level": ("督办级别", "level"),
    "into": ("并入", "into"),
    "duplicate": ("重复件", "duplicate"),
    "with": ("一并并入", "together with"),
    "merged_into": ("所并入工单", "merged into"),
    "reopened": ("重办工单", "reopened"),
    "dissatisfied": ("不满意的并案诉求人", "dissatisfied merged reporters"),
    "from_center": ("自", "from"),
    "to_center": ("至", "to"),
    "placed_in": ("定位网格", "placed in grid"),
    "grid_was": ("原网格", "grid before"),
}


# an import's report (``POST /intake/import``), as the admin page shows it
IMPORT_REPORT = {
    "dry_run": ("仅校验", "Check only"),
    "rows": ("行数", "Rows"),
    "valid": ("可导入", "Valid"),
    "already_on_file": ("已在库中", "Already on file"),
    "duplicates_in_file": ("文件内重复", "Repeated in the file"),
    "personal_data_rows": ("含个人信息（已遮蔽）", "With personal data (masked)"),
    "imported": ("已导入", "Imported"),
    "dead_letters": ("转入异常件", "Kept as dead letters"),
    "batch": ("导入批次", "Import batch"),
    "first": ("最早", "Earliest"),
    "last": ("最晚", "Latest"),
    "categories": ("分类", "Categories"),
    "classified": ("智能分类定类", "Given an item by the classifier"),
    "placed": ("定位到网格", "Placed in a grid"),
    "unused_columns": ("未使用的列", "Columns not used"),
    "(unclassified)": ("未分类", "unclassified"),
    "statuses": ("状态", "States"),
    "to_queue": ("到案件队列查看导入待受理的工单", "See the imported cases in the queue"),
    "line": ("第{}行", "line {}"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}

# the fields of the forms made from the channels' and actions' input models
FORM_FIELDS = {
    "caller": ("来电人", "Caller"),
    "callback_number": ("回拨电话", "Callback number"),
    "title": ("标题", "Title"),
    "text": ("诉求内容", "What was said"),
    "catalog_item": ("事项分类", "Catalogue item"),
    "priority": ("紧急程度", "Priority"),
    "answer": ("直接答复（咨询类当场答复）", "Answered on the call"),
    "region_code": ("所属区划代码", "Region code"),
    "address": ("事发地址", "Address"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "crs": ("坐标系", "Coordinate system"),
    "grid_code": ("网格编码", "Grid code"),
    "note": ("说明", "Note"),
    "reason": ("理由", "Reason"),
    "into": ("并入工单编号", "Merge into case"),
    "result": ("办理结果", "Result"),
    "attachments": ("现场照片与材料", "Photos and documents"),
    "lead_unit": ("主办单位", "Lead unit"),
    "assisting_units": ("协办单位", "Assisting units"),
    "amount": ("延期时长", "Extension"),
    "unit": ("时长单位", "Unit of time"),
    "verifier": ("核查人（账号）", "Verifier (user name)"),
    "satisfaction": ("满意度", "Satisfaction"),
    "level": ("督办级别", "Supervision level"),
    # the other channels' record fields (named in the reasons a record is refused)
    "account_id": ("账号", "Account id"),
    "address_string": ("地址", "Address"),
    "alert_id": ("告警编号", "Alert id"),
    "attributes": ("附加属性", "Attributes"),
    "call_id": ("来电编号", "Call id"),
    "caller_phone": ("来电号码", "Caller's number"),
    "client_id": ("客户端编号", "Client id"),
    "contact_name": ("联系人", "Contact name"),
    "contact_phone": ("联系电话", "Contact phone"),
    "description": ("描述", "Description"),
    "device_id": ("设备编号", "Device id"),
    "email": ("电子邮箱", "Email"),
    "event_id": ("事件编号", "Event id"),
    "first_name": ("名", "First name"),
    "incident_no": ("警情编号", "Incident number"),
    "instruction": ("批示", "Instruction"),
    "issued_by": ("交办人", "Issued by"),
    "last_name": ("姓", "Last name"),
    "letter_no": ("来信编号", "Letter number"),
    "long": ("经度", "Longitude"),
    "media_url": ("图片链接", "Media URL"),
    "object_id": ("部件编号", "Object id"),
    "occurred_at": ("发生时间", "Occurred at"),
    "outlet": ("媒体", "Outlet"),
    "petitioner": ("来信人", "Petitioner"),
    "phone": ("电话", "Phone"),
    "published_at": ("发布时间", "Published at"),
    "reference": ("交办文号", "Reference"),
    "reported_at": ("上报时间", "Reported at"),
    "rule": ("告警规则", "Rule"),
    "self_handled": ("自行处置结果", "Handled on the spot"),
    "service_code": ("服务代码", "Service code"),
    "standard_code": ("标准编码", "Standard code"),
    "submission_id": ("提交编号", "Submission id"),
    "token": ("令牌", "Token"),
    "url": ("链接", "URL"),
}
OPTIONS = {
    "normal": ("一般", "normal"),
    "urgent": ("紧急", "urgent"),
    "emergency": ("特急", "emergency"),
    "wgs84": ("WGS-84（GPS）", "WGS-84 (GPS)"),
    "gcj02": ("GCJ-02（国测局）", "GCJ-02"),
    "bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    "working_hours": ("工作小时", "working hours"),
    "working_days": ("工作日", "working days"),
    "natural_hours": ("自然小时", "hours"),
    "natural_days": ("自然日", "days"),
    **SATISFACTION,
}


def translator(lang: str) -> dict[str, object]:
    """What a template needs: ``t('key')``, ``status_name(s)``, ``action_name(a)``."""
    lang = lang if lang in LANGS else "zh"
    return {
        "lang": lang,
        "t": lambda key: pick(WORDS, key, lang),
        "status_name": lambda key: pick(STATUS, key, lang),
        "status_names": {key: pick(STATUS, key, lang) for key in STATUS},  # for scripts
        "action_name": lambda key: pick(ACTIONS, key, lang),
        "satisfaction_name": lambda key: pick(SATISFACTION, key, lang),
        "field_name": lambda key: pick(FORM_FIELDS, key, lang),
        "option_name": lambda key: pick(OPTIONS, key, lang),
        "event_words": lambda payload: event_words(payload, lang),
        "role_name": lambda key: pick(ROLES, key, lang),
        "channel_name": lambda key: pick(CHANNELS, key, lang),
        "level_name": lambda key: pick(LEVELS, key, lang),
        "channel_names": {key: pick(CHANNELS, key, lang) for key in CHANNELS},  # for scripts
        "limit_words": lambda step, limit: limit_words(step, limit, lang),
    }


def limit_words(step: str, limit: str, lang: str) -> str:
    """A time limit as the case page lists it: "签收 · 2 工作小时", "sign for · 2 working hours"."""
    amount, _, unit = limit.partition(" ")
    return f"{pick(STEPS, step, lang)} · {amount} {pick(OPTIONS, unit, lang)}"
