"""Classifier speed (and, with --cv, its 5-fold macro-F1) on the real labelled messages.

Measured: single-message latency of ``Model.predict_one`` (median and p95 over 1,000 calls,
with explanations), batch throughput of ``Model.predict`` over all messages, on one core.
Baseline in the same run: scikit-learn's own pipeline (TfidfVectorizer char 1–3 + LinearSVC,
same settings) predicting the same messages.
Run: .venv/bin/python bench/bench_classify.py [--cv]
"""

from __future__ import annotations

import argparse
import csv
import json
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", action="store_true", help="also run 5-fold cross-validation")
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
