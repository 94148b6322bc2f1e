"""Shared fixtures: a real database per backend, schema made by the migrations.

SQLite always runs. PostgreSQL runs when ``GRIDGOV_TEST_DATABASE_URL`` names a server: each
test session creates its own databases there and drops them at the end, so parallel runs on
the shared server never see each other.

The migrations run once per session and backend, into a template; each test's database is a
copy of it (a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), which
``bootstrap(upgrade=True)`` then finds at the head revision. Migrating every test's database
cost 0.2 s on SQLite and 0.65 s on PostgreSQL; a copy costs 0.03 s and 0.3 s.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gridgov.bootstrap import Platform, bootstrap
from gridgov.config import Settings
from gridgov.store import migrate
from gridgov.store.engine import Database

from .factories import World, make_world

# No time limit on a property's examples: a slow example on a busy machine (two test workers
# and the database server on two cores) is not a failure; speed is measured in bench/.
hypothesis_settings.register_profile("gridgov", deadline=None)
hypothesis_settings.load_profile("gridgov")

PG_URL = os.environ.get("GRIDGOV_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Asia/Shanghai


class PgServer:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        self.template: str | None = None

    def _create(self, template: str | None = None) -> str:
        name = f"gridgov_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        self.created.append(name)
        return name

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def new_database(self) -> str:
        """A migrated, empty database of its own."""
        if self.template is None:
            name = self._create()
            db = Database(self.url_of(name))
            migrate.upgrade(db.engine)
            db.dispose()  # a template must have no connections when it is copied
            self.template = name
        return self.url_of(self._create(self.template))

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    if not PG_URL:
        yield None
        return
    server = PgServer(PG_URL)
    yield server
    server.drop_all()


@functools.cache
def _sqlite_template() -> Path:
    """The session's migrated SQLite database, made on first use."""
    folder = tempfile.mkdtemp(prefix="gridgov-template-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / "gridgov.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    db.dispose()
    return path


def _database_url(backend: str, tmp_path: Path, pg_server: PgServer | None) -> str:
    if backend == "sqlite":
        path = tmp_path / "gridgov.sqlite3"
        tmp_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), path)
        return f"sqlite:///{path}"
    if pg_server is None:
        pytest.skip("PostgreSQL tests need GRIDGOV_TEST_DATABASE_URL (set by .ci/run)")
    return pg_server.new_database()


def make_platform(backend: str, tmp_path: Path, pg_server: PgServer | None) -> Platform:
    settings = Settings(data_dir=tmp_path, database_url=_database_url(backend, tmp_path, pg_server))
    return bootstrap(settings, upgrade=True)


@pytest.fixture(params=BACKENDS)
def platform(
    request: pytest.FixtureRequest, tmp_path: Path, pg_server: PgServer | None
) -> Iterator[Platform]:
    """A freshly migrated, empty database on each backend."""
    p = make_platform(request.param, tmp_path, pg_server)
    yield p
    p.db.dispose()


@pytest.fixture
def world(platform: Platform) -> World:
    """The small standard world (regions, centres, units, catalogue, users) in ``platform``."""
    with platform.db.write() as session:
        return make_world(session, now=NOW)


@pytest.fixture(scope="module", params=BACKENDS)
def shared(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    pg_server: PgServer | None,
) -> Iterator[tuple[Platform, World]]:
    """One migrated database with the standard world, shared by a module's tests.

    For tests that only touch cases they create themselves (the big matrices).
    """
    p = make_platform(request.param, tmp_path_factory.mktemp("shared"), pg_server)
    with p.db.write() as session:
        world = make_world(session, now=NOW)
    yield p, world
    p.db.dispose()
