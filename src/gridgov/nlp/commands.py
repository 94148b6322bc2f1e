"""``gridgov nlp …``: train, evaluate and cross-validate the catalogue classifier.

These commands need no database: they read a CSV (UTF-8 or GB18030) or XLSX file with a text
column and a label column (a label may be a catalogue path ``一级/二级/三级``) and write or read
a model file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from gridgov.kit.clock import utc_now
from gridgov.kit.errors import ValidationFailed
from gridgov.kit.tables import read_table
from gridgov.nlp import classify

app = typer.Typer(help="Text classification of citizen messages.", no_args_is_help=True)

Input = Annotated[
    Path, typer.Option("--input", help="CSV (UTF-8 or GB18030) or XLSX file with a header row")
]
TextColumn = Annotated[str, typer.Option("--text-column")]
LabelColumn = Annotated[str, typer.Option("--label-column")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def read_labelled(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    """Rows with a non-empty text and label of a CSV (UTF-8 or GB18030) or XLSX file; a
    missing column or an empty file is an error."""
    try:
        columns, rows = read_table(path)
    except ValidationFailed as exc:
        raise _fail(str(exc)) from None
    missing = [c for c in (text_column, label_column) if c not in columns]
    if missing:
        raise _fail(f"{path}: no column {', '.join(missing)} (columns: {', '.join(columns)})")
    texts, labels, skipped = [], [], 0
    for row in rows:
        text, label = row[text_column].strip(), row[label_column].strip()
        if not text or not label:
            skipped += 1
            continue
        texts.append(text)
        labels.append(label)
    if not texts:
        raise _fail(f"{path}: no row has both a text and a label")
    if skipped:
        typer.echo(f"skipped {skipped} row(s) without text or label", err=True)
    return texts, labels


def _params(c: float | None, head_weight: float | None) -> classify.Params:
    base = classify.Params()
    return classify.Params(
        c=base.c if c is None else c,
        head_weight=base.head_weight if head_weight is None else head_weight,
    )


@app.command("train")
def train_cmd(
    input: Input,
    output: Annotated[Path, typer.Option("--output", help="Model file to write (.npz)")],
    text_column: TextColumn = "text",
    label_column: LabelColumn = "label",
    c: Annotated[float | None, typer.Option("--c", min=1e-4, help="SVM C")] = None,
    head_weight: Annotated[float | None, typer.Option(min=0)] = None,
) -> None:
    """Train a classifier on labelled messages and write a versioned model file."""
    texts, labels = read_labelled(input, text_column, label_column)
    if len(set(labels)) < 2:
        raise _fail("at least two different labels are needed")
    try:  # before a minute of training, not after
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror}") from None
    started = time.perf_counter()
    try:
        model = classify.train(texts, labels, params=_params(c, head_weight), now=utc_now())
    except ValueError as exc:
        raise _fail(str(exc)) from None
    model.meta["source"] = input.name
    try:
        model.save(output)
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror}") from None
    typer.echo(
        json.dumps(
            {
                "model": str(output),
                "version": model.version,
                "examples": len(texts),
                "labels": model.labels,
                "features": model.meta["features"],
                "temperature": round(model.temperature, 3),
                "seconds": round(time.perf_counter() - started, 1),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


@app.command("evaluate")
def evaluate_cmd(
    model: Annotated[Path, typer.Option("--model")],
    input: Input,
    text_column: TextColumn = "text",
    label_column: LabelColumn = "label",
) -> None:
    """Score a model on labelled messages: JSON with macro_f1, accuracy, per-class
    precision/recall/F1 and the confusion matrix. The leaf is scored (no back-off)."""
    try:
        loaded = classify.Model.load(model)
    except classify.ModelError as exc:
        raise _fail(str(exc)) from None
    texts, labels = read_labelled(input, text_column, label_column)
    predicted = [p.leaf for p in loaded.predict(texts, explain=False)]
    report = classify.evaluate(predicted, labels, sorted(set(loaded.labels) | set(labels)))
    report["model_version"] = loaded.version
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))


@app.command("cross-validate")
def cross_validate_cmd(
    input: Input,
    text_column: TextColumn = "text",
    label_column: LabelColumn = "label",
    folds: Annotated[int, typer.Option(min=2, max=20)] = 5,
    c: Annotated[float | None, typer.Option("--c", min=1e-4)] = None,
    head_weight: Annotated[float | None, typer.Option(min=0)] = None,
    seed: Annotated[
        int, typer.Option(min=0, help="draws the folds: compare models over several seeds")
    ] = 0,
) -> None:
    """Stratified k-fold cross-validation: the same JSON as evaluate, plus per-fold scores."""
    texts, labels = read_labelled(input, text_column, label_column)
    counts = {label: labels.count(label) for label in set(labels)}
    if min(counts.values()) < folds:
        rare = min(counts, key=lambda k: counts[k])
        raise _fail(f"label {rare!r} has {counts[rare]} example(s), fewer than {folds} folds")
    report = classify.cross_validate(
        texts, labels, params=_params(c, head_weight), folds=folds, seed=seed
    )
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))


@app.command("predict")
def predict_cmd(
    model: Annotated[Path, typer.Option("--model")],
    text: Annotated[str, typer.Argument(help="The message")],
) -> None:
    """Classify one message: label, confidence, top 3 and the driving terms."""
    try:
        loaded = classify.Model.load(model)
    except classify.ModelError as exc:
        raise _fail(str(exc)) from None
    p = loaded.predict_one(text)
    typer.echo(
        json.dumps(
            {
                "label": p.label,
                "confidence": p.confidence,
                "leaf": p.leaf,
                "backed_off": p.backed_off,
                "top": [s.__dict__ for s in p.top],
                "terms": p.terms,
                "model_version": loaded.version,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
