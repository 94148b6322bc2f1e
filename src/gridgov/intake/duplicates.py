"""Probable duplicates at intake: the open cases near a new report, and the best match.

The per-record door asks the database for each report (:func:`find_duplicate`); the batch
door loads the open cases near the whole batch once, finds every report's neighbours among
them and the reports earlier in the same batch in one join on cells the size of the radius
(:meth:`Candidates.near_many`), and scores each report against its neighbours
(:func:`best_duplicates`). Scores come from :mod:`gridgov.nlp.similar`,
a report against all its neighbours at once. The bigrams of stored cases are remembered from
batch to batch (:class:`GramMemo`): a case's title and description never change after intake,
and a busy door meets the same open cases in batch after batch.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.cases.workflow import Status
from gridgov.nlp import similar
from gridgov.store.models import Case, TriagePolicy

OPEN = tuple(
    st.value for st in Status if st not in (Status.closed, Status.rejected, Status.answered)
)


def find_duplicate(
    session: Session,
    *,
    case: Case,
    policy: TriagePolicy,
    now: datetime,
    weights: similar.Weights | None = None,
) -> tuple[Case, similar.Score] | None:
    """The open case in the same county this one most probably repeats, above the threshold."""
    since = now - timedelta(hours=policy.duplicate_window_hours)
    stmt = select(Case).where(
        Case.county_code == case.county_code,
        Case.id != case.id,
        Case.created_at >= since,
        Case.status.in_(OPEN),
        Case.duplicate_of_id.is_(None),
    )
    if case.lon is not None and case.lat is not None:
        dlat = policy.duplicate_radius_m / 111_000
        dlon = dlat / max(0.2, math.cos(math.radians(case.lat)))
        stmt = stmt.where(
            Case.lon.between(case.lon - dlon, case.lon + dlon),
            Case.lat.between(case.lat - dlat, case.lat + dlat),
        )
    elif case.grid_code:
        stmt = stmt.where(Case.grid_code == case.grid_code)
    else:
        return None
    rows = {other.id: (other, _row(other)) for other in session.scalars(stmt.limit(500))}
    others = [row for _, row in rows.values()]
    mine, *theirs = similar.weigh(
        similar.grams_many(
            [(case.title, case.description)]
            + [(row["title"], row["description"]) for row in others]
        ),
        weights,
    )
    texts = {row["id"]: t for row, t in zip(others, theirs, strict=True)}
    me = _row(case)
    near = _near(me, policy, others)  # the best above the threshold among them
    scored = similar.scores(
        _report(mine, me),
        [_report(texts[o["id"]], o) for o in near],
        radius_m=policy.duplicate_radius_m,
        window_hours=policy.duplicate_window_hours,
    )
    found = _pick(near, scored, policy)
    best = (rows[found[0]["id"]][0], found[1]) if found else None
    if best:
        case.probable_duplicate_id = best[0].id
        case.duplicate_score = best[1].score
    return best


OPEN_COLUMNS = ("id", "number", "lon", "lat", "grid_code", "created_at", "county_code")


def open_cases(
    session: Session, news: list[Any], *, now: datetime, memo: RowMemo | None = None
) -> list[tuple[Any, ...]]:
    """Open cases near any of the batch's points within the widest window, as duplicate
    candidates: tuples of :data:`OPEN_COLUMNS`. The database says which cases are open near
    the batch; their rows come from ``memo`` when it has met them (none of their columns
    changes after intake), else they are read and remembered."""
    counties = {n.home.region_code[:6] for n in news} | {n.data.region_code[:6] for n in news}
    window = max(n.policy.duplicate_window_hours for n in news)
    radius = max(n.policy.duplicate_radius_m for n in news)
    points = [(n.draft.lon, n.draft.lat) for n in news if n.draft.lon is not None]
    stmt = select(Case.id, Case.number).where(
        Case.county_code.in_(counties),
        Case.created_at >= now - timedelta(hours=window),
        Case.status.in_(OPEN),
        Case.duplicate_of_id.is_(None),
    )
    if points:
        margin = radius / 111_000 * 2 + 0.01  # and the datum shift of GCJ-02/BD-09 input
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        stmt = stmt.where(
            Case.lon.between(min(xs) - margin, max(xs) + margin),
            Case.lat.between(min(ys) - margin, max(ys) + margin),
        )
    # through the connection, not the ORM session: plain columns need none of its per-row
    # result handling; nothing of the batch is pending yet
    conn = session.connection()
    memo = RowMemo(0) if memo is None else memo
    keys = [tuple(r) for r in conn.execute(stmt)]
    found = {key: row for key in keys if (row := memo.get(key)) is not None}
    unknown = sorted(case_id for case_id, number in keys if (case_id, number) not in found)
    columns = [getattr(Case, c) for c in OPEN_COLUMNS]
    for start in range(0, len(unknown), 900):
        for r in conn.execute(select(*columns).where(Case.id.in_(unknown[start : start + 900]))):
            row = tuple(r)
            found[(row[0], row[1])] = row
            memo.put(row)
    return [found[key] for key in keys]


def _make_room(known: dict[Any, Any], size: int) -> None:
    """A memo at its ``size`` forgets its oldest half (dicts keep insertion order)."""
    if len(known) >= size:
        for key in list(known)[: max(1, size // 2)]:
            known.pop(key, None)  # another thread's batch may have dropped it


class RowMemo:
    """The rows (:data:`OPEN_COLUMNS`) of stored cases, kept across batches, at most ``size``
    of them (the oldest half is forgotten when full): a case's number, place, grid, county
    and time never change after intake, and a busy door meets the same open cases in batch
    after batch. Reading only which cases are open took half the time of reading their rows
    (10,500 open cases: 47 → 21 ms on PostgreSQL, 42 → 20 ms on SQLite). Keyed by id *and*
    number, as :class:`GramMemo`."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._known: dict[tuple[int, str], tuple[Any, ...]] = {}

    def get(self, key: tuple[int, str]) -> tuple[Any, ...] | None:
        return self._known.get(key)

    def put(self, row: tuple[Any, ...]) -> None:
        if self.size <= 0:
            return
        _make_room(self._known, self.size)
        self._known[(row[0], row[1])] = row

    def __len__(self) -> int:
        return len(self._known)


class GramMemo:
    """The weighed bigrams (:class:`similar.Text`) of stored cases, kept across batches, at
    most ``size`` of them (the oldest half is forgotten when full), for one table of bigram
    weights (a new model's table starts it afresh). A message takes 16 bytes a bigram (code
    and weight) and the arrays' headers: ~2.5 KB on average over labeled_train.csv, ~3.8 KB
    over the full texts of messages_with_votes.csv, so the default holds at most ~40 MB. Keyed
    by id *and* number, so that a database rebuilt under the same process cannot hand one
    case's bigrams to another."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._known: dict[tuple[int, str], similar.Text] = {}
        self._weights: similar.Weights | None = None

    def get(self, row: dict[str, Any], weights: similar.Weights | None) -> similar.Text | None:
        if weights is not self._weights:
            return None
        return self._known.get((row["id"], row["number"]))

    def put(self, row: dict[str, Any], text: similar.Text, weights: similar.Weights | None) -> None:
        if self.size <= 0:
            return
        if weights is not self._weights:
            self._known, self._weights = {}, weights
        _make_room(self._known, self.size)
        # its own copy: a batch's arrays are views of one block, which it would keep alive
        own = similar.Text(text.codes.copy(), text.weights.copy(), text.mass)
        self._known[(row["id"], row["number"])] = own

    def __len__(self) -> int:
        return len(self._known)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND


class Candidates:
    """The open cases near a batch (tuples of :data:`OPEN_COLUMNS`) and the batch's own
    reports: every report's neighbours at once (:meth:`near_many`), and their bigrams
    (:meth:`know`, :meth:`load_texts`)."""

    def __init__(self, stored: list[tuple[Any, ...]], memo: GramMemo | None = None) -> None:
        self._stored = stored
        self._rows: dict[int, dict[str, Any]] = {}  # a stored case's row, once it is near
        self._texts: dict[int, similar.Text] = {}
        self._memo = GramMemo(0) if memo is None else memo

    def _row(self, i: int) -> dict[str, Any]:
        row = self._rows.get(i)
        if row is None:
            row = self._rows[i] = dict(zip(OPEN_COLUMNS, self._stored[i], strict=True))
        return row

    def near_many(
        self, rows: list[dict[str, Any]], policies: list[TriagePolicy]
    ) -> list[list[dict[str, Any]]]:
        """For each of a batch's ``rows`` in order, under its centre's policy: what
        :func:`_near` lets through of the stored cases and of the rows before it, in id
        order. The rows with a point are joined to the cases on cells the size of the
        radius's box, all at once: each meets those in the 3 × 3 cells around its own,
        then the same tests as :func:`_near`'s, as arrays. A row without a point meets the
        cases of its grid, through :func:`_near` itself."""
        n = len(self._stored)
        columns = list(zip(*self._stored, strict=True)) or [()] * len(OPEN_COLUMNS)
        every = dict(zip(OPEN_COLUMNS, columns, strict=True))
        for key in OPEN_COLUMNS:
            every[key] = (*every[key], *(r[key] for r in rows))

        def row_of(i: int) -> dict[str, Any]:
            return self._row(i) if i < n else rows[i - n]

        out: list[list[dict[str, Any]]] = [[] for _ in rows]
        points = [j for j, r in enumerate(rows) if r["lon"] is not None and r["lat"] is not None]
        if points:
            found = _joined(every, n, [(j, rows[j], policies[j]) for j in points])
            for j, near in zip(points, found, strict=True):
                out[j] = [row_of(i) for i in near]
        by_grid: dict[str, list[int]] = {}
        for j, row in enumerate(rows):
            if (row["lon"] is not None and row["lat"] is not None) or not row["grid_code"]:
                continue
            if not by_grid:
                for i, code in enumerate(every["grid_code"]):
                    by_grid.setdefault(code, []).append(i)
            pool = [row_of(i) for i in by_grid.get(row["grid_code"], ()) if i < n + j]
            pool.sort(key=lambda c: c["id"])  # the order the database would give
            out[j] = _near(row, policies[j], pool)
        return out

    def know(self, rows: list[dict[str, Any]], texts: list[similar.Text]) -> None:
        """The bigrams of the batch's own reports."""
        for row, text in zip(rows, texts, strict=True):
            self._texts[row["id"]] = text

    def load_texts(
        self, session: Session, rows: list[dict[str, Any]], weights: similar.Weights | None
    ) -> None:
        """The bigrams of the stored cases among ``rows`` (only neighbours are compared):
        remembered, or their texts fetched, cut and weighed all at once."""
        wanted: dict[int, dict[str, Any]] = {}
        for other in rows:
            case_id = other["id"]
            if case_id in self._texts or case_id in wanted:
                continue
            known = self._memo.get(other, weights)
            if known is not None:
                self._texts[case_id] = known
            else:
                wanted[case_id] = other
        ids = sorted(wanted)
        texts: list[Any] = []
        for start in range(0, len(ids), 900):
            texts.extend(
                session.execute(
                    select(Case.id, Case.title, Case.description).where(
                        Case.id.in_(ids[start : start + 900])
                    )
                )
            )
        cut = similar.grams_many([(title, description) for _, title, description in texts])
        for (case_id, _, _), text in zip(texts, similar.weigh(cut, weights), strict=True):
            self._texts[case_id] = text
            self._memo.put(wanted[case_id], text, weights)  # a stored case: its text is final

    def text(self, row: dict[str, Any]) -> similar.Text:
        return self._texts[row["id"]]


def _joined(
    every: dict[str, tuple[Any, ...]],
    stored: int,
    asking: list[tuple[int, dict[str, Any], TriagePolicy]],
) -> list[list[int]]:
    """The neighbours (indices into ``every``'s columns, in id order) of each asking row
    (its place in the batch, the row, its policy), as :func:`_near` would choose them from
    the stored cases and the batch's rows before it."""
    ids = np.array(every["id"], dtype=np.int64)
    lon = np.array(every["lon"], dtype=np.float64)  # None: NaN
    lat = np.array(every["lat"], dtype=np.float64)
    at = np.fromiter(map(_micros, every["created_at"]), np.int64, count=len(ids))
    codes: dict[str, int] = {}
    county = np.array([codes.setdefault(c, len(codes)) for c in every["county_code"]], np.int64)
    # a stored case comes before every row of the batch
    place = np.concatenate((np.full(stored, -1), np.arange(len(ids) - stored)))
    # what _near computes for each asking row, the same way
    own = np.array([stored + j for j, _, _ in asking], dtype=np.int64)
    dlat = np.array([p.duplicate_radius_m / 111_000 for _, _, p in asking])
    dlon = np.array(
        [
            p.duplicate_radius_m / 111_000 / max(0.2, math.cos(math.radians(r["lat"])))
            for _, r, p in asking
        ]
    )
    windows = [r["created_at"] - timedelta(hours=p.duplicate_window_hours) for _, r, p in asking]
    since = np.array([_micros(w) for w in windows], dtype=np.int64)
    # cells at least as wide as every box (a hair wider, against rounding in the division):
    # a neighbour lies in the row's cell or the next one in each direction
    width, height = (max(float(d.max()), 1e-9) * (1 + 1e-6) for d in (dlon, dlat))
    pointed = np.flatnonzero(~np.isnan(lon) & ~np.isnan(lat))
    cx = np.floor(lon[pointed] / width).astype(np.int64)
    cy = np.floor(lat[pointed] / height).astype(np.int64)
    x0, y0 = cx.min() - 1, cy.min() - 1  # every cell and its neighbours are >= 0
    across = cx.max() - x0 + 2
    cell = (cy - y0) * across + (cx - x0)
    by_cell = np.argsort(cell, kind="stable")
    cells = cell[by_cell]
    mine = np.searchsorted(pointed, own)  # the asking rows have points
    centre = cell[mine]
    firsts = np.concatenate([np.searchsorted(cells, centre + dy * across - 1) for dy in (-1, 0, 1)])
    lasts = np.concatenate(
        [np.searchsorted(cells, centre + dy * across + 1, side="right") for dy in (-1, 0, 1)]
    )
    asker = np.tile(np.arange(len(asking)), 3)
    counts = lasts - firsts
    total = int(counts.sum())
    who = np.repeat(asker, counts)
    step = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    them = pointed[by_cell[np.repeat(firsts, counts) + step]]
    me = own[who]
    keep = (
        (ids[them] != ids[me])
        & (place[them] < place[me])
        & (county[them] == county[me])
        & (at[them] >= since[who])
        & ~(np.abs(lon[them] - lon[me]) > dlon[who])
        & ~(np.abs(lat[them] - lat[me]) > dlat[who])
    )
    who, them = who[keep], them[keep]
    by = np.lexsort((ids[them], who))
    who, them = who[by], them[by]
    bounds = np.searchsorted(who, np.arange(len(asking) + 1))
    return [them[bounds[k] : bounds[k + 1]].tolist() for k in range(len(asking))]


def best_duplicates(
    news: list[tuple[Any, similar.Text]],
    neighbours: list[list[dict[str, Any]]],
    candidates: Candidates,
) -> list[tuple[dict[str, Any], similar.Score] | None]:
    """As :func:`find_duplicate` for each new case of a batch (with ``text``, its bigrams)
    among its ``neighbours`` (:meth:`Candidates.near_many`), in order. The texts of all the
    pairs that place and time let through are compared at once."""
    plans = []
    for (n, text), near in zip(news, neighbours, strict=True):
        row, policy = n.row, n.policy
        olds = [_report(candidates.text(o), o) for o in near]
        gated = similar.gate(
            _report(text, row),
            olds,
            radius_m=policy.duplicate_radius_m,
            window_hours=policy.duplicate_window_hours,
        )
        plans.append((gated, [olds[i].text for i, *_ in gated]))
    overlaps = similar.overlaps_many(
        [(text, theirs) for (_, text), (_, theirs) in zip(news, plans, strict=True)]
    )
    found = []
    for (n, _), near, (gated, _), texts in zip(news, neighbours, plans, overlaps, strict=True):
        window = n.policy.duplicate_window_hours
        scored = similar.finish(len(near), gated, texts.tolist(), window_hours=window)
        found.append(_pick(near, scored, n.policy))
    return found


def _row(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "lon": case.lon,
        "lat": case.lat,
        "grid_code": case.grid_code,
        "created_at": case.created_at,
        "county_code": case.county_code,
    }


def _near(
    row: dict[str, Any], policy: TriagePolicy, others: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Those of ``others`` that may be what ``row`` repeats: same county, inside the window
    and the radius's box (or the same grid when the report has no point)."""
    since = row["created_at"] - timedelta(hours=policy.duplicate_window_hours)
    dlat = policy.duplicate_radius_m / 111_000
    near = []
    for other in others:
        if other["id"] == row["id"] or other["county_code"] != row["county_code"]:
            continue
        if other["created_at"] < since:
            continue
        if row["lon"] is not None and row["lat"] is not None:
            if other["lon"] is None or other["lat"] is None:
                continue
            dlon = dlat / max(0.2, math.cos(math.radians(row["lat"])))
            if abs(other["lon"] - row["lon"]) > dlon or abs(other["lat"] - row["lat"]) > dlat:
                continue
        elif other["grid_code"] != row["grid_code"]:
            continue
        near.append(other)
    return near


def _report(text: similar.Text, row: dict[str, Any]) -> similar.Report:
    return similar.Report(text, row["created_at"], row["lon"], row["lat"], row["grid_code"])


def _pick(
    near: list[dict[str, Any]], scored: list[similar.Score | None], policy: TriagePolicy
) -> tuple[dict[str, Any], similar.Score] | None:
    """The best of the scored cases at or above the threshold (the first of equals)."""
    best = None
    for other, sc in zip(near, scored, strict=True):
        if (
            sc
            and sc.score >= policy.duplicate_threshold
            and (best is None or sc.score > best[1].score)
        ):
            best = (other, sc)
    return best
