"""Withdrawing an import written by mistake: its untouched cases go (events, KPI facts and
all), the others stay with why, its letters are discarded, and the file imports again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from gridgov.analytics import rollups
from gridgov.api.app import create_app
from gridgov.audit.service import verify_all
from gridgov.bootstrap import Platform
from gridgov.cases import service as cases
from gridgov.store.models import Case, CaseEvent, DeadLetter, KpiCaseState

from ..conftest import NOW
from ..factories import STANDARD, World
from .helpers import Driver, auth
from .test_bulk_and_linkage import MAPPING, ROW_4_CORRECTED, ROWS, replay_letter, write_csv


def _options(platform: Platform) -> dict[str, str]:
    return {"timezone": platform.settings.timezone, "office_hours": platform.settings.office_hours}


def _import(client: TestClient, path: Path, headers: dict[str, str]) -> dict[str, Any]:
    with path.open("rb") as fh:
        answer = client.post(
            "/api/v1/intake/import",
            files={"file": ("export.csv", fh, "text/csv")},
            data={"mapping": json.dumps(MAPPING, ensure_ascii=False), "dry_run": "false"},
            headers=headers,
        )
    assert answer.status_code == 200, answer.text
    return answer.json()


def work_on(platform: Platform, world: World, number: str) -> None:
    """A dispatcher accepts the case: it has been worked on, so a withdrawal keeps it."""
    with platform.db.write() as session:
        cases.act(
            session,
            number=number,
            action="accept",
            actor=world.actor(session, "dispatcher"),
            payload={"catalog_item": STANDARD},
            now=NOW,
            rules=platform.rules,
        )


def _numbers(platform: Platform) -> dict[str, str]:
    """The cases on file by their external id: id → number."""
    with platform.db.read() as session:
        return {
            ext: number for ext, number in session.execute(select(Case.external_id, Case.number))
        }


def test_withdrawing_an_import_takes_out_what_no_one_touched_and_keeps_the_rest_with_why(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    options = _options(platform)
    path = write_csv(tmp_path / "x.csv", ROWS)
    admin = auth(platform, "admin")
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        batch = _import(client, path, admin)["batch"]  # rows 1, 2, 3 become cases
        on_file = _numbers(platform)
        with platform.db.write() as session:  # row 4's time, corrected, replayed into it
            letter = session.scalar(
                select(DeadLetter.id).where(DeadLetter.reason.startswith("bulk import line 5"))
            )
            got = replay_letter(platform, world, session, letter, ROW_4_CORRECTED)
            assert got.case is not None
            assert got.case.import_batch_id == batch
        work_on(platform, world, on_file["1"])  # a dispatcher works on row 1's case
        # a case of the door's own that repeats row 2's (as intake flags one)
        repeat = Driver(platform, world, title="摊贩又来了")
        with platform.db.write() as session:
            session.execute(
                update(Case)
                .where(Case.number == repeat.number)
                .values(
                    probable_duplicate_id=select(Case.id)
                    .where(Case.external_id == "2")
                    .scalar_subquery()
                )
            )
        rollups.catch_up(platform.db, **options)  # the imported cases are counted
        with platform.db.read() as session:
            counted = session.scalar(select(func.count()).select_from(KpiCaseState))
            events = session.scalar(select(func.count()).select_from(CaseEvent))

        url = f"/api/v1/intake/imports/{batch}/withdraw"
        zh = admin | {"Accept-Language": "zh-CN"}
        dry = client.post(url, json={"reason": "映射错了"}, headers=zh)
        assert dry.status_code == 200, dry.text
        answer = dry.json()
        assert answer["dry_run"] is True
        assert (answer["cases"], answer["withdrawn"], answer["kept_count"]) == (4, 2, 2)
        assert answer["kept"] == [
            {"case": on_file["1"], "why": "worked on"},
            {"case": on_file["2"], "why": "referred to"},
        ]
        assert answer["kept_why"] == {"worked on": 1, "referred to": 1}
        # the three refused rows still pending, and the letter replayed into a case that goes
        assert answer["letters_discarded"] == 4
        assert answer["message"].startswith(f"导入批次 #{batch} 检查：撤销将撤出 2 件，保留 2 件")
        assert len(_numbers(platform)) == 5  # a dry run writes nothing

        done = client.post(url, json={"reason": "映射错了", "dry_run": False}, headers=admin)
        assert done.status_code == 200, done.text
        assert (done.json()["withdrawn"], done.json()["by"]) == (2, "admin")
        left = _numbers(platform)
        assert set(left) == {"1", "2", None}  # row 3's and the replayed row 4's cases went
        for gone in (on_file["3"], got.case.number):
            assert client.get(f"/api/v1/cases/{gone}", headers=admin).status_code == 404
        with platform.db.read() as session:
            assert session.scalar(select(func.count()).select_from(CaseEvent)) == events - 2
            # their facts came out of the rollups: those kept agree with the events
            assert rollups.differences(session, **options) == []
            assert session.scalar(select(func.count()).select_from(KpiCaseState)) == counted - 2
            letters = session.execute(select(DeadLetter.state, DeadLetter.case_id)).all()
            assert sorted(letters, key=str) == [("discarded", None)] * 4
            assert verify_all(session).ok

        again = client.post(url, json={"reason": "再撤一次", "dry_run": False}, headers=admin)
        assert again.status_code == 409
        assert "withdrawn already" in again.json()["detail"]
        detail = client.get(f"/api/v1/intake/imports/{batch}", headers=admin).json()
        assert (detail["withdrawn_by"], detail["withdrawal"]["withdrawn"]) == ("admin", 2)
        assert detail["withdrawal"]["reason"] == "映射错了"

        # the file imports again: the rows that went are new cases, with new numbers
        second = _import(client, path, admin)
        # (rows 1 and 2 are on file still, and so is the row that repeats row 1's id)
        assert (second["imported"], second["already_on_file"]) == (1, 3)
        assert _numbers(platform)["3"] != on_file["3"]


def test_withdrawal_is_refused_without_a_reason_outside_scope_and_to_non_admins(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "x.csv", ROWS)
    admin = auth(platform, "admin")
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        batch = _import(client, path, admin)["batch"]
        url = f"/api/v1/intake/imports/{batch}/withdraw"
        blank = client.post(url, json={"reason": " ", "dry_run": False}, headers=admin)
        assert (blank.status_code, blank.json()["error"]) == (422, "ValidationFailed")
        missing = client.post("/api/v1/intake/imports/9999/withdraw", json={"reason": "错了"})
        assert missing.status_code == 401
        unknown = client.post(
            "/api/v1/intake/imports/9999/withdraw", json={"reason": "错了"}, headers=admin
        )
        assert unknown.status_code == 404
        denied = client.post(
            url, json={"reason": "错了", "dry_run": False}, headers=auth(platform, "dispatcher")
        )
        assert denied.status_code == 403
    assert len(_numbers(platform)) == 3  # nothing refused took anything out


def test_a_keeper_that_planned_before_a_withdrawal_does_not_count_its_cases_again(
    platform: Platform, world: World, tmp_path: Path, cli: Any
) -> None:
    """The rollups' keeper plans without a lock: a plan made before the withdrawal and
    carried out after it leaves the withdrawn cases uncounted."""
    options = _options(platform)
    path = write_csv(tmp_path / "x.csv", ROWS)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    rollups.catch_up(platform.db, **options)
    done = cli("intake", "import", str(path), "--mapping", str(mapping), "--json")
    batch = json.loads(done.output)["batch"]
    with platform.db.read() as session:
        work = rollups.plan(session, **options)
    assert len(work.redo) == 3
    dry = cli("intake", "withdraw", str(batch), "--reason", "wrong file", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith(f"import batch #{batch}: would take out 3 cases, kept 0")
    out = cli("intake", "withdraw", str(batch), "--reason", "wrong file", "--json")
    assert out.exit_code == 0, out.output
    assert (json.loads(out.output)["withdrawn"], json.loads(out.output)["by"]) == (3, "cli")
    with platform.db.write() as session:
        assert rollups.carry_out(session, work) == 0
    with platform.db.read() as session:
        assert session.scalar(select(func.count()).select_from(KpiCaseState)) == 0
        assert rollups.differences(session, **options) == []
    listed = cli("intake", "imports")
    assert "UTC by cli" in listed.output
    again = cli("intake", "withdraw", str(batch), "--reason", "wrong file")
    assert again.exit_code != 0
    assert "withdrawn already" in again.output


def test_cases_imported_before_they_named_their_batch_are_given_it_by_the_migration(
    platform: Platform, world: World, tmp_path: Path, cli: Any
) -> None:
    """Migration 0020 reads each imported case's batch off its import event (since 0019), so
    imports written before it can be withdrawn too."""
    from alembic import command

    from gridgov.store import migrate

    path = write_csv(tmp_path / "x.csv", ROWS)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    batch = json.loads(
        cli("intake", "import", str(path), "--mapping", str(mapping), "--json").output
    )
    cfg = migrate.alembic_config()
    with platform.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0019")
    migrate.upgrade(platform.db.engine)
    with platform.db.read() as session:
        named = session.scalars(select(Case.import_batch_id).order_by(Case.id)).all()
    assert named == [batch["batch"]] * 3
    out = cli("intake", "withdraw", str(batch["batch"]), "--reason", "old import", "--json")
    assert json.loads(out.output)["withdrawn"] == 3


def test_cases_that_go_together_may_name_one_another_whatever_the_order_of_deleting(
    platform: Platform, world: World, tmp_path: Path, cli: Any, monkeypatch: Any
) -> None:
    """A case that goes may name another that goes (as repeating it): what they name of one
    another is cleared before any is deleted, even when they are deleted apart."""
    from gridgov.intake import withdraw

    path = write_csv(tmp_path / "x.csv", ROWS)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    done = cli("intake", "import", str(path), "--mapping", str(mapping), "--json")
    batch = json.loads(done.output)["batch"]
    with platform.db.write() as session:  # the last case names the first
        first = select(Case.id).where(Case.external_id == "1").scalar_subquery()
        session.execute(
            update(Case).where(Case.external_id == "3").values(probable_duplicate_id=first)
        )
    monkeypatch.setattr(withdraw, "CHUNK", 1)  # one case deleted at a time, the first first
    with platform.db.write() as session:
        out = withdraw.withdraw(
            session,
            batch,
            reason="错了",
            now=NOW,
            actor=None,
            username="admin",
            dry_run=False,
            **_options(platform),
        )
    assert (out.withdrawn, out.kept_count) == (3, 0)
    assert _numbers(platform) == {}


def test_the_cases_an_import_wrote_are_listed_by_its_batch_before_and_after_a_withdrawal(
    platform: Platform, world: World, tmp_path: Path, cli: Any
) -> None:
    admin = auth(platform, "admin")
    dispatcher = auth(platform, "dispatcher")
    door = Driver(platform, world, title="路灯坏了")  # a case of the door's own
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        first = _import(client, write_csv(tmp_path / "a.csv", ROWS), admin)["batch"]
        other = [[f"9{row[0]}", *row[1:]] for row in ROWS[:3]]  # the same rows, other ids
        second = _import(client, write_csv(tmp_path / "b.csv", other), admin)["batch"]
        on_file = _numbers(platform)

        def listed(batch: Any, headers: dict[str, str] = dispatcher) -> Any:
            return client.get("/api/v1/cases", params={"import_batch": batch}, headers=headers)

        page = listed(first).json()
        assert page["total"] == 3
        assert {c["number"] for c in page["items"]} == {on_file[x] for x in ("1", "2", "3")}
        assert {c["number"] for c in listed(second).json()["items"]} == {
            on_file[x] for x in ("91", "92", "93")
        }
        case = client.get(f"/api/v1/cases/{on_file['2']}", headers=dispatcher).json()
        assert case["import_batch"] == first
        assert (
            client.get(f"/api/v1/cases/{door.number}", headers=dispatcher).json()["import_batch"]
            is None
        )
        unknown = listed(9999)
        assert unknown.status_code == 404
        assert unknown.json() == {"error": "NotFound", "detail": "no import batch 9999"}
        assert listed(0).status_code == 422
        assert listed("x").status_code == 422

        work_on(platform, world, on_file["1"])  # row 1's case is worked on, so it stays
        done = client.post(
            f"/api/v1/intake/imports/{first}/withdraw",
            json={"reason": "映射错了", "dry_run": False},
            headers=admin,
        )
        assert done.json()["withdrawn"] == 2
        assert [c["number"] for c in listed(first).json()["items"]] == [on_file["1"]]

    out = cli("case", "list", "--import-batch", str(second))
    assert out.exit_code == 0, out.output
    assert sorted(line.split()[0] for line in out.output.splitlines()[:-1]) == sorted(
        on_file[x] for x in ("91", "92", "93")
    )
    assert out.output.splitlines()[-1] == "3 of 3"
    missing = cli("case", "list", "--import-batch", "9999")
    assert missing.exit_code != 0
    assert "no import batch 9999" in missing.output
