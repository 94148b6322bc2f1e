"""The big screen at city scale: ten million cases over a year, the cockpit read from its board.

Generates a city (10 counties, 100 towns, 1,500 villages, 15,000 grids, 60 units, 1,600
catalogue leaves) and ``--cases`` cases (default 10,000,000) over the year up to ``--today``.
Each case's life is drawn in arrays: acceptance or rejection, dispatch and signing, returns and
a second unit, extensions, handling time, deadline, verification and rework, closure,
reopening, the return visit, and overdue spans, with a city's skew (busy towns, frequent items,
quieter weekends, a slow tenth, a neglected hundredth). The bench writes the case rows and the
board rows the rollup keeper keeps for those lives — the same facts
(:mod:`gridgov.analytics.facts`) counted by :func:`gridgov.analytics.board.counted`, but
computed in arrays, because replaying 80 million events one case at a time would take hours —
into a fresh database, then times the full cockpit refresh of the city centre
(``cockpit.build`` with the rollups: today, this month and 30 days, trend, unit ranking, top
categories and grids, overdue / supervised / newest lists, map points).

The baseline, in the same run: DuckDB computing the same figures by scanning a raw table of
the same cases (one row per case with the days of its life). The two answers are compared.

Run:
  .venv/bin/python bench/bench_cockpit_10m.py [--cases 10000000] [--database-url URL]
The SQLite file goes to var/bench/ (about 8 GB at 10 million cases; --keep reuses it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time as clock
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from gridgov.analytics import board, cockpit, kpi
from gridgov.store import migrate
from gridgov.store.engine import Database
from gridgov.store.models import Case, KpiBoard

TODAY = date(2026, 11, 20)
DAYS = 365
CITY = "320600"
COUNTIES, TOWNS_PER, VILLAGES_PER, GRIDS_PER = 10, 10, 15, 10
UNITS_PER = 6
TOPS, MIDS, LEAVES = 20, 8, 10
CHANNELS = np.array(["hotline", "grid_app", "web", "inspector", "sensor", "police_110"])
CHANNEL_P = [0.55, 0.2, 0.1, 0.08, 0.04, 0.03]
NONE = -1
OUTCOMES = ["", "on_time", "late", "pending", "suspended", "pass", "fail", "satisfied", "not"]
OUTCOME = {name: i for i, name in enumerate(OUTCOMES)}


def county_code(c: int) -> str:
    return f"3206{81 + c:02d}"


def town_code(t: int) -> str:
    return f"{county_code(t // TOWNS_PER)}{t % TOWNS_PER + 1:03d}"


def village_code(v: int) -> str:
    return f"{town_code(v // VILLAGES_PER)}{v % VILLAGES_PER + 1:03d}"


def grid_code(g: int) -> str:
    return f"{village_code(g // GRIDS_PER)}G{g % GRIDS_PER + 1:02d}"


def unit_code(u: int) -> str:
    return f"{county_code(u // UNITS_PER)}-u{u % UNITS_PER + 1}"


def leaf_id(i: np.ndarray | int) -> Any:
    return 1 + TOPS + TOPS * MIDS + i


# ---- lives ---------------------------------------------------------------------------------
def lives(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Every case's life as day numbers (0 = a year before ``TODAY``; NONE: did not happen)."""
    rng = np.random.default_rng(seed)
    today = DAYS - 1
    weekday = np.array([(TODAY - timedelta(days=today - d)).weekday() for d in range(DAYS)])
    w = (1 + 0.3 * np.arange(DAYS) / DAYS) * np.where(weekday >= 5, 0.75, 1.0)
    day0 = np.sort(rng.choice(DAYS, n, p=w / w.sum()))
    hours = np.array(
        [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 8, 10, 11, 11, 10, 9, 8, 7, 6, 4, 2, 1]
    )
    minute = rng.choice(24, n, p=hours / hours.sum()) * 60 + rng.integers(0, 60, n)
    towns = COUNTIES * TOWNS_PER
    tw = 1 / np.sqrt(np.arange(1, towns + 1))
    town = rng.permutation(towns)[rng.choice(towns, n, p=tw / tw.sum())]
    county = town // TOWNS_PER
    village = town * VILLAGES_PER + rng.integers(0, VILLAGES_PER, n)
    grid = village * GRIDS_PER + rng.integers(0, GRIDS_PER, n)
    leaves = TOPS * MIDS * LEAVES
    iw = 1 / np.arange(1, leaves + 1)
    item = rng.permutation(leaves)[rng.choice(leaves, n, p=iw / iw.sum())]
    channel = rng.choice(len(CHANNELS), n, p=CHANNEL_P)
    up = np.array([0.3, 0.25, 0.15, 0.12, 0.1, 0.08])
    u1 = county * UNITS_PER + rng.choice(UNITS_PER, n, p=up)

    rejected = rng.random(n) < 0.04
    ok = ~rejected
    acc = np.where(ok, np.minimum(today, day0 + (rng.random(n) < 0.2)), NONE)
    d1_on_time = rng.random(n) < 0.97
    returned = ok & (rng.random(n) < 0.03) & (acc < today)
    u2 = np.where(returned, county * UNITS_PER + rng.integers(0, UNITS_PER, n), NONE)
    d2 = np.where(returned, acc + 1, NONE)
    d2_on_time = rng.random(n) < 0.97
    unit = np.where(returned, u2, u1)
    fd = np.where(returned, d2, acc)  # the final dispatch
    extended = ok & (rng.random(n) < 0.02) & (fd + 2 <= today)
    ext = np.where(extended, fd + 2, NONE)
    deadline = fd + 7 + 7 * extended
    minutes = np.clip(rng.lognormal(np.log(420), 0.9, n), 5, 9000).astype(np.int64)
    h1 = fd + np.ceil(minutes / 480 * 1.4).astype(np.int64) + rng.integers(0, 2, n)
    slow = rng.random(n) < 0.06
    h1 = h1 + np.where(slow, rng.integers(5, 15, n), 0)
    rework = ok & (rng.random(n) < 0.04)
    vf = np.where(rework, h1 + 1, NONE)
    h2 = np.where(rework, h1 + 2, NONE)
    minutes2 = np.maximum(5, minutes // 3)
    close1 = np.where(rework, h2, h1) + rng.integers(0, 2, n)
    neglected = ok & (day0 >= DAYS - 60) & (rng.random(n) < 0.01)
    closed1 = ok & ~neglected & (close1 <= today)
    reopen = closed1 & (rng.random(n) < 0.01) & (close1 + 5 <= today)
    close2 = np.where(reopen & (close1 + 8 <= today), close1 + 8, NONE)
    is_open = ok & ~(closed1 & (~reopen | (close2 != NONE)))
    last_close = np.where(close2 != NONE, close2, np.where(closed1, close1, NONE))
    visit = np.where(
        (last_close != NONE) & (rng.random(n) < 0.7) & (last_close + 1 <= today),
        last_close + 1,
        NONE,
    )
    satisfied = rng.random(n) < 0.94
    # the latest handling clock and how it ended
    due = np.where(reopen, close1 + 5 + 7, deadline)
    closed_by = np.where(reopen, close2, np.where(closed1, close1, NONE))
    suspended = is_open & (rng.random(n) < 0.05)
    outcome = np.full(n, OUTCOME["pending"])
    outcome[(closed_by != NONE) & (closed_by <= due)] = OUTCOME["on_time"]
    outcome[(closed_by != NONE) & (closed_by > due)] = OUTCOME["late"]
    opened = closed_by == NONE
    outcome[opened & suspended] = OUTCOME["suspended"]
    outcome[opened & ~suspended & (due < today)] = OUTCOME["late"]
    outcome[rejected] = NONE
    late = outcome == OUTCOME["late"]
    od_since = np.where(late, due + 1, NONE)
    od_until = np.where(late & (closed_by != NONE), closed_by, NONE)
    od_until[late & (closed_by != NONE) & (closed_by <= due + 1)] = NONE  # closed before marked
    od_since[late & (closed_by != NONE) & (closed_by <= due + 1)] = NONE
    supervised = is_open & (rng.random(n) < 0.02)
    return {
        "day0": day0,
        "minute": minute,
        "town": town,
        "county": county,
        "village": village,
        "grid": grid,
        "item": item,
        "channel": channel,
        "rejected": rejected,
        "acc": acc,
        "u1": u1,
        "d1_on_time": d1_on_time,
        "returned": returned,
        "u2": u2,
        "d2": d2,
        "d2_on_time": d2_on_time,
        "unit": unit,
        "ext": ext,
        "h1": np.where(ok & (h1 <= today), h1, NONE),
        "minutes": minutes,
        "vf": np.where(vf <= today, vf, NONE),
        "h2": np.where(h2 <= today, h2, NONE),
        "minutes2": minutes2,
        "close1": np.where(closed1, close1, NONE),
        "reopen": np.where(reopen, close1 + 5, NONE),
        "close2": close2,
        "visit": visit,
        "satisfied": satisfied,
        "due": np.where(ok, due, NONE),
        "outcome": outcome,
        "od_since": np.where(od_since <= today, od_since, NONE),
        "od_until": od_until,
        "open": is_open,
        "supervised": supervised,
    }


# ---- the board rows the keeper would keep --------------------------------------------------
def facts(L: dict[str, np.ndarray]) -> list[tuple[str, dict[str, np.ndarray]]]:
    """The lives as facts, one array set per kind (``board.counted``'s input, in columns)."""
    n, none = len(L["day0"]), np.full(len(L["day0"]), NONE)
    zero = np.zeros(n, dtype=np.int64)

    def part(kind: str, mask: Any, day: Any, unit: Any = none, **extra: Any) -> None:
        cols = {"town": L["town"], "unit": unit, "day": day, "since": none, "until": none}
        cols |= {"outcome": zero, "minutes": zero, "w": np.ones(n, dtype=np.int64)} | extra
        out.append((kind, {k: np.asarray(v)[mask] for k, v in cols.items()}))

    out: list[tuple[str, dict[str, np.ndarray]]] = []
    part("received", np.ones(n, bool), L["day0"], item=L["item"], grid=L["grid"])
    part("accepted", L["acc"] != NONE, L["acc"])
    part("rejected", L["rejected"], L["day0"])
    part(
        "dispatched",
        L["acc"] != NONE,
        L["acc"],
        L["u1"],
        outcome=np.where(L["d1_on_time"], OUTCOME["on_time"], OUTCOME["late"]),
    )
    part(
        "dispatched",
        L["d2"] != NONE,
        L["d2"],
        L["u2"],
        outcome=np.where(L["d2_on_time"], OUTCOME["on_time"], OUTCOME["late"]),
    )
    part("returned", L["returned"], L["acc"], L["u1"])
    part("extended", L["ext"] != NONE, L["ext"], L["unit"])
    for h, m in (("h1", "minutes"), ("h2", "minutes2")):
        mask = L[h] != NONE
        part("handled", mask, L[h], L["unit"], minutes=bucket(L[m]))
        part("handled_minutes", mask, L[h], w=L[m])
    part("verified", L["vf"] != NONE, L["vf"], L["unit"], outcome=np.full(n, OUTCOME["fail"]))
    for c in ("close1", "close2"):
        part("verified", L[c] != NONE, L[c], L["unit"], outcome=np.full(n, OUTCOME["pass"]))
        part("closed", L[c] != NONE, L[c], L["unit"])
    part("reopened", L["reopen"] != NONE, L["reopen"], L["unit"])
    part(
        "cohort_closed",
        L["close1"] != NONE,
        L["acc"],
        since=L["close1"],
        until=L["reopen"],
    )
    part("cohort_closed", L["close2"] != NONE, L["acc"], since=L["close2"])
    part(
        "visited",
        L["visit"] != NONE,
        L["visit"],
        L["unit"],
        outcome=np.where(L["satisfied"], OUTCOME["satisfied"], OUTCOME["not"]),
    )
    part("due", L["due"] != NONE, L["due"], L["unit"], outcome=L["outcome"])
    part(
        "overdue",
        L["od_since"] != NONE,
        L["od_since"],
        L["unit"],
        since=L["od_since"],
        until=L["od_until"],
    )
    merged: dict[str, dict[str, np.ndarray]] = {}
    for kind, cols in out:  # a kind drawn in parts (two dispatches, two closures …) is one
        if kind in merged:
            merged[kind] = {k: np.concatenate([merged[kind][k], v]) for k, v in cols.items()}
        else:
            merged[kind] = cols
    return list(merged.items())


def board_rows(L: dict[str, np.ndarray]) -> pa.Table:
    """Grouped as :func:`gridgov.analytics.board.counted` keys them, every scope."""
    tables = []
    keys = ["day", "since", "until", "outcome", "minutes"]
    unit_kinds = {k.value for k in board.UNIT_KINDS}
    for kind, cols in facts(L):
        t = pa.table({k: v for k, v in cols.items() if k in (*keys, "town", "unit", "w")})
        grains = [(board.ALL, None, t, kind)]
        month = (cols["day"] - _day_of_month(cols["day"])).astype(np.int64)
        if kind in unit_kinds:
            has_unit = cols["unit"] != NONE
            by_unit = t.filter(pa.array(has_unit))
            if kind in {k.value for k in board.BY_MONTH}:
                by_unit = _with(by_unit, day=month[has_unit])
            grains.append((board.UNIT, "unit", by_unit, kind))
            n = int(has_unit.sum())
            if kind == "due":  # and by the deadline's month
                whole = _with(by_unit, day=month[has_unit])
                grains.append((board.UNIT, "unit", whole, board.DUE_MONTH))
            if kind == "overdue":  # the spans standing now, whenever they began
                standing = pa.array(cols["until"][has_unit] == NONE)
                still = (board.STILL - (TODAY - timedelta(days=DAYS - 1))).days
                now = _with(by_unit, day=np.full(n, still), since=np.full(n, NONE))
                grains.append((board.UNIT, "unit", now.filter(standing), board.OVERDUE_NOW))
        if kind == "received":
            for grain, name in ((board.ITEM, "item"), (board.GRID, "grid")):
                member = leaf_id(cols["item"]) if name == "item" else cols["grid"]
                grains.append(
                    (
                        grain,
                        "member",
                        pa.table(
                            {
                                "town": cols["town"],
                                "member": member,
                                "day": month,
                                "since": cols["since"],
                                "until": cols["until"],
                                "outcome": cols["outcome"],
                                "minutes": cols["minutes"],
                                "w": cols["w"],
                            }
                        ),
                        kind,
                    )
                )
        for grain, member, table, label in grains:
            if member == "unit":
                table = table.rename_columns(
                    ["member" if c == "unit" else c for c in table.column_names]
                )
                member = "member"
            group = ["town", *([member] if member else []), *keys]
            by_town = table.group_by(group).aggregate([("w", "sum")])
            for level in ("town", "county", "city"):
                if level == "town":
                    g = by_town
                else:
                    scope = (
                        pc.divide(by_town["town"], TOWNS_PER)
                        if level == "county"
                        else pc.multiply(by_town["town"], 0)
                    )
                    g = (
                        by_town.drop_columns(["town"])
                        .append_column("town", scope)
                        .group_by(group)
                        .aggregate([("w_sum", "sum")])
                        .rename_columns(
                            [("w_sum" if c == "w_sum_sum" else c) for c in [*group, "w_sum_sum"]]
                        )
                    )
                tables.append((level, grain, label, member is not None, g))
    return tables  # type: ignore[return-value]


def _with(table: pa.Table, **columns: np.ndarray) -> pa.Table:
    for name, values in columns.items():
        table = table.set_column(table.column_names.index(name), name, pa.array(values))
    return table


def _day_of_month(days: np.ndarray) -> np.ndarray:
    first = TODAY - timedelta(days=DAYS - 1)
    dom = np.array([(first + timedelta(days=int(d))).day - 1 for d in range(DAYS + 60)])
    return dom[days]


# ---- writing -------------------------------------------------------------------------------
def when(day: int) -> date:
    return TODAY - timedelta(days=DAYS - 1 - day)


def reference_rows(now: datetime) -> dict[str, list[dict[str, Any]]]:
    regions = [{"code": CITY, "name": "示范市", "level": "city", "parent_code": None}]
    for c in range(COUNTIES):
        regions.append(
            {"code": county_code(c), "name": f"{c + 1}区", "level": "county", "parent_code": CITY}
        )
    for t in range(COUNTIES * TOWNS_PER):
        regions.append(
            {
                "code": town_code(t),
                "name": f"{t + 1}镇",
                "level": "town",
                "parent_code": county_code(t // TOWNS_PER),
            }
        )
    for v in range(COUNTIES * TOWNS_PER * VILLAGES_PER):
        regions.append(
            {
                "code": village_code(v),
                "name": f"{v + 1}村",
                "level": "village",
                "parent_code": town_code(v // VILLAGES_PER),
            }
        )
    for r in regions:
        r["county_code"] = r["code"][:6] if r["level"] != "city" else None
    centers = [
        {"id": 1, "code": CITY, "name": "示范市指挥中心", "level": "city", "region_code": CITY}
    ]
    units = [
        {
            "id": u + 1,
            "code": unit_code(u),
            "name": f"单位{u + 1}",
            "kind": "department",
            "level": "county",
            "region_code": county_code(u // UNITS_PER),
            "center_id": 1,
            "duties": "",
        }
        for u in range(COUNTIES * UNITS_PER)
    ]
    items = []
    for top in range(TOPS):
        items.append(
            {
                "id": 1 + top,
                "code": f"T{top:02d}",
                "name": f"大类{top}",
                "level": 1,
                "parent_id": None,
            }
        )
    for mid in range(TOPS * MIDS):
        items.append(
            {
                "id": 1 + TOPS + mid,
                "code": f"T{mid // MIDS:02d}-{mid % MIDS:02d}",
                "name": f"中类{mid}",
                "level": 2,
                "parent_id": 1 + mid // MIDS,
            }
        )
    for leaf in range(TOPS * MIDS * LEAVES):
        mid = leaf // LEAVES
        items.append(
            {
                "id": int(leaf_id(leaf)),
                "code": f"T{mid // MIDS:02d}-{mid % MIDS:02d}-{leaf % LEAVES:02d}",
                "name": f"事项{leaf}",
                "level": 3,
                "parent_id": 1 + TOPS + mid,
            }
        )
    grids = []
    for g in range(COUNTIES * TOWNS_PER * VILLAGES_PER * GRIDS_PER):
        lon, lat = 120.5 + (g % 150) * 0.004, 31.5 + (g // 150) * 0.004
        grids.append(
            {
                "code": grid_code(g),
                "kind": "comprehensive",
                "name": f"网格{g + 1}",
                "region_code": village_code(g // GRIDS_PER),
                "county_code": village_code(g // GRIDS_PER)[:6],
                "geometry": b"",
                "min_lon": lon,
                "min_lat": lat,
                "max_lon": lon + 0.004,
                "max_lat": lat + 0.004,
                "centroid_lon": lon + 0.002,
                "centroid_lat": lat + 0.002,
                "area_m2": 160000.0,
                "source_crs": "wgs84",
                "updated_at": now,
            }
        )
    return {
        "region": regions,
        "center": centers,
        "unit": units,
        "catalog_item": items,
        "grid": grids,
    }


def case_table(L: dict[str, np.ndarray], sqlite: bool) -> pa.Table:
    n = len(L["day0"])
    midnight = datetime.combine(when(0), time(), ZoneInfo("Asia/Shanghai"))  # day 0, local
    base = int(midnight.timestamp()) * 1_000_000
    minute = 60_000_000
    created = pa.array(base + (L["day0"] * 1440 + L["minute"]) * minute, pa.timestamp("us"))
    last = np.where(L["close2"] != NONE, L["close2"], L["close1"])
    closed_at = pa.array(
        base + (last * 1440 + 15 * 60) * minute, pa.timestamp("us"), mask=last == NONE
    )
    fmt = "%Y-%m-%d %H:%M:%S" if sqlite else "%Y-%m-%d %H:%M:%S+00"  # %S has the micros

    def stamp(a: pa.Array) -> pa.Array:
        return pc.strftime(a, format=fmt)

    status = np.where(L["rejected"], "rejected", np.where(L["open"], "in_progress", "closed"))
    colour = np.where(
        L["open"], np.where(L["outcome"] == OUTCOME["late"], "overdue", "green"), None
    ).astype(object)
    ids = np.arange(1, n + 1)
    village = L["village"]
    towns = COUNTIES * TOWNS_PER
    lon = 120.5 + (L["grid"] % 150) * 0.004 + 0.002
    lat = 31.5 + (L["grid"] // 150) * 0.004 + 0.002
    villages = np.array([village_code(v) for v in range(towns * VILLAGES_PER)])
    grids = np.array([grid_code(g) for g in range(towns * VILLAGES_PER * GRIDS_PER)])
    return pa.table(
        {
            "id": ids,
            "number": pc.binary_join_element_wise("C", pc.cast(ids, pa.string()), ""),
            "county_code": villages[village].astype("U6"),
            "center_id": np.ones(n, dtype=np.int64),
            "origin_center_id": np.ones(n, dtype=np.int64),
            "channel": CHANNELS[L["channel"]],
            "title": pc.binary_join_element_wise("事项", pc.cast(ids, pa.string()), ""),
            "description": pa.array([""] * n),
            "lon": lon,
            "lat": lat,
            "address": pa.array([""] * n),
            "source_crs": pa.array(["wgs84"] * n),
            "region_code": villages[village],
            "grid_code": grids[L["grid"]],
            "catalog_item_id": leaf_id(L["item"]),
            "priority": pa.array(["normal"] * n),
            "status": status,
            "version": np.ones(n, dtype=np.int64),
            "lead_unit_id": np.where(L["rejected"], 0, L["unit"] + 1),
            "sla_colour": pa.array(colour, pa.string()),
            "suspended": np.zeros(n, dtype=bool),
            "supervised_level": L["supervised"].astype(np.int64),
            "visited": L["visit"] != NONE,
            "return_count": L["returned"].astype(np.int64),
            "escalation_count": np.zeros(n, dtype=np.int64),
            "extension_count": (L["ext"] != NONE).astype(np.int64),
            "rework_count": (L["vf"] != NONE).astype(np.int64),
            "reopen_count": (L["reopen"] != NONE).astype(np.int64),
            "created_at": stamp(created),
            "updated_at": stamp(created),
            "closed_at": stamp(closed_at),
            "event_count": np.full(n, 8, dtype=np.int64),
            "last_hash": pa.array([""] * n),
        }
    )


def write(db: Database, L: dict[str, np.ndarray], now: datetime) -> None:
    sqlite = db.is_sqlite
    with db.write() as session:
        for table, rows in reference_rows(now).items():
            session.execute(_insert(table), rows)
    cases = case_table(L, sqlite)
    lead = cases["lead_unit_id"].to_numpy()
    cases = cases.set_column(
        cases.column_names.index("lead_unit_id"),
        "lead_unit_id",
        pa.array(lead, mask=lead == 0),
    )
    _bulk(db, "case", cases)
    groups = board_rows(L)
    _bulk(db, "kpi_board", _board_table(groups))


def _insert(table: str) -> Any:
    from gridgov.store.models import Base

    return Base.metadata.tables[table].insert()


def _board_table(groups: list[tuple[str, str, str, bool, pa.Table]]) -> pa.Table:
    parts = []
    towns = COUNTIES * TOWNS_PER
    scope_names = {
        "town": np.array([town_code(t) for t in range(towns)]),
        "county": np.array([county_code(c) for c in range(COUNTIES)]),
        "city": np.array([CITY]),
    }
    units = np.array([unit_code(u) for u in range(COUNTIES * UNITS_PER)])
    grid_names = np.array([grid_code(g) for g in range(towns * VILLAGES_PER * GRIDS_PER)])
    first = TODAY - timedelta(days=DAYS - 1)
    for level, grain, kind, has_member, g in groups:
        n = g.num_rows
        if n == 0:
            continue
        scope = scope_names[level][g["town"].to_numpy()]
        if has_member:
            m = g["member"].to_numpy()
            member = (
                units[m]
                if grain == board.UNIT
                else (grid_names[m] if grain == board.GRID else m.astype(str))
            )
        else:
            member = np.full(n, "")

        def day(col: str, g: pa.Table = g) -> np.ndarray:
            a = g[col].to_numpy()
            out = (np.datetime64(first) + a.astype("timedelta64[D]")).astype(object)
            out[a == NONE] = None
            return out

        until = day("until")
        if kind in ("cohort_closed", "overdue"):  # spans still standing
            until[until == None] = board.STILL  # noqa: E711 - elementwise over an object array
        parts.append(
            {
                "scope": scope,
                "grain": np.full(n, grain),
                "member": member,
                "kind": np.full(n, kind),
                "day": day("day"),
                "since": day("since"),
                "until": until,
                "outcome": np.array(OUTCOMES)[g["outcome"].to_numpy()],
                "minutes": g["minutes"].to_numpy(),
                "count": g["w_sum"].to_numpy(),
            }
        )
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    keys = [
        board.key_text(
            (s, gr, m, k, d, si, u, o, int(mi))  # type: ignore[arg-type]
        )
        for s, gr, m, k, d, si, u, o, mi in zip(
            cols["scope"],
            cols["grain"],
            cols["member"],
            cols["kind"],
            cols["day"],
            cols["since"],
            cols["until"],
            cols["outcome"],
            cols["minutes"],
            strict=True,
        )
    ]
    return pa.table(
        {"key": keys, **{k: list(v) if v.dtype == object else v for k, v in cols.items()}}
    ).sort_by("key")  # the unique key's index is then written in order


def _bulk(db: Database, table: str, rows: pa.Table) -> None:
    """Insert many rows fast: indexes dropped and made again, the driver's own bulk path
    (executemany in one transaction on SQLite, COPY without per-row FK triggers on
    PostgreSQL)."""
    raw = db.engine.raw_connection()
    names = rows.column_names
    try:
        cur = raw.cursor()
        if db.is_sqlite:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            )
        else:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT LIKE 'pk_%%' AND indexname NOT LIKE 'uq_%%'",
                (table,),
            )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        if db.is_sqlite:
            cur.execute("BEGIN")  # the engine's connections run in autocommit
            sql = (
                f'INSERT INTO "{table}" ({", ".join(names)}) '
                f"VALUES ({', '.join('?' for _ in names)})"
            )
            for batch in rows.to_batches(200_000):
                cur.executemany(sql, zip(*(c.to_pylist() for c in batch.columns), strict=True))
        else:
            cur.execute("SET session_replication_role = replica")
            with cur.copy(f'COPY "{table}" ({", ".join(names)}) FROM STDIN') as copy:
                for batch in rows.to_batches(100_000):
                    for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                        copy.write_row(row)
            cur.execute("SET session_replication_role = DEFAULT")
        for _, sql in indexes:
            cur.execute(sql)
        if not db.is_sqlite and table == "case":
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), max(id)) FROM \"case\""
            )
        raw.commit()
    finally:
        raw.close()
    if not db.is_sqlite:
        # as autovacuum leaves a table that has lived a while: statistics, and the visibility
        # map that lets index-only scans skip the table (VACUUM runs outside a transaction)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql(f'VACUUM ANALYZE "{table}"')


# ---- the DuckDB baseline -------------------------------------------------------------------
def duck_figures(
    L: dict[str, np.ndarray], spans: dict[str, tuple[date, date]]
) -> tuple[float, dict]:
    """The same figures from DuckDB scanning a raw table of the cases; (median ms, answer)."""
    first = TODAY - timedelta(days=DAYS - 1)
    cols = {}
    for k, v in L.items():
        if k in ("minute", "county", "village", "channel"):
            continue
        if v.dtype == bool or k in (
            "town",
            "grid",
            "item",
            "u1",
            "u2",
            "unit",
            "minutes",
            "minutes2",
            "outcome",
        ):
            cols[k] = v
        else:  # days: DATE columns (null when it did not happen)
            cols[k] = pa.array(
                (np.datetime64(first) + v.astype("timedelta64[D]")), pa.date32(), mask=v == NONE
            )
    con = duckdb.connect()
    con.register("lives", pa.table(cols))
    con.execute("CREATE TABLE raw AS SELECT * FROM lives")
    con.unregister("lives")

    def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        # per period: one scan for its figures, one for its handling times (faster in
        # DuckDB than one scan with the three periods' filters side by side: 3.4 s against
        # 6.9 s at ten million cases)
        for name, (f, end) in spans.items():
            p = f"DATE '{f}' AND DATE '{end}'"
            row = con.execute(
                f"""
                SELECT
                  count(*) FILTER (day0 BETWEEN {p}),
                  count(*) FILTER (acc BETWEEN {p}),
                  count(*) FILTER (rejected AND day0 BETWEEN {p}),
                  count(*) FILTER (acc BETWEEN {p} AND ((close1 <= DATE '{end}'
                      AND (reopen IS NULL OR reopen > DATE '{end}')) OR close2 <= DATE '{end}')),
                  count(*) FILTER (due BETWEEN {p} AND outcome = {OUTCOME["on_time"]}),
                  count(*) FILTER (due BETWEEN {p} AND outcome IN ({OUTCOME["on_time"]},
                      {OUTCOME["late"]}, {OUTCOME["suspended"]})),
                  count(*) FILTER (due BETWEEN {p} AND outcome = {OUTCOME["suspended"]}),
                  count(*) FILTER (acc BETWEEN {p}) + count(*) FILTER (d2 BETWEEN {p}),
                  count(*) FILTER (acc BETWEEN {p} AND d1_on_time)
                    + count(*) FILTER (d2 BETWEEN {p} AND d2_on_time),
                  count(*) FILTER (returned AND acc BETWEEN {p}),
                  count(*) FILTER (vf BETWEEN {p}) + count(*) FILTER (close1 BETWEEN {p})
                    + count(*) FILTER (close2 BETWEEN {p}),
                  count(*) FILTER (vf BETWEEN {p}),
                  count(*) FILTER (close1 BETWEEN {p}) + count(*) FILTER (close2 BETWEEN {p}),
                  count(*) FILTER (reopen BETWEEN {p}),
                  count(*) FILTER (visit BETWEEN {p}),
                  count(*) FILTER (visit BETWEEN {p} AND satisfied),
                  count(*) FILTER (od_since <= DATE '{end}'
                      AND (od_until IS NULL OR od_until > DATE '{end}'))
                FROM raw
                """
            ).fetchone()
            histogram = con.execute(
                f"""
                SELECT CASE WHEN m <= 480 THEN ceil(m / 30) * 30
                            WHEN m <= 2400 THEN ceil(m / 60) * 60
                            ELSE ceil(m / 240) * 240 END AS b, count(*), sum(m) FROM (
                  SELECT minutes AS m FROM raw WHERE h1 BETWEEN {p}
                  UNION ALL SELECT minutes2 FROM raw WHERE h2 BETWEEN {p})
                GROUP BY b
                """
            ).fetchall()
            p90 = kpi.percentile_minutes(Counter({int(b): n for b, n, _ in histogram}), 0.9)
            handled = (sum(n for _, n, _ in histogram), sum(m for _, _, m in histogram), p90)
            out[name] = (*row, *handled)
        f, end = spans["last_30_days"]
        out["trend"] = con.execute(
            f"""
            SELECT day, sum(received), sum(closures) FROM (
              SELECT day0 AS day, 1 AS received, 0 AS closures FROM raw
                WHERE day0 BETWEEN DATE '{f}' AND DATE '{end}'
              UNION ALL SELECT close1, 0, 1 FROM raw
                WHERE close1 BETWEEN DATE '{f}' AND DATE '{end}'
              UNION ALL SELECT close2, 0, 1 FROM raw
                WHERE close2 BETWEEN DATE '{f}' AND DATE '{end}')
            GROUP BY day ORDER BY day
            """
        ).fetchall()
        f, end = spans["month"]
        out["items"] = con.execute(
            f"SELECT item, count(*) AS n FROM raw WHERE day0 BETWEEN DATE '{f}' AND DATE '{end}' "
            "GROUP BY item ORDER BY n DESC, item::VARCHAR LIMIT 8"
        ).fetchall()
        out["grids"] = con.execute(
            f"SELECT grid, count(*) AS n FROM raw WHERE day0 BETWEEN DATE '{f}' AND DATE '{end}' "
            "GROUP BY grid ORDER BY n DESC LIMIT 8"
        ).fetchall()
        out["units"] = con.execute(
            f"""
            SELECT unit, sum(d), sum(s), sum(r), sum(v), sum(sat) FROM (
              SELECT u1 AS unit, 1 AS d, d1_on_time::INT AS s, returned::INT AS r, 0 AS v, 0 AS sat
                FROM raw WHERE acc BETWEEN DATE '{f}' AND DATE '{end}'
              UNION ALL SELECT u2, 1, d2_on_time::INT, 0, 0, 0 FROM raw
                WHERE d2 BETWEEN DATE '{f}' AND DATE '{end}'
              UNION ALL SELECT unit, 0, 0, 0, 1, satisfied::INT FROM raw
                WHERE visit BETWEEN DATE '{f}' AND DATE '{end}')
            GROUP BY unit ORDER BY unit
            """
        ).fetchall()
        return out

    answer = run()
    return timed(run), answer


def timed(fn: Any, runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        began = clock.perf_counter()
        fn()
        samples.append((clock.perf_counter() - began) * 1000)
    return statistics.median(samples)


def compare(screen: dict[str, Any], duck: dict[str, Any]) -> list[str]:
    """Where the cockpit and DuckDB disagree (empty: they agree)."""
    wrong = []
    names = (
        "received",
        "accepted",
        "rejected",
        "closed",
        "due_on_time",
        "due",
        "due_suspended",
        "dispatched",
        "signed_on_time",
        "returned",
        "verified",
        "reworked",
        "closures",
        "reopened",
        "visited",
        "satisfied",
        "overdue_open",
    )
    for period in ("today", "month", "last_30_days"):
        k = screen["kpis"][period]
        row = duck[period]
        for i, name in enumerate(names):
            if k[name] != row[i]:
                wrong.append(f"{period} {name}: cockpit {k[name]}, duckdb {row[i]}")
        handled, minutes, p90 = row[len(names) :]
        mean = round(minutes / handled / 60, 2) if handled else None
        p90h = round(p90 / 60, 2) if p90 is not None else None
        if (k["handled"], k["handling_hours_mean"], k["handling_hours_p90"]) != (
            handled,
            mean,
            p90h,
        ):
            wrong.append(
                f"{period} handling: cockpit {k['handled']} {k['handling_hours_mean']} "
                f"{k['handling_hours_p90']}, duckdb {handled} {mean} {p90h}"
            )
    trend = {
        d["day"]: (d["received"], d["closures"])
        for d in screen["trend"]
        if d["received"] or d["closures"]
    }
    theirs = {day.isoformat(): (int(r), int(c)) for day, r, c in duck["trend"]}
    if trend != theirs:
        wrong.append("trend differs")
    if [g["received"] for g in screen["top_categories"]] != [n for _, n in duck["items"]]:
        wrong.append("top categories differ")
    if [g["received"] for g in screen["hot_spots"]] != [n for _, n in duck["grids"]]:
        wrong.append("hot spots differ")
    dispatched = {u["key"]: u["dispatched"] for u in screen["unit_ranking"]}
    if dispatched != {unit_code(u): int(d) for u, d, *_ in duck["units"] if d}:
        wrong.append("unit ranking differs")
    return wrong


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000_000)
    ap.add_argument("--database-url")
    ap.add_argument("--keep", action="store_true", help="reuse the database from a run before")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    folder = Path("var/bench")
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / f'city-{args.cases}.sqlite3'}"
    now = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=8)  # 16:00 local
    began = clock.perf_counter()
    L = lives(args.cases)
    print(f"lives of {args.cases:,} cases drawn in {clock.perf_counter() - began:.1f} s")
    db = Database(url)
    fresh = True
    if args.keep:
        with db.read() as session:
            try:
                fresh = session.scalar(select(func.count()).select_from(Case)) != args.cases
            except Exception:  # no schema yet
                fresh = True
    if fresh:
        if make_url(url).get_backend_name() == "sqlite":
            Path(make_url(url).database or "").unlink(missing_ok=True)
            db = Database(url)
        else:
            with db.engine.begin() as c:
                c.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        migrate.upgrade(db.engine)
        t = clock.perf_counter()
        write(db, L, now)
        print(f"written in {clock.perf_counter() - t:.1f} s")
    with db.read() as session:
        cases = session.scalar(select(func.count()).select_from(Case))
        rows = session.scalar(select(func.count()).select_from(KpiBoard))
        city_rows = session.scalar(
            select(func.count()).select_from(KpiBoard).where(KpiBoard.scope == CITY)
        )

        def refresh() -> dict[str, Any]:
            return cockpit.build(session, center_code=CITY, now=now, office_hours="", rollups=True)

        screen = refresh()
        ms = timed(refresh, args.runs)
        figures = timed(
            lambda: cockpit.build(
                session, center_code=CITY, now=now, office_hours="", rollups=True, lists=False
            ),
            args.runs,
        )
        parts = {"the figures (KPIs of the three periods, trend, rankings, top lists)": figures}
    duck_ms, duck = duck_figures(L, {k: tuple(v) for k, v in cockpit.periods(TODAY).items()})
    wrong = compare(screen, duck)
    print(
        f"database: {db.engine.dialect.name}; {cases:,} cases; {rows:,} board rows "
        f"({city_rows:,} for the city)"
    )
    print(
        f"cockpit refresh (city centre, everything on the big screen): {ms:.1f} ms, "
        f"median of {args.runs}"
    )
    for name, value in parts.items():
        print(f"  of which {name}: {value:.1f} ms")
    print(f"baseline: DuckDB over the raw case table, same figures: {duck_ms:.1f} ms")
    print(f"cockpit / DuckDB: {ms / duck_ms:.2f}")
    print(
        f"month: {screen['kpis']['month']['received']:,} received, on-time rate "
        f"{screen['kpis']['month']['on_time_rate']}, satisfaction "
        f"{screen['kpis']['month']['satisfaction_rate']}"
    )
    print("cockpit and DuckDB agree" if not wrong else "DISAGREE:\n  " + "\n  ".join(wrong[:20]))
    sys.stdout.flush()
    if wrong:
        sys.exit(1)


def bucket(minutes: np.ndarray) -> np.ndarray:
    """:func:`gridgov.analytics.kpi.bucket` over an array."""
    up = lambda step: -(-minutes // step) * step  # noqa: E731
    return np.where(minutes <= 480, up(30), np.where(minutes <= 2400, up(60), up(240)))


if __name__ == "__main__":
    main()
