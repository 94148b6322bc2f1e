"""Bulk import from an old platform's export, and the 110 linkage's outbox."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import threading
import time
import tomllib
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gridgov.analytics import facts
from gridgov.api.app import create_app
from gridgov.audit.service import verify_all
from gridgov.auth import credentials
from gridgov.auth.actor import load_actor
from gridgov.bootstrap import Platform
from gridgov.cases import repository as cases_repo
from gridgov.cases import service as cases
from gridgov.grids.coords import wgs84_to_gcj02
from gridgov.intake import bulk, linkage, personal, service
from gridgov.kit.errors import ValidationFailed
from gridgov.store import fast
from gridgov.store.models import Case, CaseProtected, Center, DeadLetter, Outbox
from gridgov.web import explain

from ..conftest import NOW
from ..factories import COUNTY, STANDARD, VILLAGE_A, World
from .helpers import GRID, LAT, LON, add_grid, auth, overlapping

RAW = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "messages"
HEADER = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"]
MAPPING = {
    "channel": "web",
    "center": COUNTY,
    "region_code": COUNTY,
    "columns": {
        "external_id": "留言编号",
        "reporter_name": "留言用户",
        "title": "留言主题",
        "received_at": "留言时间",
        "text": "留言详情",
        "category": "一级分类",
    },
    "categories": {"城建": "01"},
}
ROWS = [
    ["1", "A001", "路灯不亮", "2020/1/6 12:09:38", "\n\t\t人民路   路灯\n\t 不亮\t", "城乡建设"],
    ["2", "A002", "摊贩占道", "2019-12-30 8:05", "早餐摊占道，电话13812345678", "城建"],
    ["3", "A003", "噪音", "2018年7月17日 7:13", "夜间施工噪音", "城乡建设"],
    ["4", "A004", "时间坏了", "去年夏天", "内容", "城乡建设"],
    ["5", "A005", "没有这类", "2020/1/6 12:09:38", "内容内容", "外星事务"],
    ["1", "A001", "重复编号", "2020/1/6 12:09:38", "又一条", "城乡建设"],
    ["6", "A006", "空", "2020/1/6 12:09:38", "  ", "城乡建设"],
]


# ROWS' row 4 (refused: its time cannot be read) with a time that can
ROW_4_CORRECTED = dict(zip(HEADER, ROWS[3], strict=True)) | {"留言时间": "2019/7/1 8:00"}


def replay_letter(
    platform: Platform, world: World, session: Session, letter_id: int, payload: Any = None
) -> Any:
    """A dead letter replayed by a dispatcher, as kept or as ``payload`` corrects it."""
    return service.replay(
        session,
        letter_id=letter_id,
        actor=world.actor(session, "dispatcher"),
        now=NOW,
        rules=platform.rules,
        triage=platform.triage,
        payload=payload,
    )


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def run_import(p: Platform, path: Path, *, dry: bool, mapping: Any = None) -> bulk.Report:
    header, rows = bulk.read_table(path)
    plan = bulk.Mapping.parse(mapping or MAPPING)
    with p.db.write() as session:
        report, checked = bulk.check(
            session, mapping=plan, header=header, rows=rows, suggester=p.triage.suggester
        )
        if not dry:
            bulk.write(session, mapping=plan, report=report, rows=checked, now=NOW, actor="import")
        return report


def count(p: Platform, model: type) -> int:
    with p.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_import_started_twice_at_once_writes_each_row_once(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """The second import waits for the first (at SQLite's write lock, or at PostgreSQL's
    unique constraint, from where it checks again) and finds its rows on file."""
    path = write_csv(tmp_path / "x.csv", ROWS)

    def run(session: Any) -> bulk.Report:
        return bulk.run(
            session,
            mapping=bulk.Mapping.parse(MAPPING),
            path=path,
            suggester=platform.triage.suggester,
            dry_run=False,
            now=NOW,
            actor="import",
        )

    first, second = overlapping(platform, run, run)
    assert first.imported == 3
    assert not isinstance(second, Exception), repr(second)
    # the three cases' rows, and the repeated line of the first: its id is on file now
    assert (second.imported, second.already_on_file) == (0, 4)
    assert count(platform, Case) == 3
    # the rows rejected again are counted on their letters, not kept twice (the line that
    # repeated an id is on file now); a run given up at the constraint leaves no trace
    assert (first.dead_letters, second.dead_letters) == (4, 3)
    with platform.db.read() as session:
        attempts = sorted(session.scalars(select(DeadLetter.attempts)))
    assert attempts == [1, 2, 2, 2]


def test_dry_run_reports_every_row_and_writes_nothing(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    report = run_import(platform, write_csv(tmp_path / "x.csv", ROWS), dry=True)
    assert (report.rows, report.valid, report.duplicates_in_file) == (7, 3, 1)
    reasons = {r["line"]: r["reason"] for r in report.rejected}
    assert "cannot read the time '去年夏天'" in reasons[5]
    assert "category '外星事务' is not in the catalogue" in reasons[6]
    assert "appears twice" in reasons[7]
    assert "empty" in reasons[8]
    assert report.categories == {"01": 3}
    assert report.personal_data_rows == 1
    assert report.first.startswith("2018-07-17T07:13:00+08:00")
    assert count(platform, Case) == 0
    assert count(platform, DeadLetter) == 0


def test_import_writes_valid_rows_and_dead_letters_and_is_idempotent(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "x.csv", ROWS)
    report = run_import(platform, path, dry=False)
    assert (report.imported, report.dead_letters) == (3, 4)
    with platform.db.read() as session:
        rows = {c.external_id: c for c in session.scalars(select(Case))}
        assert rows["1"].description == "人民路路灯不亮"  # whitespace noise gone
        assert rows["1"].created_at.isoformat() == "2020-01-06T04:09:38+00:00"
        assert "13812345678" not in rows["2"].description
        protected = session.get(CaseProtected, rows["2"].id)
        assert protected.fields["description"] == "早餐摊占道，电话13812345678"
        assert len({c.number for c in rows.values()}) == 3
        assert verify_all(session).ok  # the import events are chained like any other
        read = cases.read(session, case=rows["3"], now=NOW, rules=platform.rules)
        assert read.catalog_item == "01"
    again = run_import(platform, path, dry=False)
    assert (again.imported, again.already_on_file) == (0, 4)
    assert count(platform, Case) == 3


def test_a_refused_row_is_replayed_as_the_import_reads_it_as_kept_or_corrected(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """A row's dead letter keeps the mapping it was read with: replayed as kept it is refused
    again for the same reason (its line said), corrected it becomes a case as the import
    writes one, and a row whose id is on file by now is refused as such."""
    run_import(platform, write_csv(tmp_path / "x.csv", ROWS), dry=False)
    with platform.db.read() as session:
        letters = {d.reason.split(":")[0]: d.id for d in session.scalars(select(DeadLetter))}
    bad_time, repeated = letters["bulk import line 5"], letters["bulk import line 7"]

    def replay(letter_id: int, cells: Any = None) -> Any:
        with platform.db.write() as session:
            got = replay_letter(platform, world, session, letter_id, cells)
            letter = session.get(DeadLetter, letter_id)
            number = got.case.number if got.case else None
            return number, letter.state, letter.attempts, letter.reason

    number, state, attempts, reason = replay(bad_time)
    assert (number, state, attempts) == (None, "pending", 2)
    assert reason == "bulk import line 5: cannot read the time '去年夏天'"
    _, state, _, reason = replay(bad_time, ["4", "A004"])  # not a row: refused, kept
    assert (state, reason) == (
        "pending",
        "bulk import line 5: a row of an export is an object: its columns and cells",
    )
    number, state, attempts, _ = replay(bad_time, ROW_4_CORRECTED)
    assert (state, attempts) == ("replayed", 4)
    with platform.db.read() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert (case.external_id, case.title, case.status) == ("4", "时间坏了", "submitted")
        assert case.created_at == datetime(2019, 7, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        event = cases_repo.events(session, case_id=case.id)[0]
        assert (event.action, event.payload["line"]) == ("import", 5)
        assert verify_all(session).ok
    # the repeated id's first row was imported: as kept, it is on file now
    number, state, _, reason = replay(repeated)
    assert (number, state) == (None, "pending")
    assert reason == "bulk import line 7: already on file"
    assert count(platform, Case) == 4


def test_an_export_without_ids_imported_twice_writes_each_message_once(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """An old platform that exports no ids: a message is known by its time, subject and
    words, so a second run (or an overlapping file) adds nothing, and a line repeated in
    the file is named as such."""
    mapping = {
        **MAPPING,
        "columns": {k: v for k, v in MAPPING["columns"].items() if k != "external_id"},
    }
    rows = [
        ROWS[0],
        ROWS[1],
        ROWS[2],
        ROWS[1],
        ["9", "A009", "噪音", ROWS[2][3], "夜间施工噪音!", "城乡建设"],
    ]
    path = write_csv(tmp_path / "x.csv", rows)
    first = run_import(platform, path, dry=False, mapping=mapping)
    assert (first.imported, first.duplicates_in_file) == (4, 1)
    assert first.rejected == [{"line": 5, "reason": "the same message as line 3"}]
    with platform.db.read() as session:
        ids = session.scalars(select(Case.external_id)).all()
    assert len(set(ids)) == 4
    assert all(i.startswith(bulk.CONTENT) for i in ids)
    fresh = ["10", "A010", "积水", "2020/1/6 12:09:38", "小区门口积水", "城乡建设"]
    overlapping = write_csv(tmp_path / "y.csv", [*rows[2:], fresh])  # three known, one new
    again = run_import(platform, overlapping, dry=False, mapping=mapping)
    assert (again.imported, again.already_on_file, again.rejected) == (1, 3, [])
    assert count(platform, Case) == 5


def test_xlsx_and_gb18030_exports_read_like_utf8_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS[:3]:
        sheet.append(row)
    book.save(tmp_path / "x.xlsx")
    header, rows = bulk.read_table(tmp_path / "x.xlsx")
    assert header == HEADER
    assert [r["留言编号"] for r in rows] == ["1", "2", "3"]
    (tmp_path / "g.csv").write_bytes(
        ("\n".join([",".join(HEADER), ",".join(ROWS[2])]) + "\n").encode("gb18030")
    )
    assert bulk.read_table(tmp_path / "g.csv")[1][0]["留言详情"] == "夜间施工噪音"


def test_ragged_csv_rows_read_as_a_spreadsheet_user_sees_them(tmp_path: Path) -> None:
    """Blank lines skipped, short rows padded with empty cells, cells beyond the header
    dropped, a quoted field keeping its line break and comma."""
    (tmp_path / "r.csv").write_text(
        " 编号 ,内容,分类\n"
        "1,路灯不亮,城乡建设\n"
        "\n"
        "2,噪音\n"
        '3,"夜间施工，\n很吵",环境保护,多余,又多余\n',
        encoding="utf-8",
    )
    header, rows = bulk.read_table(tmp_path / "r.csv")
    assert header == ["编号", "内容", "分类"]
    assert rows == [
        {"编号": "1", "内容": "路灯不亮", "分类": "城乡建设"},
        {"编号": "2", "内容": "噪音", "分类": ""},
        {"编号": "3", "内容": "夜间施工，\n很吵", "分类": "环境保护"},
    ]


def test_an_export_cut_short_inside_a_quoted_cell_is_refused_whole(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """An upload broken off in the middle of a message: the last row would otherwise go in
    with half its text and no category. The file is refused, naming the line, and nothing
    is written, dry run or not."""
    last = ["7", "A007", "积水", "2020/1/6 12:09:38", "小区门口积水\n一直没人管", "城乡建设"]
    whole = write_csv(tmp_path / "x.csv", [*ROWS, last]).read_bytes()
    cut = whole[: whole.rindex("一直".encode())]  # inside the last row's quoted text
    assert whole.count(b'"') % 2 == 0
    assert cut.count(b'"') % 2 == 1
    (tmp_path / "cut.csv").write_bytes(cut)
    with pytest.raises(ValidationFailed, match=r"cut.csv: line \d+: unexpected end of data"):
        run_import(platform, tmp_path / "cut.csv", dry=False)
    assert count(platform, Case) == count(platform, DeadLetter) == 0


def test_rows_written_column_by_column_read_back_as_the_orm_writes_them(
    platform: Platform,
) -> None:
    """store.fast.insert_columns (what bulk import writes with): same stored forms as the ORM
    (aware UTC times, JSON documents, Python-side defaults), and columns of unequal length
    refused before anything is written."""
    at = datetime(2026, 3, 2, 9, 30, 5, 120, tzinfo=ZoneInfo("Asia/Shanghai"))
    payload = {"行": 3, "text": "夜间施工", "nested": [1, None, {"a": 1.5}]}
    with platform.db.write() as s:
        s.add(
            DeadLetter(
                channel="web", external_id="orm", received_at=at, reason="r", payload=payload
            )
        )
        fast.insert_columns(
            s.connection(),
            DeadLetter.__table__,
            {
                "channel": ["web", "web"],
                "external_id": ["col-1", "col-2"],
                "received_at": [at, at],
                "reason": ["r", "r"],
                "payload": [payload, payload],
            },
        )
    with platform.db.read() as s:
        got = {d.external_id: d for d in s.scalars(select(DeadLetter))}
        assert set(got) == {"orm", "col-1", "col-2"}
        for key in ("col-1", "col-2"):
            assert got[key].received_at == at
            assert got[key].received_at.utcoffset() == timedelta(0)
            assert got[key].payload == payload
            assert (got[key].state, got[key].attempts) == ("pending", 1)  # the model's defaults
    with pytest.raises(ValueError, match="different lengths"), platform.db.write() as s:
        fast.insert_columns(
            s.connection(),
            DeadLetter.__table__,
            {"channel": ["web"], "external_id": ["x", "y"], "received_at": [at], "reason": ["r"]},
        )
    assert count(platform, DeadLetter) == 3


def test_a_long_key_list_finds_exactly_its_keys_however_often_it_is_asked(
    platform: Platform,
) -> None:
    """store.fast.one_of (the imports' and the batch door's lookup of ids on file): the rows
    whose key is listed, none for an empty list, the same answer on the tenth run of the
    same statement as on the first (PostgreSQL's driver prepares a statement after five)."""
    at = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    stored = [f"k-{i}" for i in range(0, 3000, 3)]
    with platform.db.write() as s:
        fast.insert_columns(
            s.connection(),
            DeadLetter.__table__,
            {
                "channel": ["web"] * len(stored),
                "external_id": stored,
                "received_at": [at] * len(stored),
                "reason": ["r"] * len(stored),
                "payload": [{}] * len(stored),
            },
        )
    asked = [f"k-{i}" for i in range(1000, 1900)]  # 900 keys, 300 of them stored
    dialect = platform.db.engine.dialect
    with platform.db.read() as s:
        for _ in range(10):
            found = set(
                s.scalars(
                    select(DeadLetter.external_id).where(
                        DeadLetter.channel == "web",
                        fast.one_of(DeadLetter.external_id, asked, dialect),
                    )
                )
            )
            assert found == set(asked) & set(stored)
            assert len(found) == 300
        none = select(DeadLetter.id).where(fast.one_of(DeadLetter.external_id, [], dialect))
        assert s.scalars(none).all() == []


def test_an_import_leaves_postgresql_the_statistics_the_next_import_looks_its_ids_up_by(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """A bulk load gathers the planner's statistics on the channel and external id (without
    them, PostgreSQL filtered every case of the channel against each chunk of ids, and each
    file of a new centre's history imported slower than the last), while it is large against
    what the table held; a dry run gathers none; SQLite keeps no statistics unless asked."""
    postgres = platform.db.engine.dialect.name == "postgresql"

    def analysed() -> set[str]:
        with platform.db.read() as s:
            asked = (  # SQLite's own statistics table exists only after an ANALYZE
                "SELECT attname FROM pg_stats WHERE tablename = 'case'"
                if postgres
                else "SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'"
            )
            return set(s.scalars(text(asked)))

    many = [[f"m{i}", "A", "路灯不亮", "2020/1/6 12:09:38", f"第{i}处路灯不亮", "城乡建设"]
            for i in range(200)]  # fmt: skip
    path = write_csv(tmp_path / "many.csv", many)
    assert run_import(platform, path, dry=True).valid == 200
    assert analysed() == set()
    assert run_import(platform, path, dry=False).imported == 200
    assert analysed() == ({"channel", "external_id"} if postgres else set())
    with platform.db.write() as s:  # 200 rows on file: 19 more are under a tenth, 20 are not
        table = Case.__table__
        assert fast.analyze_grown(s.connection(), table, ["channel"], added=19) is False
        assert fast.analyze_grown(s.connection(), table, ["channel"], added=20) is postgres


def test_files_imported_one_after_another_each_check_their_ids(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """A second and a third export into a database that already holds the first: each row
    of theirs is new, each of the first's on file (the lookup runs on a connection that has
    run it before, as a pooled one does)."""
    first = run_import(platform, write_csv(tmp_path / "a.csv", ROWS), dry=False)
    assert first.imported == 3
    for n, prefix in enumerate(("b", "c"), start=2):
        rows = [[f"{prefix}{r[0]}", *r[1:]] for r in ROWS]
        report = run_import(platform, write_csv(tmp_path / f"{prefix}.csv", rows), dry=False)
        assert (report.imported, report.already_on_file) == (3, 0)
        assert count(platform, Case) == 3 * n
    again = run_import(platform, write_csv(tmp_path / "a.csv", ROWS), dry=False)
    assert (again.imported, again.already_on_file) == (0, 4)


def test_bad_mapping_and_missing_columns_are_refused_up_front(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    with pytest.raises(ValidationFailed, match=r"columns\.text is required"):
        bulk.Mapping.parse({"center": COUNTY, "columns": {}})
    with pytest.raises(ValidationFailed, match=r"columns\.colour: not a field"):
        bulk.Mapping.parse({"center": COUNTY, "columns": {"text": "a", "colour": "b"}})
    # tables and lists of the wrong shape are said so, not a crash (HTTP 500 before)
    with pytest.raises(ValidationFailed, match=r"statuses must be a table"):
        bulk.Mapping.from_text('center = "1"\nstatuses = "x"\n[columns]\ntext = "a"', source="m")
    with pytest.raises(ValidationFailed, match=r"columns must be a table"):
        bulk.Mapping.from_text('center = "1"\ncolumns = 5', source="m")
    with pytest.raises(ValidationFailed, match=r"dates\.formats must be a list"):
        bulk.Mapping.parse({"center": "1", "columns": {"text": "a"}, "dates": {"formats": "%Y"}})
    plan = bulk.Mapping.parse({**MAPPING, "columns": {"text": "正文"}})
    with platform.db.read() as session, pytest.raises(ValidationFailed, match="正文"):
        bulk.check(
            session, mapping=plan, header=HEADER, rows=[], suggester=platform.triage.suggester
        )


def test_an_export_without_titles_gets_them_from_the_subject_and_never_half_an_id(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """Titles made from the text skip a letter's courtesies, and are cut from the masked
    text: an ID number across the cut used to leave its first digits readable."""
    mapping = {
        **MAPPING,
        "columns": {k: v for k, v in MAPPING["columns"].items() if k != "title"},
    }
    letter = "尊敬的领导：您好！感谢您百忙之中查看。小区门口垃圾堆积很多天了，没人清理。"
    id_across = (
        "小区门口垃圾堆积很多天了没人清理气味很大影响居民生活联系人身份证11010519491231002X请处理"
    )
    rows = [
        ["1", "A001", "", "2020/1/6 12:09:38", letter, "城乡建设"],
        ["2", "A002", "", "2020/1/6 12:10:38", id_across, "城乡建设"],
    ]
    report = run_import(platform, write_csv(tmp_path / "x.csv", rows), dry=False, mapping=mapping)
    assert report.imported == 2
    with platform.db.read() as session:
        got = session.execute(select(Case.external_id, Case.title, Case.description)).all()
    cases = {ext: (title, text) for ext, title, text in got}
    assert cases["1"][0] == "小区门口垃圾堆积很多天了，没人清理"
    # as masked everywhere: the region part of the number and its last four, no more
    title, text = cases["2"]
    assert title == text[:40]
    assert title.endswith("身份证110105**")


@pytest.mark.skipif(not (RAW / "labeled_sample_raw.csv").exists(), reason="../shared/data absent")
def test_the_real_raw_export_imports_with_the_example_mapping(
    platform: Platform, world: World
) -> None:
    header, rows = bulk.read_table(RAW / "labeled_sample_raw.csv")
    plan = bulk.Mapping.load(
        Path(__file__).resolve().parents[2] / "docs/examples/12345-mapping.toml"
    )
    catalog = {"城乡建设": "01"}
    plan = bulk.Mapping.parse(
        {**MAPPING, "columns": plan.columns, "unknown_category": "blank", "categories": catalog}
    )
    with platform.db.write() as session:
        report, _ = bulk.check(
            session, mapping=plan, header=header, rows=rows, suggester=platform.triage.suggester
        )
    assert report.rows == 495
    assert report.valid == 494  # one message number appears twice in the real export
    assert report.duplicates_in_file == 1
    assert report.first.startswith("2011")
    assert report.last.startswith("2020")


HISTORY_HEADER = ["编号", "时间", "内容", "办理状态", "答复时间", "答复意见"]
HISTORY = {
    "channel": "hotline",
    "center": COUNTY,
    "region_code": COUNTY,
    "columns": {
        "external_id": "编号",
        "received_at": "时间",
        "text": "内容",
        "status": "办理状态",
        "closed_at": "答复时间",
        "answer": "答复意见",
    },
    "statuses": {"已办结": "closed", "已答复": "answered", "待处理": "submitted"},
}


def test_history_imports_with_its_outcome_and_waits_for_no_one(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """An old platform's finished cases are written closed (or answered) at their closing
    time, with the answer masked on the import event; they owe no return visit and count as
    closed on the day they closed. A row still open waits like a new case."""
    path = tmp_path / "history.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HISTORY_HEADER)
        w.writerows(
            [
                ["H1", "2020/1/6 09:00", "人民路井盖丢失", "已办结", "2020/1/9 17:30",
                 "已补装井盖。如有疑问请联系13812345678"],
                ["H2", "2020/1/7 10:00", "咨询社保卡补办", "已答复", "2020/1/7 10:05",
                 "到社保大厅办理"],
                ["H3", "2020/1/8 11:00", "路灯不亮", "", "", ""],
                ["H4", "2020/1/8 12:00", "噪音扰民", "处理中", "", ""],
                ["H5", "2020/1/8 13:00", "垃圾未清运", "已办结", "", "已清运"],
                ["H6", "2020/1/8 14:00", "广告牌松动", "已办结", "2020/1/1 08:00", "已加固"],
            ]
        )  # fmt: skip
    plan = bulk.Mapping.parse(HISTORY)
    header, rows = bulk.read_table(path)
    with platform.db.write() as session:
        report, checked = bulk.check(
            session, mapping=plan, header=header, rows=rows, suggester=platform.triage.suggester
        )
        assert report.statuses == {"closed": 1, "answered": 1, "submitted": 1}
        reasons = {r["line"]: r["reason"] for r in report.rejected}
        assert reasons == {
            5: "status '处理中' is not mapped (map it in [statuses])",
            6: "a closed row needs its closing time",
            7: "closed at 2020/1/1 08:00 before it was received",
        }
        assert report.personal_data_rows == 1  # the phone number in the answer
        bulk.write(session, mapping=plan, report=report, rows=checked, now=NOW, actor="import")
    tz = ZoneInfo("Asia/Shanghai")
    with platform.db.read() as session:
        got = {c.external_id: c for c in session.scalars(select(Case))}
        assert {k: c.status for k, c in got.items()} == {
            "H1": "closed",
            "H2": "answered",
            "H3": "submitted",
        }
        closed = got["H1"]
        assert closed.closed_at == datetime(2020, 1, 9, 17, 30, tzinfo=tz)
        assert got["H2"].closed_at == datetime(2020, 1, 7, 10, 5, tzinfo=tz)
        assert got["H3"].closed_at is None
        # history owes no call back; the open row is not history
        owing = set(session.scalars(select(Case.external_id).where(cases.owing_visit())))
        assert owing == set()
        assert (closed.visited, got["H3"].visited) == (True, False)
        event = cases_repo.events(session, case_id=closed.id)[0]
        assert (event.action, event.from_status, event.to_status) == ("import", None, "closed")
        assert event.payload["answer"] == "已补装井盖。如有疑问请联系138****5678"
        assert session.get(CaseProtected, closed.id).fields == {
            "answer": "已补装井盖。如有疑问请联系13812345678"
        }
        # the closure counts on its own day, not on the day the call came in
        found = facts.replay(
            created_at=closed.created_at,
            events=[facts.Event(event.at, event.action, None, event.to_status, event.payload)],
            tz=tz,
            working_seconds=lambda a, b: 0.0,
        )
        assert [(f.kind, f.day) for f in found] == [
            (facts.Kind.closed, date(2020, 1, 9)),
            (facts.Kind.received, date(2020, 1, 6)),
        ]
        assert verify_all(session).ok  # the history's first links verify like any other
        number = closed.number
    assert count(platform, DeadLetter) == 3
    with platform.db.write() as session:  # the answer's original, like the text's: a reveal
        dispatcher = load_actor(session, username="dispatcher")
        shown = personal.reveal(session, number=number, actor=dispatcher, reason="核实", now=NOW)
    assert shown["answer"] == "已补装井盖。如有疑问请联系13812345678"


def test_imported_cases_wait_in_the_queue_as_imported_and_the_classifier_gives_items(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """With ``classify``, a row without a category gets the classifier's item when it is as
    sure as the centre's threshold, else only its suggestion (for the dispatcher's accept
    form); every open imported case waits under "imported", the unsure ones under
    "unsure_item" too, and history waits for no one."""
    path = tmp_path / "open.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow([*HISTORY_HEADER, "分类"])
        w.writerows(
            [
                ["O1", "2020/1/6 09:00", "菜市场门口占道经营严重", "", "", "", ""],
                ["O2", "2020/1/6 10:00", "楼上邻居半夜吵闹", "", "", "", ""],
                ["O3", "2020/1/6 11:00", "路灯坏了", "", "", "", "城乡建设"],
                ["O4", "2020/1/6 12:00", "占道经营的摊贩已清走", "已办结", "2020/1/7 09:00",
                 "已处理", ""],
            ]
        )  # fmt: skip
    with platform.db.write() as session:
        county = session.scalar(select(Center.id).where(Center.code == COUNTY))
        # the catalogue's keywords (no model here) are 0.5 sure: this centre takes that
        threshold = 0.5
        service.set_policy(session, center_id=county, changes={"classify_threshold": threshold})
        header, rows = bulk.read_table(path)
        mapping = {**HISTORY, "classify": True}
        mapping["columns"] = {**HISTORY["columns"], "category": "分类"}
        plan = bulk.Mapping.parse(mapping)
        report, checked = bulk.check(
            session, mapping=plan, header=header, rows=rows, suggester=platform.triage.suggester
        )
        said = {r.values["external_id"]: r.values["classification"] for r in checked if r.values}
        assert said["O3"] is None  # its category was given: the classifier is not asked
        assert said["O1"]["item"] == STANDARD  # 占道经营, by the catalogue's keywords
        sure = {k for k, c in said.items() if c and c["item"] and c["confidence"] >= threshold}
        assert sure == {"O1", "O4"}  # O2 names nothing the catalogue knows
        assert report.classified == 2
        assert report.categories == {STANDARD: 2, "01": 1, "(unclassified)": 1}
        bulk.write(session, mapping=plan, report=report, rows=checked, now=NOW, actor="import")
    with platform.db.read() as session:
        got = {c.external_id: c for c in session.scalars(select(Case))}
        dispatcher = load_actor(session, username="dispatcher")
        counts = cases.waiting_counts(session, actor=dispatcher)
        triage = {k: c.triage for k, c in got.items()}
        items = {k: c.catalog_item_id for k, c in got.items()}
        assert got["O4"].status == "closed"
    for key in ("O1", "O2"):  # the suggestion is kept, for the accept form
        assert triage[key]["classification"] == said[key]
        assert (items[key] is not None) == (key in sure)
    assert counts == {"imported": 3, "unsure_item": 1}  # O2's category is for a person
    assert triage["O3"]["outcome"] == {"key": "queue", "waits": ["imported"]}
    assert triage["O4"]["outcome"] == {"key": "history"}
    assert items["O4"] is not None  # history gets its item too: the statistics count it
    assert explain.waiting(triage["O4"], "closed", "zh") == []
    assert explain.waiting(triage["O3"], "submitted", "zh") == ["导入待受理"]
    # the Chinese explanation says what the import did, and nothing it did not do
    assert explain.triage_words(triage["O3"], "zh", {}) == "转派遣员处理：批量导入的工单"


def one_grid(platform: Platform) -> str:
    with platform.db.write() as session:
        add_grid(session)
    return GRID


def test_rows_with_coordinates_are_placed_in_their_grid_as_the_platform_kept_them(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """Amap's coordinates (GCJ-02, as many platforms keep them) are turned to WGS-84 and
    placed in the grid they lie in, whose region the case takes; a point in no grid keeps
    the mapping's region and waits to be placed."""
    lon, lat = LON, LAT
    grid = one_grid(platform)
    amap = [float(v) for v in wgs84_to_gcj02(lon, lat)]  # ~500 m off: outside the grid as is
    path = tmp_path / "points.csv"
    path.write_text(
        "编号,时间,内容,经度,纬度\n"
        f"P1,2020/1/6 09:00,井盖丢失,{amap[0]},{amap[1]}\n"
        "P2,2020/1/6 10:00,路灯不亮,118.0,33.0\n",
        encoding="utf-8",
    )
    mapping = {
        "channel": "hotline",
        "center": COUNTY,
        "region_code": COUNTY,
        "crs": "gcj02",
        "columns": {
            "external_id": "编号",
            "received_at": "时间",
            "text": "内容",
            "lon": "经度",
            "lat": "纬度",
        },
    }
    assert run_import(platform, path, dry=True, mapping=mapping).placed == 1  # said first
    run_import(platform, path, dry=False, mapping=mapping)
    with platform.db.read() as session:
        got = {c.external_id: c for c in session.scalars(select(Case))}
        placed, outside = got["P1"], got["P2"]
        assert (placed.grid_code, placed.region_code) == (grid, VILLAGE_A)
        assert (placed.source_crs, placed.source_lon, placed.source_lat) == ("gcj02", *amap)
        assert (round(placed.lon, 5), round(placed.lat, 5)) == (lon, lat)
        assert placed.triage["location"] == {
            "source": "coordinates",
            "confidence": 1.0,
            "grid": grid,
            "region": VILLAGE_A,
        }
        assert explain.triage_words(placed.triage, "zh", {}).startswith(f"坐标落在网格 {grid}")
        assert (outside.grid_code, outside.region_code) == (None, COUNTY)
        # a point in no grid waits for a person to place it, as at the door
        assert outside.triage["outcome"]["waits"] == ["imported", "unsure_place"]
        names = {COUNTY: "灌南县"}
        assert explain.triage_words(outside.triage, "zh", names).startswith(
            "坐标不在任何网格内，暂归灌南县（320724）（0.50）"
        )
    with pytest.raises(ValidationFailed, match="crs must be one of"):
        bulk.Mapping.parse({**mapping, "crs": "beijing54"})


def test_rows_with_only_an_address_are_placed_by_the_registry_when_the_mapping_asks(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """``locate_addresses``: an address on the registry puts the case in its grid; one the
    registry cannot place waits as unsure of its place, with its guess for the dispatcher."""
    import numpy as np

    from gridgov.addresses import service as addresses

    lon, lat = LON, LAT
    grid = one_grid(platform)
    with platform.db.write() as session:
        addresses.add_many(
            session,
            texts=["灌南县新安镇人民路2号", "灌南县新安镇人民路6号", "灌南县新安镇人民路10号"],
            lon=np.array([lon - 0.004, lon + 0.004, lon + 0.012]),
            lat=np.array([lat, lat, lat]),
            crs="wgs84",
            county_code=COUNTY,
            now=NOW,
        )
    path = tmp_path / "addresses.csv"
    path.write_text(
        "编号,时间,内容,地址\n"
        "A1,2020/1/6 09:00,井盖丢失,灌南县新安镇人民路2号\n"
        "A2,2020/1/6 10:00,路灯不亮,新安镇人民路8号\n"
        "A3,2020/1/6 11:00,垃圾满溢,\n",
        encoding="utf-8",
    )
    columns = {"external_id": "编号", "received_at": "时间", "text": "内容", "address": "地址"}
    mapping = {"center": COUNTY, "region_code": COUNTY, "columns": columns}
    assert run_import(platform, path, dry=True, mapping=mapping).placed == 0  # not asked
    report = run_import(platform, path, dry=False, mapping={**mapping, "locate_addresses": True})
    assert (report.imported, report.placed) == (3, 1)
    with platform.db.read() as session:
        got = {c.external_id: c for c in session.scalars(select(Case))}
        dispatcher = load_actor(session, username="dispatcher")
        counts = cases.waiting_counts(session, actor=dispatcher)
        on_registry, between, none = got["A1"], got["A2"], got["A3"]
        assert (on_registry.grid_code, on_registry.region_code) == (grid, VILLAGE_A)
        assert on_registry.triage["location"]["matched"] == "灌南县新安镇人民路2号"
        assert (between.grid_code, between.triage["location"]["guess"]) == (None, grid)
        assert between.triage["outcome"]["waits"] == ["imported", "unsure_place"]
        assert f"按门牌推算或在网格 {grid}" in explain.triage_words(between.triage, "zh", {})
        assert none.grid_code is None
    assert counts == {"imported": 3, "unsure_place": 1}


def test_a_history_mapping_that_cannot_say_when_cases_closed_is_refused(
    platform: Platform, world: World
) -> None:
    columns = {k: v for k, v in HISTORY["columns"].items() if k != "closed_at"}
    with pytest.raises(ValidationFailed, match=r"closed and answered rows need columns\.closed_at"):
        bulk.Mapping.parse({**HISTORY, "columns": columns})
    with pytest.raises(ValidationFailed, match=r"statuses\.已办结 must be one of"):
        bulk.Mapping.parse({**HISTORY, "statuses": {"已办结": "done"}})
    plain = {k: v for k, v in HISTORY["columns"].items() if k != "status"}
    with pytest.raises(ValidationFailed, match=r"\[statuses\] needs columns\.status"):
        bulk.Mapping.parse({**HISTORY, "columns": plain})


@pytest.mark.skipif(
    not (RAW / "messages_with_replies.csv").exists(), reason="../shared/data absent"
)
def test_the_real_answered_messages_import_closed_with_the_example_mapping(
    platform: Platform, world: World
) -> None:
    header, rows = bulk.read_table(RAW / "messages_with_replies.csv")
    example = Path(__file__).resolve().parents[2] / "docs/examples/12345-replies-mapping.toml"
    plan = bulk.Mapping.parse({**tomllib.loads(example.read_text("utf-8")), "center": COUNTY})
    with platform.db.write() as session:
        report, checked = bulk.check(
            session,
            mapping=plan,
            header=header,
            rows=rows[:300],
            suggester=platform.triage.suggester,
        )
        assert report.rows == 300
        assert report.statuses == {"closed": report.valid}
        assert report.valid >= 295, report.rejected[:3]
        bulk.write(session, mapping=plan, report=report, rows=checked, now=NOW, actor="import")
        closed = session.scalars(select(Case).where(Case.status == "closed")).all()
        assert len(closed) == report.valid
        assert all(c.closed_at >= c.created_at for c in closed)
        assert not session.scalars(select(Case.id).where(cases.owing_visit())).all()


# ---- 110 linkage ---------------------------------------------------------------------------
class Sink(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    fail = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Sink.fail:
            self.send_response(503)
        else:
            Sink.received.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sink() -> Any:
    Sink.received, Sink.fail = [], False
    server = HTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/updates"
    server.shutdown()


def test_110_cases_report_each_step_back_in_order(
    platform: Platform, world: World, sink: str
) -> None:
    with platform.db.write() as session:
        got = service.receive(
            session,
            channel="police_110",
            payload={"incident_no": "110-77", "text": "邻里纠纷噪音扰民", "region_code": COUNTY},
            actor=world.actor(session, "system"),
            now=NOW,
            rules=platform.rules,
            triage=platform.triage,
        )
        number = got.case.number
    with platform.db.write() as session:
        cases.act(
            session,
            number=number,
            action="accept",
            actor=world.actor(session, "dispatcher"),
            payload={"catalog_item": "010101"},
            now=NOW,
            rules=platform.rules,
        )
        cases.act(
            session,
            number=number,
            action="comment",
            actor=world.actor(session, "dispatcher"),
            payload={"text": "已联系"},
            now=NOW,
            rules=platform.rules,
        )
    assert count(platform, Outbox) == 2  # create, accept — a comment changes no status
    Sink.fail = True
    with platform.db.write() as session:
        failed = linkage.deliver(
            session, target="police_110", send=linkage.http_sender(sink), now=NOW
        )
    assert (failed.sent, failed.failed) == (0, 1)
    assert "HTTP 503" in failed.last_error
    Sink.fail = False
    with platform.db.write() as session:
        done = linkage.deliver(
            session, target="police_110", send=linkage.http_sender(sink), now=NOW
        )
    assert done.sent == 2
    assert [(m["status"], m["external_id"]) for m in Sink.received] == [
        ("submitted", "110-77"),
        ("accepted", "110-77"),
    ]
    with platform.db.write() as session:  # nothing is sent twice
        assert (
            linkage.deliver(
                session, target="police_110", send=linkage.http_sender(sink), now=NOW
            ).sent
            == 0
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020/1/6 12:09:38", "2020-01-06T12:09:38+08:00"),
        ("2019-12-30 8:05", "2019-12-30T08:05:00+08:00"),
        ("2018年7月17日 7:13", "2018-07-17T07:13:00+08:00"),
        ("2020.01.06", "2020-01-06T00:00:00+08:00"),
        ("20200106093000", "2020-01-06T09:30:00+08:00"),
        ("2020-01-06T01:30:00+00:00", "2020-01-06T01:30:00+00:00"),
    ],
)
def test_mixed_date_formats_of_real_exports(text: str, expected: str) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    assert bulk.parse_time(text, bulk.BUILTIN_FORMATS, tz).isoformat() == expected


@pytest.mark.parametrize("text", ["2020/2/30 10:00", "去年夏天", "2020/13/01"])
def test_impossible_dates_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read the time"):
        bulk.parse_time(text, bulk.BUILTIN_FORMATS, ZoneInfo("Asia/Shanghai"))


def test_import_over_http_is_a_dry_run_first_then_writes(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from gridgov.api.app import create_app

    from .helpers import auth

    path = write_csv(tmp_path / "x.csv", ROWS)
    admin = auth(platform, "admin")
    with TestClient(create_app(platform, run_sweeper=False)) as client:

        def post(**form: str):
            with path.open("rb") as fh:
                return client.post(
                    "/api/v1/intake/import",
                    files={"file": ("export.csv", fh, "text/csv")},
                    data={"mapping": json.dumps(MAPPING, ensure_ascii=False), **form},
                    headers=admin,
                )

        dry = post()
        assert dry.status_code == 200, dry.text
        assert (dry.json()["dry_run"], dry.json()["valid"], dry.json()["imported"]) == (True, 3, 0)
        assert count(platform, Case) == 0
        done = post(dry_run="false").json()
        assert (done["imported"], done["dead_letters"]) == (3, 4)
        assert count(platform, Case) == 3
        bad = client.post(
            "/api/v1/intake/import",
            files={"file": ("export.csv", b"a,b\n1,2\n", "text/csv")},
            data={"mapping": "center = "},
            headers=admin,
        )
        assert (bad.status_code, bad.json()["error"]) == (422, "ValidationFailed")
        other = client.post(
            "/api/v1/intake/import",
            files={"file": ("x.csv", b"a\n", "text/csv")},
            data={"mapping": "{}"},
            headers=auth(platform, "dispatcher"),
        )
        assert other.status_code == 403


def test_each_import_written_is_kept_as_a_batch_that_its_cases_and_letters_name(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    """Who imported which file with which mapping, and what came of it, is kept for each
    import written (not for a dry run); its cases' import events and its refused rows'
    letters name it, and a letter replayed writes its case into the letter's batch."""
    path = write_csv(tmp_path / "x.csv", ROWS)
    admin = auth(platform, "admin")
    with TestClient(create_app(platform, run_sweeper=False)) as client:

        def post(**form: str) -> dict[str, Any]:
            with path.open("rb") as fh:
                answer = client.post(
                    "/api/v1/intake/import",
                    files={"file": ("2019年12345导出.csv", fh, "text/csv")},
                    data={"mapping": json.dumps(MAPPING, ensure_ascii=False), **form},
                    headers=admin,
                )
            assert answer.status_code == 200, answer.text
            return answer.json()

        assert post()["batch"] is None  # a dry run is no batch
        assert client.get("/api/v1/intake/imports", headers=admin).json() == []
        first = post(dry_run="false")["batch"]
        second = post(dry_run="false")["batch"]  # the same file again: nothing new
        listed = client.get("/api/v1/intake/imports", headers=admin).json()
        assert [b["id"] for b in listed] == [second, first]  # newest first
        one = listed[1]
        assert (one["file_name"], one["actor"], one["center"], one["channel"]) == (
            "2019年12345导出.csv",
            "admin",
            COUNTY,
            "web",
        )
        assert (one["rows"], one["imported"], one["dead_letters"]) == (7, 3, 4)
        assert one["categories"] == {"01": 3}
        # the refused rows met again are the second import's letters now (with its mapping);
        # the repeated id's row is on file by then, and its letter stays the first's
        assert (one["pending_letters"], listed[0]["pending_letters"]) == (1, 3)
        assert (listed[0]["imported"], listed[0]["already_on_file"]) == (0, 4)
        detail = client.get(f"/api/v1/intake/imports/{first}", headers=admin).json()
        assert detail["mapping"] == MAPPING
        assert [r["line"] for r in detail["rejected"]] == [5, 6, 7, 8]
        assert client.get("/api/v1/intake/imports/99999", headers=admin).status_code == 404
        dispatcher = auth(platform, "dispatcher")
        assert client.get("/api/v1/intake/imports", headers=dispatcher).status_code == 403
    with platform.db.read() as session:
        for case in session.scalars(select(Case)):
            assert cases_repo.events(session, case_id=case.id)[0].payload["batch"] == first
        letters = list(session.scalars(select(DeadLetter)))
        assert sorted(d.import_batch_id for d in letters) == [first, second, second, second]
        bad_time = next(d.id for d in letters if d.reason.startswith("bulk import line 5"))
    with platform.db.write() as session:
        got = replay_letter(platform, world, session, bad_time, ROW_4_CORRECTED)
        assert got.case is not None
        event = cases_repo.events(session, case_id=got.case.id)[0]
        assert (event.payload["batch"], event.payload["line"]) == (second, 5)
        assert verify_all(session).ok


def test_the_command_line_imports_and_lists_what_it_imported(
    platform: Platform, world: World, tmp_path: Path, cli: Any
) -> None:
    path = write_csv(tmp_path / "old-platform.csv", ROWS)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    assert cli("intake", "imports").output.strip() == "no imports yet"
    dry = cli("intake", "import", str(path), "--mapping", str(mapping), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["batch"] is None
    done = cli("intake", "import", str(path), "--mapping", str(mapping), "--json")
    batch = json.loads(done.output)["batch"]
    listed = cli("intake", "imports")
    assert listed.exit_code == 0, listed.output
    assert f"#{batch} " in listed.output
    assert "old-platform.csv (import): 7 rows, 3 imported, 0 on file, 4 refused" in listed.output
    assert json.loads(cli("intake", "imports", "--json").output)[0]["pending_letters"] == 4


def test_the_server_sends_110_its_cases_steps_on_its_own_and_shows_what_waits(
    platform: Platform, world: World, sink: str
) -> None:
    """With GRIDGOV_POLICE_110_URL set the server pushes each status change as it happens;
    a refusing 110 keeps the changes waiting, in order, and the admin page says so."""
    settings = platform.settings.model_copy(
        update={
            "police_110_url": sink,
            "webhook_seconds": 0.05,
            "sla_sweep_seconds": 3600.0,
            "rollup_seconds": 3600.0,
            "report_seconds": 3600.0,
        }
    )
    server = dataclasses.replace(platform, settings=settings)
    with platform.db.write() as session:
        credentials.set_password(session, username="admin", password="Sesame-2026-open", now=NOW)

    def backlog() -> linkage.Backlog:
        with platform.db.read() as session:
            return linkage.backlog(session, target="police_110")

    def waiting_for(check: Any) -> None:  # the rounds run every 0.05 s; give them 20 s at most
        deadline = time.monotonic() + 20
        while not check():
            assert time.monotonic() < deadline, "the server's round never came"
            time.sleep(0.05)

    with TestClient(create_app(server), base_url="https://testserver") as client:
        r = client.post(
            "/api/v1/intake/police_110",
            json={"incident_no": "110-88", "text": "邻里纠纷噪音扰民", "region_code": COUNTY},
            headers=auth(platform, "system"),
        )
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        waiting_for(lambda: len(Sink.received) == 1)
        assert Sink.received[0]["status"] == "submitted"
        Sink.fail = True
        r = client.post(
            f"/api/v1/cases/{number}/actions/accept",
            json={"catalog_item": "010101"},
            headers=auth(platform, "dispatcher"),
        )
        assert r.status_code == 200, r.text
        waiting_for(lambda: backlog().attempts >= 2)
        client.post("/console/login", data={"username": "admin", "password": "Sesame-2026-open"})
        page = client.get("/console/admin/intake").text
        assert re.search(r'data-linkage="police_110-unsent">1 ', page), page
        assert "HTTP 503" in page
        Sink.fail = False
        waiting_for(lambda: len(Sink.received) == 2)
        assert Sink.received[1]["status"] == "accepted"
        waiting_for(lambda: backlog().unsent == 0)
        assert backlog().last_error is None
