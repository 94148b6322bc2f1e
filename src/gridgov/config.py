"""One Settings object for the whole platform (environment prefix ``GRIDGOV_``)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from gridgov.auth.credentials import SessionTimeouts


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDGOV_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Where the SQLite file and attachments live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is a SQLite file under data_dir."
    )
    timezone: str = Field("Asia/Shanghai", description="Default time zone of command centres.")
    office_hours: str = Field(
        "08:30-12:00,13:30-17:30",
        description="Office hours on a working day, for limits counted in working hours/days.",
    )
    sla_sweep_seconds: float = Field(60, gt=0, description="How often the server runs the sweep.")
    attachment_max_bytes: int = Field(20 * 1024 * 1024, ge=1)
    attachment_types: str = Field(
        "image/jpeg,image/png,image/webp,application/pdf,video/mp4,audio/mpeg,audio/amr",
        description="Accepted upload content types, comma-separated.",
    )
    classifier_model: Path | None = Field(
        None, description="Trained catalogue classifier; default data_dir/models/classifier.npz."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    session_idle_minutes: float = Field(30, gt=0, description="Console sign-out after inactivity.")
    session_max_hours: float = Field(12, gt=0, description="Console session's absolute lifetime.")
    map_tiles_url: str = Field(
        "",
        description="Tile URL template for console maps (an intranet tile server); empty: "
        "grids on a plain background.",
    )
    live_poll_seconds: float = Field(1.0, gt=0, description="How often live streams look.")
    webhook_seconds: float = Field(5.0, gt=0, description="How often webhooks are sent.")
    police_110_url: str = Field(
        "",
        description="Where the 110 system takes its linked cases' status changes (POSTed as "
        "JSON, in order, at the webhook pace); empty: send them with `gridgov intake push`.",
    )
    report_seconds: float = Field(
        600.0, gt=0, description="How often the server looks for reports that are due."
    )
    rollup_seconds: float = Field(
        3.0, gt=0, description="How often the KPI rollups read the new events."
    )
    rollup_share: float = Field(
        0.15,
        gt=0,
        le=1,
        description="The most of the server's time the KPI rollup keeper takes while intake "
        "is busy (it waits longer between rounds after a long one).",
    )
    rate_limit_storage: str = Field(
        "memory://", description="Rate-limit counters: memory:// (one process) or redis://…"
    )
    rate_limit_login: str = Field("20/minute", description="Sign-in attempts per client address.")
    rate_limit_public_write: str = Field("30/minute", description="Open311 POSTs per address.")
    rate_limit_public_read: str = Field("600/minute", description="Open311 reads per address.")
    request_max_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Largest request body except file uploads."
    )
    cookie_secure: bool = Field(
        True, description="Send the session cookie over HTTPS only (browsers exempt localhost)."
    )

    @field_validator("police_110_url")
    @classmethod
    def _check_linkage_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) address")
        return value

    @field_validator("office_hours")
    @classmethod
    def _check_office_hours(cls, value: str) -> str:
        from gridgov.catalog.calendar import parse_office_hours

        parse_office_hours(value)
        return value

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gridgov.sqlite3').resolve()}"

    @property
    def session_timeouts(self) -> SessionTimeouts:
        from gridgov.auth.credentials import SessionTimeouts

        return SessionTimeouts(
            idle=timedelta(minutes=self.session_idle_minutes),
            absolute=timedelta(hours=self.session_max_hours),
        )

    @property
    def classifier_path(self) -> Path:
        return self.classifier_model or self.data_dir / "models" / "classifier.npz"

    @property
    def report_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def attachment_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def allowed_attachment_types(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.attachment_types.split(",") if t.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
