"""The command line: audit verification of a tampered log, the case loop, the calendar."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from gridgov.bootstrap import Platform

from ..factories import World
from .helpers import Driver

SH = ZoneInfo("Asia/Shanghai")


def test_untouched_database_verifies(platform: Platform, world: World, cli) -> None:
    Driver(platform, world).to_closed()
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "1 cases, 7 events — OK" in result.output


def test_edited_payload_names_the_case_and_event(platform: Platform, world: World, cli) -> None:
    good, bad = Driver(platform, world), Driver(platform, world)
    good.to_closed()
    bad.to_closed()
    with platform.db.engine.begin() as conn:
        case_id = conn.execute(
            text('SELECT id FROM "case" WHERE number = :n'), {"n": bad.number}
        ).scalar_one()
        conn.execute(
            text("UPDATE case_event SET payload = :p WHERE case_id = :c AND seq = 5"),
            {"p": json.dumps({"result": "伪造的办理结果"}), "c": case_id},
        )
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"BROKEN case {bad.number} event 5" in result.output
    assert good.number not in result.output


def test_deleted_last_event_is_detected(platform: Platform, world: World, cli) -> None:
    d = Driver(platform, world)
    d.to_closed()
    with platform.db.engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM case_event WHERE seq = 7 AND case_id = "
                '(SELECT id FROM "case" WHERE number = :n)'
            ),
            {"n": d.number},
        )
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"BROKEN case {d.number} case anchor" in result.output


def test_cli_walks_the_loop_and_reports_errors(platform: Platform, world: World, cli) -> None:
    created = cli(
        "case",
        "create",
        "--as",
        "agent",
        "--channel",
        "hotline",
        "--title",
        "路灯不亮",
        "--region",
        "320724",
        "--json",
    )
    assert created.exit_code == 0, created.output
    number = json.loads(created.output)["number"]
    assert (
        cli(
            "case", "act", number, "accept", "--as", "dispatcher", "-p", "catalog_item=010101"
        ).exit_code
        == 0
    )
    denied = cli("case", "act", number, "dispatch", "--as", "leader", "-p", "lead_unit=320724-cgj")
    assert denied.exit_code == 4
    assert "Forbidden" in denied.output
    illegal = cli("case", "act", number, "sign", "--as", "dispatcher")
    assert illegal.exit_code == 5
    bad = cli("case", "act", number, "dispatch", "--as", "dispatcher", "--data", "{nope")
    assert bad.exit_code == 1
    assert "not JSON" in bad.output
    ok = cli(
        "case",
        "act",
        number,
        "dispatch",
        "--as",
        "dispatcher",
        "-p",
        "lead_unit=320724-cgj",
        "--json",
    )
    assert json.loads(ok.output)["status"] == "dispatched"
    shown = cli("case", "show", number, "--events", "--as", "handler", "--json")
    body = json.loads(shown.output)
    assert [e["action"] for e in body["events"]] == ["create", "accept", "dispatch"]
    assert "sign" in body["allowed_actions"]
    assert cli("case", "show", "nope").exit_code == 3
    swept = cli("sla", "sweep", "--now", "2030-01-01T00:00:00+08:00")
    assert "warnings=2 overdue=2" in swept.output


def test_local_holiday_set_by_an_admin_moves_due_times(
    platform: Platform, world: World, cli
) -> None:
    # Tuesday 3 March 2026 becomes a county holiday (e.g. a local flood-prevention day off).
    set_day = cli(
        "calendar", "set-day", "2026-03-03", "--holiday", "--name", "防汛调休", "--region", "320724"
    )
    assert set_day.exit_code == 0, set_day.output
    d = Driver(platform, world)
    d.act("accept", "dispatcher", {"catalog_item": "010101"}, after=timedelta(0))
    d.act("dispatch", "dispatcher", {"lead_unit": "320724-cgj"}, after=timedelta(0))
    due = next(x for x in d.read().deadlines if x.step.value == "handle").due_at
    # Mon 09:00 + 5 working days would be Mon 9 March; the local holiday pushes it a day.
    assert due.astimezone(SH).strftime("%Y-%m-%d %H:%M") == "2026-03-10 09:00"
    shown = cli("calendar", "show", "--year", "2026", "--region", "320724")
    assert "2026: statutory" in shown.output
    assert "local 2026-03-03 holiday [320724] 防汛调休" in shown.output
    assert "2027: fallback" in cli("calendar", "show", "--year", "2027").output
    assert cli("calendar", "set-day", "2026-02-30", "--holiday").exit_code == 2


def test_hot_topics_in_the_real_messages_name_the_known_places(cli) -> None:
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "messages"
    source = data / "messages_with_votes.csv"
    if not source.exists():
        pytest.skip("../shared/data is absent")
    run = cli("hot-topics", "--input", str(source), "--json")
    assert run.exit_code == 0, run.output
    import json

    found = json.loads(run.output)
    assert len(found) == 5
    places = [t["place"] for t in found]
    assert places[:2] == ["丽发新城", "伊景园滨河苑"]
    assert all(t["messages"] >= 2 and t["people"] >= 2 for t in found)
    assert [t["heat"] for t in found] == sorted((t["heat"] for t in found), reverse=True)


def test_hot_topics_refuse_a_file_they_cannot_read(cli, tmp_path) -> None:
    bad = tmp_path / "m.csv"
    bad.write_text("留言编号,留言主题,留言时间\n1,路灯不亮,昨天\n", encoding="utf-8")
    run = cli("hot-topics", "--input", str(bad))
    assert run.exit_code == 2
    assert "not a time" in run.output
    missing = cli("hot-topics", "--input", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2
