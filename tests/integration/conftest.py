"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gridgov.bootstrap import Platform
from gridgov.cli import app
from gridgov.config import get_settings


@pytest.fixture
def cli(platform: Platform, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", platform.settings.url)
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(platform.settings.data_dir))
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()
