"""Precision and recall of duplicate flagging on pairs generated from real messages.

From ../shared/data/messages/messages_with_votes.csv (title + full text of 4,326 real
messages) this builds labelled report pairs, each placed on a map and a clock:

- duplicate: the message's title (what a hotline agent types) against its full text (what
  the citizen wrote on the web), 0–400 m and 0–48 h apart;
- hard different: the full text against the title of the *most similar other* message (by
  shared bigrams), at the same place and time — a neighbouring complaint, not the same one;
- random different: against a random other message at the same place and time;
- same words elsewhere: the title against its own text 1.5–5 km away, or 4–20 days later (the
  same kind of problem, another incident).

It prints precision, recall and F1 of ``nlp.similar.score`` at the default threshold (0.6,
``triage_policy.duplicate_threshold``) and over a range, and the baseline of text similarity
alone (no place or time). Run: .venv/bin/python bench/bench_duplicates.py [PAIRS]
"""

from __future__ import annotations

import csv
import math
import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from gridgov.nlp import similar

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "messages"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RADIUS, WINDOW = 500.0, 72.0
M_PER_DEG = 111_000.0


def load() -> list[tuple[str, str]]:
    with (DATA / "messages_with_votes.csv").open(encoding="utf-8-sig") as f:
        rows = [(r["留言主题"].strip(), " ".join(r["留言详情"].split())) for r in csv.DictReader(f)]
    return [(t, d) for t, d in rows if len(t) >= 4 and len(d) >= 10]


def at(text: str, metres: float, hours: float, rng: random.Random) -> similar.Report:
    angle = rng.uniform(0, 2 * math.pi)
    dlon = metres * math.cos(angle) / (M_PER_DEG * math.cos(math.radians(34.1)))
    dlat = metres * math.sin(angle) / M_PER_DEG
    return similar.Report(
        similar.text(text), T0 + timedelta(hours=hours), 119.3 + dlon, 34.1 + dlat
    )


def pairs(
    rows: list[tuple[str, str]], n: int, rng: random.Random
) -> list[tuple[similar.Report, similar.Report, bool, str]]:
    out = []
    titles = similar.weigh(similar.grams_many([(t,) for t, _ in rows]))
    picks = rng.sample(range(len(rows)), min(n, len(rows)))
    for i in picks:
        title, text = rows[i]
        base = at(text, 0, 0, rng)
        kind = rng.random()
        if kind < 0.4:
            out.append(
                (at(title, rng.uniform(0, 400), rng.uniform(0, 48), rng), base, True, "duplicate")
            )
        elif kind < 0.65:
            # the most similar other title among 300 random candidates
            cands = [c for c in rng.sample(range(len(rows)), 300) if c != i]
            j = cands[int(similar.overlaps(base.text, [titles[c] for c in cands]).argmax())]
            out.append(
                (
                    at(rows[j][0], rng.uniform(0, 300), rng.uniform(0, 24), rng),
                    base,
                    False,
                    "hard different",
                )
            )
        elif kind < 0.85:
            j = rng.choice([c for c in range(len(rows)) if c != i][:5000])
            out.append(
                (
                    at(rows[j][0], rng.uniform(0, 300), rng.uniform(0, 24), rng),
                    base,
                    False,
                    "random different",
                )
            )
        elif kind < 0.925:
            out.append(
                (
                    at(title, rng.uniform(1500, 5000), rng.uniform(0, 24), rng),
                    base,
                    False,
                    "same words elsewhere",
                )
            )
        else:
            out.append(
                (
                    at(title, rng.uniform(0, 300), rng.uniform(96, 480), rng),
                    base,
                    False,
                    "same words later",
                )
            )
    return out


def idf_weight(rows: list[tuple[str, str]]):
    """Bigram IDF over the titles and texts (what the classifier's corpus gives in service)."""
    docs = similar.grams_many([(doc,) for row in rows for doc in row])
    codes, df = np.unique(np.concatenate(docs), return_counts=True)
    n = len(docs)
    return similar.Weights(codes, np.log((1 + n) / (1 + df)) + 1, math.log(1 + n) + 1)


def prf(scored: list[tuple[float, bool]], threshold: float) -> tuple[float, float, float]:
    tp = sum(1 for s, y in scored if s >= threshold and y)
    fp = sum(1 for s, y in scored if s >= threshold and not y)
    fn = sum(1 for s, y in scored if s < threshold and y)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(n: int = 3000) -> None:
    if not (DATA / "messages_with_votes.csv").exists():
        print("../shared/data/messages is absent: nothing to measure")
        return
    rng = random.Random(11)
    rows = load()
    data = pairs(rows, n, rng)
    weight = idf_weight(rows)
    full, plain, text_only = [], [], []
    for new, old, dup, _ in data:
        heavy = [replace(r, text=similar.weigh([r.text.codes], weight)[0]) for r in (new, old)]
        s = similar.score(*heavy, radius_m=RADIUS, window_hours=WINDOW)
        full.append((s.score if s else 0.0, dup))
        s = similar.score(new, old, radius_m=RADIUS, window_hours=WINDOW)
        plain.append((s.score if s else 0.0, dup))
        text_only.append((similar.text_similarity(heavy[0].text, heavy[1].text), dup))
    kinds: dict[str, int] = {}
    for *_, k in data:
        kinds[k] = kinds.get(k, 0) + 1
    print(f"{len(data)} pairs: {kinds}")
    print("threshold | score, idf weights | score, unweighted | text only (no place/time)")
    print("          |  P      R      F1   |  P      R      F1  |  P      R      F1")
    for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        cells = " | ".join(
            "{:.3f}  {:.3f}  {:.3f}".format(*prf(v, t)) for v in (full, plain, text_only)
        )
        print(f"  {t:.2f}    | {cells}{'  ← default' if t == 0.3 else ''}")
    for kind in kinds:
        sub = [(s, y) for (s, y), (*_, k) in zip(full, data, strict=True) if k == kind]
        flagged = sum(1 for s, _ in sub if s >= 0.3)
        print(f"  {kind:22s}: {flagged}/{len(sub)} flagged at 0.3")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
