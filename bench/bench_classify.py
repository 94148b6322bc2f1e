"""Classifier speed (and, with --cv, its 5-fold macro-F1) on the real labelled messages.

Measured: single-message latency of ``Model.predict_one`` (median and p95 over 1,000 calls,
with explanations), batch throughput of ``Model.predict`` over all messages, on one core.
Baseline in the same run: scikit-learn's own pipeline (TfidfVectorizer char 1–3 + LinearSVC,
same settings) predicting the same messages.
With --held-out: the messages of labeled_sample_raw.csv (a real platform's raw export: title,
punctuation, whitespace noise) that are not in labeled_train.csv, classified in that raw form
(title + text, as the one door passes them) by the model trained on labeled_train.csv, with
the scikit-learn pipeline's figures on the same messages.
Run: .venv/bin/python bench/bench_classify.py [--cv] [--held-out]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", action="store_true", help="also run 5-fold cross-validation")
    ap.add_argument(
        "--held-out", action="store_true", help="also classify the raw export's unseen messages"
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

    single = []
    for text in texts[:1000]:
        t0 = time.perf_counter()
        model.predict_one(text)
        single.append(time.perf_counter() - t0)
    single.sort()
    batch = []
    for _ in range(3):
        t0 = time.perf_counter()
        model.predict(texts, explain=False)
        batch.append(len(texts) / (time.perf_counter() - t0))

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
    b, rb = statistics.median(batch), statistics.median(ref_batch)
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
    if args.cv:
        t0 = time.perf_counter()
        report = classify.cross_validate(texts, labels, params=model.params, folds=5)
        print(
            json.dumps(
                {
                    "macro_f1_mean": report["macro_f1_mean"],
                    "macro_f1_std": report["macro_f1_std"],
                    "fold_macro_f1": report["fold_macro_f1"],
                    "accuracy": report["accuracy"],
                    "per_class_f1": {k: v["f1"] for k, v in report["per_class"].items()},
                    "seconds": round(time.perf_counter() - t0),
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
