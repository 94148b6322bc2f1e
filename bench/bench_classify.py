"""Classifier speed (and, with --cv, its 5-fold macro-F1) on the real labelled messages.

Measured: single-message latency of ``Model.predict_one`` (median and p95 over 1,000 calls,
with explanations), batch throughput of ``Model.predict`` over all messages, on one core.
Baseline in the same run: scikit-learn's own pipeline (TfidfVectorizer char 1–3 + LinearSVC,
same settings) predicting the same messages.
With --held-out: the messages of labeled_sample_raw.csv (a real platform's raw export: title,
punctuation, whitespace noise) that are not in labeled_train.csv, classified in that raw form
(title + text, as the one door passes them) by the model trained on labeled_train.csv, with
the scikit-learn pipeline's figures on the same messages.
With --leaves: the same measures for a model of a full three-level catalogue's size. No message
is labelled at the leaf, so each is given a random leaf (seeded) of taxonomy_3level.csv under
its own first-level label (250 leaves: the taxonomy's 15 first-level items, 7 with messages),
which makes the model branch (more labels than Params.max_flat); the baseline is then the
seven-label model's batch speed in the same run.
With --narrow: what taking a first-level prediction down to a leaf the message names costs
(``intake.suggest``: each leaf's words looked up in the text), with the real taxonomy's leaf
names as the only words, per message against the model's own batch time per message in the
same run, and how many messages name a leaf of their predicted branch.
With --cv --seeds N: the cross-validation on the folds drawn by seeds 0..N-1 and the mean of
their means (on labeled_train.csv one seed's split scores up to ~0.004 above another's).
Run: .venv/bin/python bench/bench_classify.py [--cv [--seeds N]] [--held-out] [--leaves]
[--narrow]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from gridgov.intake import suggest
from gridgov.intake.suggest import words_under
from gridgov.nlp import classify
from gridgov.nlp.features import normalise

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "messages"


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def held_out_raw(train_texts: list[str]) -> list[dict[str, str]]:
    """The raw export's rows whose message is not in the training texts. A training text is
    the raw message without stop words and punctuation, so most of its character trigrams
    survive in the raw form: a raw message counts as seen when some training text has at
    least 30 % of its trigrams in it (on this data the shares fall apart at 0.0–0.2 and
    0.4–1.0)."""
    path = DATA / "labeled_sample_raw.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    sizes = [len(_trigrams(t)) for t in train_texts]
    holders: dict[str, list[int]] = {}
    for i, text in enumerate(train_texts):
        for gram in _trigrams(text):
            holders.setdefault(gram, []).append(i)
    unseen = []
    for row in raw:
        shared: dict[int, int] = {}
        for gram in _trigrams(re.sub(r"[\W_]", "", row["留言主题"] + row["留言详情"])):
            for i in holders.get(gram, ()):
                shared[i] = shared.get(i, 0) + 1
        if max((n / max(1, sizes[i]) for i, n in shared.items()), default=0.0) < 0.3:
            unseen.append(row)
    return unseen


def leaf_labels(labels: list[str]) -> list[str]:
    """Each first-level label replaced by a random leaf path under it in the taxonomy."""
    with (DATA / "taxonomy_3level.csv").open(encoding="utf-8") as f:
        leaves: dict[str, list[str]] = {}
        for r in csv.DictReader(f):
            leaves.setdefault(r["一级分类"], []).append(
                "/".join((r["一级分类"], r["二级分类"], r["三级分类"]))
            )
    rng = random.Random(0)
    return [rng.choice(leaves[label]) for label in labels]


def speed(model: classify.Model, texts: list[str]) -> tuple[list[float], float]:
    """Single-message latencies (sorted, seconds, 1,000 calls) and the median batch speed
    (five runs after one untimed: a process's first run is measured ~1.5× slower)."""
    model.predict(texts, explain=False)
    single = []
    for text in texts[:1000]:
        t0 = time.perf_counter()
        model.predict_one(text)
        single.append(time.perf_counter() - t0)
    single.sort()
    batch = []
    for _ in range(5):
        t0 = time.perf_counter()
        model.predict(texts, explain=False)
        batch.append(len(texts) / (time.perf_counter() - t0))
    return single, statistics.median(batch)


def full_catalogue(texts: list[str], labels: list[str], flat: classify.Model) -> None:
    leafy = leaf_labels(labels)
    t0 = time.perf_counter()
    model = classify.train(texts, leafy, now=datetime.now(UTC))
    took = time.perf_counter() - t0
    size = model.coef.nbytes + sum(b.weights.nbytes for b in model.branches)
    single, b = speed(model, texts)
    _, base = speed(flat, texts)
    print(
        f"{len(set(leafy))} leaves, {len(model.branches)} branches: trained in {took:.0f} s,"
        f" weights {size / 2**20:.0f} MiB; one message median"
        f" {statistics.median(single) * 1000:.3f} ms,"
        f" p95 {single[int(0.95 * len(single))] * 1000:.3f} ms; batch {b:.0f} messages/s"
        f" ({b / base:.2f}× the seven-label model's {base:.0f}/s)"
    )


def narrowing(texts: list[str], model: classify.Model, per_message: float) -> None:
    with (DATA / "taxonomy_3level.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    parent: dict[str, str | None] = {}
    leaves = []
    for r in rows:
        first, second = r["一级分类"], f"{r['一级分类']}/{r['二级分类']}"
        leaf = f"{second}/{r['三级分类']}"
        parent.update({first: None, second: first, leaf: second})
        leaves.append((leaf, r["三级分类"], ""))
    catalog = suggest._Catalog((0, 0, 0, 0), {}, {}, parent, {}, [], words_under(leaves, parent))
    branches = [p.label for p in model.predict(texts, explain=False)]
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        found = [catalog.narrow(b, t) for b, t in zip(branches, texts, strict=True)]
        runs.append((time.perf_counter() - t0) / len(texts))
    took = statistics.median(runs)
    sizes = [len(catalog.under.get(b, {})) for b in set(branches)]
    print(
        f"narrowing over {len(leaves)} leaves ({min(sizes)}–{max(sizes)} word starts a branch):"
        f" {took * 1e6:.1f} µs a message ({took / per_message:.2f}× the model's"
        f" {per_message * 1e6:.1f} µs a message in batch); {sum(f is not None for f in found)}"
        f" of {len(texts)} messages name a leaf of their branch"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", action="store_true", help="also run 5-fold cross-validation")
    ap.add_argument(
        "--seeds", type=int, default=1, help="with --cv: on the folds of seeds 0..N-1, and the mean"
    )
    ap.add_argument(
        "--held-out", action="store_true", help="also classify the raw export's unseen messages"
    )
    ap.add_argument(
        "--leaves", action="store_true", help="also a full catalogue's leaves (branched model)"
    )
    ap.add_argument(
        "--narrow", action="store_true", help="also the cost of narrowing to a named leaf"
    )
    args = ap.parse_args()
    path = DATA / "labeled_train.csv"
    if not path.exists():
        print("../shared/data/messages is absent: nothing to measure")
        return
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]

    t0 = time.perf_counter()
    model = classify.train(texts, labels, now=datetime.now(UTC))
    print(f"train on {len(texts)} messages (with calibration): {time.perf_counter() - t0:.1f} s")

    single, b = speed(model, texts)

    ref = make_pipeline(
        TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, preprocessor=normalise
        ),
        LinearSVC(C=model.params.c),
    ).fit(texts, labels)
    ref_batch = []
    for _ in range(3):
        t0 = time.perf_counter()
        ref.predict(texts)
        ref_batch.append(len(texts) / (time.perf_counter() - t0))
    ref_single = []
    for text in texts[:300]:
        t0 = time.perf_counter()
        ref.predict([text])
        ref_single.append(time.perf_counter() - t0)

    med = statistics.median(single) * 1000
    ref_med = statistics.median(ref_single) * 1000
    print(
        f"single message: median {med:.3f} ms, p95 {single[int(0.95 * len(single))] * 1000:.3f} ms"
        f" (scikit-learn pipeline {ref_med:.3f} ms: {ref_med / med:.1f}× slower)"
    )
    rb = statistics.median(ref_batch)
    print(f"batch: {b:.0f} messages/s (scikit-learn pipeline {rb:.0f}/s: {b / rb:.1f}×)")
    if args.held_out:
        held = held_out_raw(texts)
        raw_texts = [r["留言主题"] + r["留言详情"] for r in held]
        truth = [r["一级分类"] for r in held]
        ours = classify.evaluate([p.label for p in model.predict(raw_texts)], truth)
        theirs = classify.evaluate(list(ref.predict(raw_texts)), truth)
        print(
            f"held out: {len(held)} raw messages not in the training data: accuracy"
            f" {ours['accuracy']:.3f}, macro-F1 {ours['macro_f1']:.3f} (scikit-learn pipeline"
            f" {theirs['accuracy']:.3f}, {theirs['macro_f1']:.3f})"
        )
    if args.leaves:
        full_catalogue(texts, labels, model)
    if args.narrow:
        narrowing(texts, model, 1 / b)
    means = []
    for seed in range(args.seeds if args.cv else 0):
        t0 = time.perf_counter()
        report = classify.cross_validate(texts, labels, params=model.params, folds=5, seed=seed)
        means.append(report["macro_f1_mean"])
        print(
            json.dumps(
                {
                    "seed": seed,
                    "macro_f1_mean": report["macro_f1_mean"],
                    "macro_f1_std": report["macro_f1_std"],
                    "fold_macro_f1": report["fold_macro_f1"],
                    "accuracy": report["accuracy"],
                    "per_class_f1": {k: v["f1"] for k, v in report["per_class"].items()},
                    "seconds": round(time.perf_counter() - t0),
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
    if len(means) > 1:
        print(
            f"macro-F1 over the folds of seeds 0–{len(means) - 1}:"
            f" mean {statistics.mean(means):.4f} (seed means {min(means):.4f}–{max(means):.4f})"
        )


if __name__ == "__main__":
    main()
