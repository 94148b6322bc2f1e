"""Probable duplicates at intake: the open cases near a new report, and the best match.

The per-record door asks the database for each report (:func:`find_duplicate`); the batch
door loads the open cases near the whole batch once, buckets them in ~500 m cells
(:class:`Candidates`) and scores each report against its neighbours (:func:`best_duplicates`),
including the reports earlier in the same batch. Scores come from :mod:`gridgov.nlp.similar`,
a report against all its neighbours at once. The bigrams of stored cases are remembered from
batch to batch (:class:`GramMemo`): a case's title and description never change after intake,
and a busy door meets the same open cases in batch after batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

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
    found = _best(_row(case), mine, policy, others, lambda row: texts[row["id"]])
    best = (rows[found[0]["id"]][0], found[1]) if found else None
    if best:
        case.probable_duplicate_id = best[0].id
        case.duplicate_score = best[1].score
    return best


def open_cases(session: Session, news: list[Any], *, now: datetime) -> list[dict[str, Any]]:
    """Open cases near any of the batch's points within the widest window, as duplicate
    candidates (row dicts)."""
    counties = {n.home.region_code[:6] for n in news} | {n.data.region_code[:6] for n in news}
    window = max(n.policy.duplicate_window_hours for n in news)
    radius = max(n.policy.duplicate_radius_m for n in news)
    points = [(n.draft.lon, n.draft.lat) for n in news if n.draft.lon is not None]
    stmt = select(
        Case.id,
        Case.number,
        Case.lon,
        Case.lat,
        Case.grid_code,
        Case.created_at,
        Case.county_code,
    ).where(
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
    # result handling (10,000 open cases: 80 → 59 ms); nothing of the batch is pending yet
    result = session.connection().execute(stmt)
    keys = list(result.keys())
    # bigrams when first needed; zip() builds the thousands of rows far faster than _mapping
    return [dict(zip(keys, r, strict=True)) for r in result]


CELL = 0.005  # degrees: buckets of duplicate candidates


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
        if len(self._known) >= self.size:
            for key in list(self._known)[: max(1, self.size // 2)]:
                self._known.pop(key, None)  # another thread's batch may have dropped it
        # its own copy: a batch's arrays are views of one block, which it would keep alive
        own = similar.Text(text.codes.copy(), text.weights.copy(), text.mass)
        self._known[(row["id"], row["number"])] = own

    def __len__(self) -> int:
        return len(self._known)


class Candidates:
    """Open cases by ~500 m cell (and by grid, for those without a point)."""

    def __init__(self, rows: list[dict[str, Any]], memo: GramMemo | None = None) -> None:
        self.cells: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self.grids: dict[str | None, list[dict[str, Any]]] = {}
        self._texts: dict[int, similar.Text] = {}  # stored cases' once loaded, new ones' at once
        self._memo = GramMemo(0) if memo is None else memo
        for row in rows:
            self.add(row, None)

    def load_texts(
        self,
        session: Session,
        rows: list[dict[str, Any]],
        radius_m: float,
        weights: similar.Weights | None,
    ) -> None:
        """The bigrams of the stored cases near any of ``rows`` (only those are compared):
        remembered, or their texts fetched, cut and weighed all at once."""
        wanted: dict[int, dict[str, Any]] = {}
        for row in rows:
            for other in self.near(row, radius_m):
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

    def add(self, row: dict[str, Any], text: similar.Text | None) -> None:
        if text is not None:
            self._texts[row["id"]] = text
        if row["lon"] is not None and row["lat"] is not None:
            key = (math.floor(row["lon"] / CELL), math.floor(row["lat"] / CELL))
            self.cells.setdefault(key, []).append(row)
        self.grids.setdefault(row["grid_code"], []).append(row)

    def near(self, row: dict[str, Any], radius_m: float) -> list[dict[str, Any]]:
        if row["lon"] is None or row["lat"] is None:
            return self.grids.get(row["grid_code"], []) if row["grid_code"] else []
        reach = math.ceil(radius_m / 111_000 / max(0.2, math.cos(math.radians(row["lat"]))) / CELL)
        x, y = math.floor(row["lon"] / CELL), math.floor(row["lat"] / CELL)
        found: list[dict[str, Any]] = []
        for dx in range(-reach, reach + 1):
            for dy in range(-reach, reach + 1):
                found.extend(self.cells.get((x + dx, y + dy), ()))
        found.sort(key=lambda c: c["id"])  # the order the database would give
        return found


def best_duplicates(
    news: list[tuple[Any, similar.Text]], candidates: Candidates
) -> list[tuple[dict[str, Any], similar.Score] | None]:
    """As :func:`find_duplicate` for each new case of a batch (with ``text``, its bigrams),
    in order, over the preloaded candidates: each meets the stored cases near it and the
    batch's earlier cases, which join the candidates as it goes. The texts of all the pairs
    that place and time let through are compared at once."""
    plans = []
    for n, text in news:
        row, policy = n.row, n.policy
        near = _near(row, policy, candidates.near(row, policy.duplicate_radius_m))
        olds = [_report(candidates.text(o), o) for o in near]
        gated = similar.gate(
            _report(text, row),
            olds,
            radius_m=policy.duplicate_radius_m,
            window_hours=policy.duplicate_window_hours,
        )
        plans.append((near, gated, [olds[i].text for i, *_ in gated]))
        candidates.add(row, text)
    overlaps = similar.overlaps_many(
        [(text, theirs) for (_, text), (_, _, theirs) in zip(news, plans, strict=True)]
    )
    found = []
    for (n, _), (near, gated, _), texts in zip(news, plans, overlaps, strict=True):
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


def _best(
    row: dict[str, Any],
    text: similar.Text,
    policy: TriagePolicy,
    others: list[dict[str, Any]],
    text_of: Callable[[dict[str, Any]], similar.Text],
) -> tuple[dict[str, Any], similar.Score] | None:
    """The best-scoring open case above the centre's threshold: same county, inside the
    window and the radius (or the same grid when the report has no point)."""
    near = _near(row, policy, others)
    scored = similar.scores(
        _report(text, row),
        [_report(text_of(o), o) for o in near],
        radius_m=policy.duplicate_radius_m,
        window_hours=policy.duplicate_window_hours,
    )
    return _pick(near, scored, policy)


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
