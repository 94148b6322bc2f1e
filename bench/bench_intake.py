"""Intake throughput: the one door end to end, and bulk import, each against a bare insert.

Measured on the generated demo county (726 grids, 13 centres, routing rules):
- ``door``: hotline records with coordinates and text (20 % carry a phone number) through
  ``intake.service.receive`` — validate, PII, locate, classify, create, duplicate check,
  route, auto accept/dispatch, events — one transaction per record, and in batches of 100
  (one transaction, a savepoint per record, as the offline-batch endpoint does);
- ``batch door``: ten times as many records through ``intake.batch.receive_batch``, 500 a
  transaction, after a warm-up batch: the median batch, and the rate sustained over all of
  them (each batch meets the open cases the earlier ones left, so later batches are slower);
- ``bulk``: a CSV export of N rows through ``bulk.run`` (read, check, write), then a
  second export of N other rows into the same database;
- baselines in the same run and database: a case row inserted bare, one transaction per row,
  for the doors; for the batch door also its own rows (cases, events, centre rows,
  assignments, clocks, protected texts) read back and inserted again under new ids, bare,
  500 cases a transaction; for bulk, the rows the import wrote, the same way, in one
  transaction — what the writes alone cost, through the same driver-level executemany (COPY
  on PostgreSQL) the doors use — and, as in the figures quoted before 2026-11-23's sixth
  session, a short synthetic case row alone.

Real messages come from ../shared/data/messages when present, else the demo titles.
Run: .venv/bin/python bench/bench_intake.py [--records N] [--bulk N] [--database-url URL]
[--batch-door-only] (only the batch door's 10 × N records: to compare versions of it, run with
``PYTHONPATH`` set to a worktree of the other version's ``src``)
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from gridgov.audit.chain import GENESIS
from gridgov.auth.actor import load_actor
from gridgov.bootstrap import bootstrap
from gridgov.cases.repository import reserve_case_ids
from gridgov.config import Settings
from gridgov.intake import batch, bulk, preview, service
from gridgov.sim.demo_data import CATALOG
from gridgov.sim.seed import seed_demo
from gridgov.store.fast import insert_many
from gridgov.store.models import (
    Case,
    CaseAssignment,
    CaseCenter,
    CaseDeadline,
    CaseEvent,
    CaseProtected,
    Center,
    Grid,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "messages"


# the export the bulk benches import: an id, a time, the text and a first-level category
EXPORT_MAPPING = {
    "channel": "web",
    "center": "320724",
    "region_code": "320724",
    "columns": {"external_id": "编号", "received_at": "时间", "text": "内容", "category": "分类"},
}


def export_csv(path: Path, prefix: str, texts: list[str], rng: random.Random) -> Path:
    """An old platform's export of ``texts``, a minute apart, ids ``prefix`` + row."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "时间", "内容", "分类"])
        for i, body in enumerate(texts):
            at = NOW - timedelta(minutes=i)
            category = rng.choice(["城乡建设", "环境保护"])
            w.writerow([f"{prefix}{i}", f"{at:%Y/%m/%d %H:%M:%S}", body, category])
    return path


def messages(n: int, rng: random.Random) -> list[str]:
    path = DATA / "labeled_train.csv"
    if path.exists():
        with path.open(encoding="utf-8") as f:
            texts = [r["text"][:300] for r in csv.DictReader(f)]
    else:
        texts = [
            t for _, _, l2 in CATALOG for _, _, leaves in l2 for lf in leaves for t in lf.titles
        ]
    return [rng.choice(texts) for _ in range(n)]


def platform_for(url: str | None, model: str | None = None):
    tmp = Path(tempfile.mkdtemp())
    if url:  # a fresh database on the server
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = f"gridgov_bench_{time.time_ns()}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        db_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    else:
        db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    settings = Settings(
        data_dir=tmp,
        database_url=db_url,
        classifier_model=Path(model) if model and Path(model).exists() else None,
    )
    return bootstrap(settings, upgrade=True)


def batch_door(p: Any, agent: Any, recs: list[dict], *, seconds: int) -> Any:
    """One batch of hotline records through the batch door, in its own transaction, at
    ``seconds`` past the bench's intake hour."""
    with p.db.write() as s:
        return batch.receive_batch(
            s,
            channel="hotline",
            records=recs,
            actor=agent,
            now=NOW + timedelta(hours=2, seconds=seconds),
            rules=p.rules,
            triage=p.triage,
        )


def batch_doors(
    p: Any, agent: Any, grids: list[tuple[float, float]], rng: random.Random, n: int
) -> tuple[list[float], float, dict[str, int], int]:
    """``n`` records through the batch door, 500 a batch, after a warm-up batch: each batch's
    rate, the rate sustained over all of them (every batch's cases over all their time: later
    batches meet the open cases the earlier ones left), the outcomes, and how many full
    collections the cyclic garbage collector ran meanwhile."""
    recs = records(n + 500, grids, rng, "fast")
    outcomes: dict[str, int] = {}
    rates, spent, full = [], 0.0, [0]

    def count(phase: str, info: dict[str, int]) -> None:
        full[0] += phase == "start" and info["generation"] == 2

    for start in range(0, len(recs), 500):
        if start == 500:
            gc.callbacks.append(count)
        t0 = time.perf_counter()
        got = batch_door(p, agent, recs[start : start + 500], seconds=start)
        if start:
            spent += time.perf_counter() - t0
            rates.append(500 / (time.perf_counter() - t0))
            for o in got:
                key = o.get("status") or o["outcome"]
                outcomes[key] = outcomes.get(key, 0) + 1
    gc.callbacks.remove(count)
    return rates, n / spent, outcomes, full[0]


def records(n: int, grids: list[tuple[float, float]], rng: random.Random, tag: str) -> list[dict]:
    texts = messages(n, rng)
    out = []
    for i, body in enumerate(texts):
        lon, lat = rng.choice(grids)
        if rng.random() < 0.2:
            body = f"{body}，联系电话13{rng.randint(100000000, 999999999)}"
        out.append(
            {
                "call_id": f"{tag}-{i}",
                "caller": "张先生",
                "callback_number": f"13{rng.randint(100000000, 999999999)}",
                "text": body,
                "lon": lon + rng.uniform(-0.0005, 0.0005),
                "lat": lat + rng.uniform(-0.0005, 0.0005),
            }
        )
    return out


def bare_rows(n: int, center_id: int, tag: str) -> list[dict]:
    return [
        {
            "number": f"bare-{tag}-{i}",
            "county_code": "320724",
            "center_id": center_id,
            "origin_center_id": center_id,
            "channel": "hotline",
            "external_id": f"bare-{tag}-{i}",
            "title": "路灯不亮",
            "description": "人民路路灯不亮一周了，请尽快处理。" * 5,
            "address": "",
            "region_code": "320724",
            "priority": "normal",
            "status": "submitted",
            "version": 1,
            "source_crs": "wgs84",
            "created_at": NOW,
            "updated_at": NOW,
            "event_count": 0,
            "last_hash": GENESIS,
        }
        for i in range(n)
    ]


def read_again(p: Any, where: Any) -> list[tuple[Any, list[dict]]]:
    """The rows of the cases ``where`` selects and of everything written with them (events,
    centre rows, assignments, clocks, protected texts), table by table, the cases first."""
    with p.db.read() as s:
        conn = s.connection()
        cases = [dict(r._mapping) for r in conn.execute(select(Case).where(where))]
        old = [c["id"] for c in cases]
        tables: list[tuple[Any, list[dict]]] = [(Case.__table__, cases)]
        for model in (CaseEvent, CaseCenter, CaseAssignment, CaseDeadline, CaseProtected):
            got = []
            for start in range(0, len(old), 900):
                of = model.case_id.in_(old[start : start + 900])
                got += [dict(r._mapping) for r in conn.execute(select(model).where(of))]
            if model is not CaseProtected:  # their own ids: the database's to give
                for row in got:
                    del row["id"]
            tables.append((model.__table__, got))
    return tables


def bare_again(p: Any, tables: list[tuple[Any, list[dict]]], *, per_transaction: int) -> float:
    """Insert the rows :func:`read_again` read once more, bare, under new case ids, through
    the driver-level executemany (COPY on PostgreSQL) the doors use, ``per_transaction``
    cases to a transaction: the seconds the inserts and commits take (the rows are readied
    before the clock starts). Columns empty in every row are left out, as the doors leave
    them out."""
    cases = tables[0][1]
    with p.db.write() as s:  # nothing else writes meanwhile: these ids stay free
        new = dict(zip((c["id"] for c in cases), reserve_case_ids(s, len(cases)), strict=True))
    by_case: dict[int, list[tuple[Any, dict]]] = {}
    for table, rows in tables[1:]:
        for row in rows:
            by_case.setdefault(row["case_id"], []).append((table, row))

    def present(rows: list[dict]) -> list[dict]:
        keep = [k for k in rows[0] if any(r[k] is not None for r in rows)]
        return [{k: r[k] for k in keep} for r in rows]

    ready = []
    for start in range(0, len(cases), per_transaction):
        grouped: dict[Any, list[dict]] = {table: [] for table, _ in tables}
        for c in cases[start : start + per_transaction]:
            for table, row in by_case.get(c["id"], ()):
                grouped[table].append({**row, "case_id": new[c["id"]]})
            grouped[Case.__table__].append(
                {
                    **c,
                    "id": new[c["id"]],
                    "number": f"{c['number']}b",
                    "external_id": f"{c['external_id']}b",
                }
            )
        ready.append({table: present(rows) for table, rows in grouped.items() if rows})

    t0 = time.perf_counter()
    for grouped in ready:
        with p.db.write() as s:
            conn = s.connection()
            memo: dict[str, dict[Any, Any]] = {}
            for table, rows in grouped.items():
                for at in range(0, len(rows), 2000):
                    insert_many(conn, table, rows[at : at + 2000], memo=memo)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--bulk", type=int, default=20000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--batch-door-only", action="store_true", help="only the batch door")
    ap.add_argument("--model", default="var/models/classifier.npz", help="classifier (if present)")
    args = ap.parse_args()
    rng = random.Random(7)
    p = platform_for(args.database_url, args.model)
    try:
        run(p, args, rng)
    finally:  # also after --batch-door-only or a failure
        dispose(p, args.database_url)


def dispose(p: Any, url: str | None) -> None:
    """Close the platform and drop the database :func:`platform_for` made on ``url``'s
    server (if it made one)."""
    p.db.dispose()
    if url:
        name = make_url(p.settings.url).database
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(p: Any, args: argparse.Namespace, rng: random.Random) -> None:
    backend = p.db.engine.dialect.name
    with p.db.write() as s:
        seed_demo(s, now=NOW, cases=0)
        grids = [(g.centroid_lon, g.centroid_lat) for g in s.scalars(select(Grid))]
        county = s.scalar(select(Center).where(Center.code == "320724"))
        center_id = county.id
        agent = load_actor(s, username="agent")
    model = p.triage.suggester.model()
    print(f"backend {backend}; classifier: {'model ' + model.version if model else 'keywords'}")
    if args.batch_door_only:  # for comparing versions of the batch door quickly
        n = args.records * 10
        rates, sustained, outcomes, full = batch_doors(p, agent, grids, rng, n)
        print(
            f"batch door, {n} records 500 a batch: median batch {statistics.median(rates):.0f}"
            f" cases/s, sustained {sustained:.0f} cases/s; {full} full collections; {outcomes}"
        )
        return

    # ---- the door, one transaction per record --------------------------------------------
    recs = records(args.records, grids, rng, "one")
    t0 = time.perf_counter()
    outcomes: dict[str, int] = {}
    for i, r in enumerate(recs):
        with p.db.write() as s:
            got = service.receive(
                s,
                channel="hotline",
                payload=r,
                actor=agent,
                now=NOW + timedelta(seconds=i),
                rules=p.rules,
                triage=p.triage,
            )
            status = got.case.status if got.case else "rejected"
            outcomes[status] = outcomes.get(status, 0) + 1
    door_one = args.records / (time.perf_counter() - t0)

    # ---- the preview (what the door would do, nothing kept), one record at a time ----------
    took = []
    for i, r in enumerate(records(min(args.records, 300), grids, rng, "preview")):
        t1 = time.perf_counter()
        with p.db.write() as s:
            preview.preview(
                s,
                channel="hotline",
                payload=r,
                actor=agent,
                now=NOW + timedelta(seconds=args.records + i),
                rules=p.rules,
                triage=p.triage,
            )
        took.append(time.perf_counter() - t1)
    preview_ms = statistics.median(took) * 1000

    # ---- the door, batches of 100, record by record in one transaction -----------------------
    recs = records(args.records, grids, rng, "batch")
    t0 = time.perf_counter()
    for start in range(0, len(recs), 100):
        with p.db.write() as s:
            for i, r in enumerate(recs[start : start + 100]):
                service.receive(
                    s,
                    channel="hotline",
                    payload=r,
                    actor=agent,
                    now=NOW + timedelta(hours=1, seconds=start + i),
                    rules=p.rules,
                    triage=p.triage,
                )
    door_batch = args.records / (time.perf_counter() - t0)

    # ---- the batch door: batches of 500 (after one warm-up batch: the grid index and the
    # duplicate weights are built once per process) --------------------------------------
    n_fast = args.records * 10
    rates, door_sustained, fast_outcomes, full = batch_doors(p, agent, grids, rng, n_fast)
    door_fast = statistics.median(rates)
    # the same rows again, bare, 500 cases to a transaction (the warm-up batch's left out)
    written = read_again(p, Case.external_id.like("fast-%"))
    written[0] = (written[0][0], [c for c in written[0][1] if int(c["external_id"][5:]) >= 500])
    door_bare = len(written[0][1]) / bare_again(p, written, per_transaction=500)

    # ---- baseline: the same number of bare case inserts, one transaction each -------------
    rows = bare_rows(args.records, center_id, "one")
    t0 = time.perf_counter()
    for row in rows:
        with p.db.write() as s:
            s.execute(insert(Case), [row])
    bare_one = args.records / (time.perf_counter() - t0)

    # ---- bulk import ---------------------------------------------------------------------
    tmp = Path(tempfile.mkdtemp())
    texts = messages(args.bulk, rng)

    def export(prefix: str) -> Path:
        return export_csv(tmp / f"{prefix}.csv", prefix, texts, rng)

    plan = bulk.Mapping.parse(EXPORT_MAPPING)

    def import_file(path: Path) -> tuple[bulk.Report, float, float]:
        """The import's rate, and its rate with whatever collection it left owing: it pauses
        the cyclic collector, so a full collection after it is timed against one just
        before it, and any difference is counted against the import (not against the bare
        insert that follows). The rows are freed by reference counting as it ends, so the
        two take the same time unless it left cycles behind."""
        gc.collect()
        t0 = time.perf_counter()
        gc.collect()  # a full collection with nothing of the import's: the process alone
        before = time.perf_counter() - t0
        t0 = time.perf_counter()
        with p.db.write() as s:  # what `gridgov intake import` and POST /intake/import run
            report = bulk.run(
                s,
                mapping=plan,
                path=path,
                suggester=p.triage.suggester,
                locate=p.triage.locator,
                dry_run=False,
                now=NOW,
                actor="import",
            )
        took = time.perf_counter() - t0
        t0 = time.perf_counter()
        gc.collect()
        owed = max(0.0, time.perf_counter() - t0 - before)
        return report, report.imported / took, report.imported / (took + owed)

    report, bulk_rate, bulk_with_gc = import_file(export("B"))
    # a second export into the same database, through the same pooled connection: its ids
    # are looked up among the first's cases (on PostgreSQL a lookup prepared by the first
    # once took 0.4 s per 900 ids here)
    second, second_rate, _ = import_file(export("C"))

    # the first file's rows (the second's ids begin with C)
    written = read_again(p, (Case.channel == plan.channel.value) & Case.external_id.like("B%"))
    bare_same = len(written[0][1]) / bare_again(p, written, per_transaction=len(written[0][1]))
    rows = bare_rows(args.bulk, center_id, "bulk")
    t0 = time.perf_counter()
    with p.db.write() as s:  # the same driver-level executemany the import uses
        for start in range(0, len(rows), 2000):
            insert_many(s.connection(), Case.__table__, rows[start : start + 2000])
    bare_bulk = args.bulk / (time.perf_counter() - t0)

    print(f"outcomes (one per transaction): {outcomes}")
    print(
        f"door, one record per transaction : {door_one:8.0f} cases/s "
        f"({door_one / bare_one:.3f}× bare insert per transaction, {bare_one:.0f}/s)"
    )
    print(
        f"preview, one record at a time    : {preview_ms:8.1f} ms median"
        f" ({preview_ms / (1000 / door_one):.2f}× a record through the door, one a transaction,"
        f" {1000 / door_one:.1f} ms; nothing kept)"
    )
    print(
        f"door, batches of 100             : {door_batch:8.0f} cases/s "
        f"({door_batch / bare_one:.3f}× bare insert per transaction)"
    )
    print(
        f"batch door, median of {len(rates)} × 500   : {door_fast:8.0f} cases/s "
        f"({door_fast / bare_one:.3f}× bare insert per transaction; outcomes {fast_outcomes})"
    )
    print(
        f"  its rows (cases, events, centre rows, assignments, clocks, protected texts) "
        f"inserted bare, 500 cases a transaction: {door_bare:.0f} cases/s "
        f"(the batch door {door_fast / door_bare:.3f}× that)"
    )
    print(
        f"batch door, sustained over {n_fast} : {door_sustained:8.0f} cases/s "
        f"({door_sustained / door_bare:.3f}× its rows bare; {full} full collections)"
    )
    print(
        f"bulk import ({report.imported} rows)      : {bulk_rate:8.0f} cases/s "
        f"({bulk_rate / bare_same:.3f}× a bare insert of the same rows, {bare_same:.0f}/s; "
        f"{bulk_with_gc:.0f}/s with what a full collection after it took beyond one before)"
    )
    print(
        f"  a second file of {second.imported} rows into the same database: "
        f"{second_rate:.0f} cases/s ({second_rate / bulk_rate:.2f}× the first)"
    )
    print(
        f"  (a short synthetic case row alone, bare: {bare_bulk:.0f}/s; "
        f"the import {bulk_rate / bare_bulk:.3f}× that)"
    )


if __name__ == "__main__":
    sys.exit(main())
