"""Daily, weekly and monthly reports of a centre: HTML (with its charts as inline SVG), PDF
(WeasyPrint renders the same HTML) and XLSX (the tables), stored and listed.

A report holds the period's KPIs beside the previous period's, the daily trend, the top
categories and places, the hot topics among the period's cases, the cases overdue and under
supervision when it was made, and the unit ranking. The server makes yesterday's daily
report, last week's weekly and last month's monthly report for every centre once they are
due (:func:`due_reports`); anyone with the right can make one on demand.
"""

from __future__ import annotations

import hashlib
import html
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.analytics import cockpit, hot, kpi, service
from gridgov.analytics.service import By
from gridgov.auth.scope import region_subtree
from gridgov.kit.errors import ValidationFailed
from gridgov.store.models import Case, Center, Region, Report

KINDS = ("daily", "weekly", "monthly")
TITLES = {"daily": "日报", "weekly": "周报", "monthly": "月报"}
HEADLINE = (
    ("received", "受理量", "n"),
    ("closures", "办结量", "n"),
    ("closure_rate", "办结率", "%"),
    ("on_time_rate", "按期办结率", "%"),
    ("sign_on_time_rate", "按时签收率", "%"),
    ("satisfaction_rate", "满意率", "%"),
    ("return_rate", "退件率", "%"),
    ("rework_rate", "返工率", "%"),
    ("overdue_open", "超期在办", "n"),
)
TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
log = logging.getLogger(__name__)


def period(kind: str, day: date) -> tuple[date, date]:
    """The period of kind ``kind`` that contains ``day``."""
    if kind == "daily":
        return day, day
    if kind == "weekly":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if kind == "monthly":
        first = day.replace(day=1)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first, following - timedelta(days=1)
    raise ValidationFailed(f"kind {kind!r}: one of {', '.join(KINDS)}")


def previous(kind: str, first: date) -> tuple[date, date]:
    return period(kind, first - timedelta(days=1))


# ---- the content ---------------------------------------------------------------------------
def content(
    session: Session,
    *,
    center: Center,
    kind: str,
    first: date,
    last: date,
    office_hours: str,
    rollups: bool,
    now: datetime,
) -> dict[str, Any]:
    tz = ZoneInfo(center.timezone)
    before = previous(kind, first)
    source = service.Source(
        session,
        center=center,
        first=before[0],
        last=last,
        office_hours=office_hours,
        visible=None,
        rollups=rollups,
    )
    this = kpi.figures(source.tally(first, last)[0])
    that = kpi.figures(source.tally(*before)[0])
    days = source.per_day(first, last)
    trend = []
    for i in range((last - first).days + 1):
        day = (first + timedelta(days=i)).isoformat()
        counts = kpi.figures(days.get(day, kpi.Counts()))
        trend.append({"day": day, "received": counts["received"], "closures": counts["closures"]})
    in_region = Case.region_code.in_(region_subtree(center.region_code, "report_regions"))
    listed = cockpit.listed(session, center.region_code)
    return {
        "center": center.code,
        "center_name": center.name,
        "kind": kind,
        "title": f"{center.name}运行{TITLES[kind]}",
        "first": first.isoformat(),
        "last": last.isoformat(),
        "made_at": now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "headline": [
            {
                "key": key,
                "label": label,
                "format": fmt,
                "value": this[key],
                "previous": that[key],
            }
            for key, label, fmt in HEADLINE
        ],
        "trend": trend,
        "top_categories": cockpit.top_groups(session, source, (first, last), By.category),
        "top_places": cockpit.top_groups(session, source, (first, last), By.grid),
        "unit_ranking": cockpit.unit_ranking(session, source, (first, last)),
        "hot_topics": _hot(session, in_region, first, last, tz),
        "overdue": cockpit.open_cases(session, listed & cockpit.OVERDUE, tz),
        "supervised": cockpit.open_cases(session, listed & cockpit.SUPERVISED, tz),
    }


def _hot(
    session: Session, in_region: Any, first: date, last: date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    rows = session.execute(
        select(
            Case.number, Case.title, Case.description, Region.name, Case.created_at,
            Case.reporter_phone, Case.reporter_user_id,
        )
        .join(Region, Region.code == Case.region_code)
        .where(in_region, Case.created_at >= start, Case.created_at < end)
        .order_by(Case.id)
        .limit(20_000)
    ).all()  # fmt: skip
    messages = [
        hot.Message(
            id=number,
            at=created.astimezone(tz),
            subject=title,
            text=description,
            user=_who(phone, user),
            place=village,  # the same village or community
        )
        for number, title, description, village, created, phone, user in rows
    ]
    return [
        {
            "subject": t.subject,
            "place": t.place,
            "cases": t.reports,
            "people": t.people,
            "first": t.first.strftime("%m-%d"),
            "last": t.last.strftime("%m-%d"),
            "numbers": t.ids[:10],
        }
        for t in hot.topics(messages, top=5)
    ]


def _who(phone: str | None, user_id: int | None) -> str:
    """A reporter, without keeping who: a hash of the phone number, or the account."""
    if phone:
        return hashlib.sha256(phone.encode()).hexdigest()[:16]
    return f"user:{user_id}" if user_id else ""


# ---- rendering -----------------------------------------------------------------------------
def bars_svg(items: list[tuple[str, float]], *, width: int = 640, colour: str = "#2f6fdf") -> str:
    """A horizontal bar chart as inline SVG (PDF renderers run no script)."""
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    row, label_w = 22, 190
    height = row * len(items) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-size="12" font-family="Noto Sans CJK SC, sans-serif">']  # fmt: skip
    for i, (label, value) in enumerate(items):
        y = i * row + 4
        w = (width - label_w - 50) * value / top
        name = html.escape(label[:16])
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{name}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="16" fill="{colour}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}">{value:g}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def columns_svg(series: list[dict[str, Any]], *, width: int = 640, height: int = 160) -> str:
    """Received (blue) and closed (green) per day as paired columns."""
    if not series:
        return ""
    top = max(max(d["received"], d["closures"]) for d in series) or 1
    slot = (width - 40) / len(series)
    bar = max(1.0, slot / 2 - 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20}" '
             f'font-size="10" font-family="Noto Sans CJK SC, sans-serif">']  # fmt: skip
    for i, d in enumerate(series):
        x = 30 + i * slot
        for j, (key, colour) in enumerate((("received", "#2f6fdf"), ("closures", "#2e9d5b"))):
            h = height * d[key] / top
            parts.append(
                f'<rect x="{x + j * bar:.1f}" y="{height - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
        if len(series) <= 10 or i % max(1, len(series) // 10) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height + 14}">{d["day"][5:]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(doc: dict[str, Any]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(
        doc=doc,
        trend_svg=columns_svg(doc["trend"]) if len(doc["trend"]) > 1 else "",
        categories_svg=bars_svg([(c["name"], c["received"]) for c in doc["top_categories"]]),
    )


def render_pdf(page: str) -> tuple[bytes | None, str | None]:
    """The HTML as PDF, or why not (WeasyPrint needs the Pango library of the system)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        return None, f"PDF unavailable: {exc}"
    return HTML(string=page).write_pdf(), None


def render_xlsx(doc: dict[str, Any], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    sheet.append(["指标", "本期", "上期"])
    for item in doc["headline"]:
        sheet.append([item["label"], item["value"], item["previous"]])
    for title, rows, columns in (
        ("趋势", doc["trend"], ("day", "received", "closures")),
        ("高发事项", doc["top_categories"], ("name", "received")),
        ("高发网格", doc["top_places"], ("name", "received")),
        ("单位排名", doc["unit_ranking"], ("name", "dispatched", "on_time_rate", "return_rate")),
        ("热点问题", doc["hot_topics"], ("subject", "place", "cases", "people", "first", "last")),
        ("超期案件", doc["overdue"], ("number", "title", "unit", "created")),
        ("督办案件", doc["supervised"], ("number", "title", "supervised_level", "created")),
    ):
        page = book.create_sheet(title)
        page.append(list(columns))
        for row in rows:
            page.append([row.get(c) for c in columns])
    book.save(path)


# ---- making and keeping them ----------------------------------------------------------------
def make(
    session: Session,
    *,
    center_code: str,
    kind: str,
    day: date,
    directory: Path,
    office_hours: str,
    rollups: bool,
    now: datetime,
    made_by: str,
) -> Report:
    """Make (or make again) the report of ``kind`` for the period holding ``day``."""
    center = session.scalar(select(Center).where(Center.code == center_code))
    if center is None:
        raise ValidationFailed(f"no centre {center_code!r}")
    first, last = period(kind, day)
    doc = content(
        session,
        center=center,
        kind=kind,
        first=first,
        last=last,
        office_hours=office_hours,
        rollups=rollups,
        now=now,
    )
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"{center.code}-{kind}-{first.isoformat()}"
    page = render_html(doc)
    stem.with_suffix(".html").write_text(page, encoding="utf-8")
    render_xlsx(doc, stem.with_suffix(".xlsx"))
    pdf, why = render_pdf(page)
    if pdf is not None:
        stem.with_suffix(".pdf").write_bytes(pdf)
    report = session.scalar(
        select(Report).where(
            Report.center_id == center.id, Report.kind == kind, Report.first == first
        )
    )
    if report is None:
        report = Report(center_id=center.id, kind=kind, first=first)
        session.add(report)
    report.last, report.made_at, report.made_by = last, now, made_by
    report.stem = str(stem)
    report.has_pdf, report.note = pdf is not None, why or ""
    session.flush()
    return report


def due_reports(session: Session, *, now: datetime) -> list[tuple[str, str, date]]:
    """(centre, kind, a day of the period) for every finished period without its report:
    yesterday's daily, last week's weekly, last month's monthly."""
    out = []
    for center in session.scalars(select(Center).order_by(Center.code)):
        today = now.astimezone(ZoneInfo(center.timezone)).date()
        yesterday = today - timedelta(days=1)
        for kind in KINDS:
            first, last = period(kind, yesterday)
            if last >= today:
                continue
            exists = session.scalar(
                select(Report.id).where(
                    Report.center_id == center.id, Report.kind == kind, Report.first == first
                )
            )
            if exists is None:
                out.append((center.code, kind, first))
    return out


def make_due(db: Any, settings: Any, *, now: datetime) -> list[str]:
    """Make every report that is due (each in its own transaction); returns their names."""
    from gridgov.analytics import rollups

    with db.read() as session:
        due = due_reports(session, now=now)
    if not due:
        return []
    rollups.catch_up(db, timezone=settings.timezone, office_hours=settings.office_hours)
    made = []
    for center, kind, day in due:
        with db.write() as session:
            zone = session.scalar(select(Center.timezone).where(Center.code == center))
            make(
                session,
                center_code=center,
                kind=kind,
                day=day,
                directory=settings.report_dir,
                office_hours=settings.office_hours,
                rollups=zone is not None and rollups.answer_for(zone, settings),
                now=now,
                made_by="schedule",
            )
        made.append(f"{center} {kind} {day.isoformat()}")
    return made
