"""The schema comes from migrations and matches the models; the demo seed is complete."""

from __future__ import annotations

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from gridgov.audit.service import verify_all
from gridgov.bootstrap import Platform
from gridgov.cases.workflow import Status
from gridgov.kit.clock import utc_now
from gridgov.sim.seed import is_seeded, seed_demo
from gridgov.store import migrate
from gridgov.store.models import Base, Case, CaseEvent
from gridgov.web import explain

from ..factories import World
from .helpers import Driver


def test_migrations_match_the_models_and_downgrade(platform: Platform) -> None:
    with platform.db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    assert migrate.current_revision(platform.db.engine) == migrate.head_revision()
    cfg = migrate.alembic_config()
    with platform.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "case" not in inspect(platform.db.engine).get_table_names()
    migrate.upgrade(platform.db.engine)
    assert "case_event" in inspect(platform.db.engine).get_table_names()


def test_demo_seed_covers_every_status_with_verified_histories(platform: Platform) -> None:
    with platform.db.write() as session:
        counts = seed_demo(session, now=utc_now())
    assert counts["cases"] == 41
    with platform.db.read() as session:
        assert is_seeded(session)
        statuses = set(session.scalars(select(Case.status).distinct()))
        assert statuses == {s.value for s in Status}
        assert session.scalar(select(func.count()).where(Case.suspended.is_(True))) >= 1
        assert session.scalar(select(func.count()).where(Case.escalation_count > 0)) >= 1
        assert session.scalar(select(func.count()).select_from(CaseEvent)) > 150
        overdue = session.scalar(select(func.count()).where(Case.sla_colour == "overdue"))
        assert overdue >= 1
        assert verify_all(session).ok
        # the calls still waiting came through the door: the queue says why each waits
        waiting = session.execute(
            select(Case.status, Case.triage).where(Case.status == "submitted")
        ).all()
        assert waiting
        assert all(explain.waiting(triage, status, "zh") for status, triage in waiting)
        # some people called more than once: their other cases show beside each other
        again = select(Case.caller_key).group_by(Case.caller_key).having(func.count() > 1)
        assert len(session.scalars(again.where(Case.caller_key.is_not(None))).all()) >= 3


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:
    from sqlalchemy import text

    from gridgov.bootstrap import bootstrap
    from gridgov.config import Settings

    p = bootstrap(Settings(data_dir=tmp_path), upgrade=True)
    assert (tmp_path / "gridgov.sqlite3").exists()
    with p.db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    p.db.dispose()


def test_json_documents_keep_chinese_as_text_not_escapes(platform: Platform, world: World) -> None:
    """An event's payload is stored as readable UTF-8 (on SQLite ``\\uXXXX`` escapes took
    three times the room), reads back the same, and its chain still verifies."""
    from sqlalchemy import String, cast

    Driver(platform, world, title="井盖丢失").act(
        "reject", "dispatcher", {"reason": "不属于本中心"}
    )
    with platform.db.read() as session:
        stored = session.execute(select(cast(CaseEvent.payload, String), CaseEvent.payload)).all()
        assert any("\u4e00" <= ch <= "\u9fff" for raw, _ in stored for ch in raw)
        assert not any("\\u" in raw for raw, _ in stored)
        assert all(json.loads(raw) == doc for raw, doc in stored)
        assert verify_all(session).ok
