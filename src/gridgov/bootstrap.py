"""Composition root: settings → database → rules. CLI, server and tests all start here."""

from __future__ import annotations

from dataclasses import dataclass

from gridgov.cases.service import Rules
from gridgov.config import Settings, get_settings
from gridgov.intake.service import Triage
from gridgov.intake.suggest import Suggester
from gridgov.kit.errors import AppError
from gridgov.store import migrate
from gridgov.store.engine import Database


@dataclass
class Platform:
    settings: Settings
    db: Database
    rules: Rules
    triage: Triage


def bootstrap(settings: Settings | None = None, *, upgrade: bool = False) -> Platform:
    settings = settings or get_settings()
    db = Database(settings.url)
    if upgrade:
        migrate.upgrade(db.engine)
    return Platform(
        settings=settings,
        db=db,
        rules=Rules(office_hours=settings.office_hours),
        triage=Triage(Suggester(settings.classifier_path)),
    )


class SchemaOutdated(AppError):
    status_code = 503
    exit_code = 6


def require_schema(platform: Platform) -> None:
    """Fail clearly when the database has not been migrated to the code's schema."""
    current, head = migrate.current_revision(platform.db.engine), migrate.head_revision()
    if current != head:
        raise SchemaOutdated(
            f"database schema is at {current or 'nothing'}, code expects {head}; "
            "run `gridgov db upgrade`"
        )
