"""`gridgov export cases`: one row per case, each step's time, masked personal data, in
CSV, XLSX and Parquet with the same rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from gridgov.bootstrap import Platform

from ..factories import World
from .helpers import Driver


@pytest.fixture
def exported(platform: Platform, world: World) -> dict[str, Driver]:
    done = Driver(
        platform, world, title="路灯不亮", reporter_name="王小明", reporter_phone="13912345678"
    )
    done.to_closed()
    done.act("return_visit", "agent", {"satisfaction": "basically_satisfied"})
    fresh = Driver(platform, world, title="井盖缺失")
    return {"done": done, "fresh": fresh}


def test_each_case_is_one_row_with_its_steps_and_masked_reporter(
    exported: dict[str, Driver], cli
) -> None:
    run = cli("export", "cases", "--from", "2026-03-01", "--to", "2026-03-31")
    assert run.exit_code == 0, run.output
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(run.output.lstrip("\ufeff")))}
    assert set(rows) == {d.number for d in exported.values()}
    done = rows[exported["done"].number]
    steps = [
        done[c]
        for c in (
            "created_at",
            "accepted_at",
            "dispatched_at",
            "signed_at",
            "handled_at",
            "closed_at",
            "visited_at",
        )
    ]
    assert all(steps)
    assert steps == sorted(steps)  # each step after the one before
    assert done["created_at"] == "2026-03-02 09:00:00"  # local time, Asia/Shanghai
    assert done["handle_due"] > done["dispatched_at"]
    assert (done["status"], done["satisfaction"]) == ("closed", "basically_satisfied")
    assert (done["lead_unit"], done["category_code"]) == ("320724-cgj", "010101")
    assert done["reporter_phone"] == "139****5678"
    assert "13912345678" not in run.output
    fresh = rows[exported["fresh"].number]
    assert (fresh["status"], fresh["accepted_at"], fresh["closed_at"]) == ("submitted", "", "")
    empty = cli("export", "cases", "--from", "2026-04-01", "--to", "2026-04-30")
    assert empty.output.strip().count("\n") == 0  # the header alone


def test_the_three_formats_carry_the_same_rows(
    exported: dict[str, Driver], cli, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    xlsx, parquet = tmp_path / "cases.xlsx", tmp_path / "cases.parquet"
    assert cli("export", "cases", "--format", "xlsx", "--output", str(xlsx)).exit_code == 0
    assert cli("export", "cases", "--format", "parquet", "--output", str(parquet)).exit_code == 0
    sheet = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    table = pq.read_table(parquet).to_pylist()
    numbers = {d.number for d in exported.values()}
    assert {r[0] for r in sheet[1:]} == numbers
    assert {r["number"] for r in table} == numbers
    closed = next(r for r in table if r["number"] == exported["done"].number)
    assert closed["closed_at"] > closed["created_at"]
    assert closed["returns"] == 0
    assert closed["reporter_phone"] == "139****5678"
    bad = cli("export", "cases", "--format", "pdf")
    assert bad.exit_code == 2
    assert "csv, xlsx, parquet" in bad.output
    needs_file = cli("export", "cases", "--format", "xlsx")
    assert needs_file.exit_code == 2
