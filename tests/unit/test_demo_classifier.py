"""The demo county's classifier, for fresh clones without real messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from gridgov.nlp import classify
from gridgov.sim.classifier import examples, train_demo_model


def test_it_learns_every_demo_leaf_and_reads_new_phrasings(tmp_path: Path) -> None:
    texts, labels = examples()
    assert len(set(labels)) >= 20
    assert len(texts) == len(labels)
    path = tmp_path / "demo.npz"
    n = train_demo_model(path, now=datetime(2026, 11, 22, tzinfo=UTC))
    assert n == len(texts)
    model = classify.Model.load(path)
    # phrasings that are not among the training texts
    for text, leaf in [
        ("燃气管道漏气了，味道很大", "080102"),
        ("小区门口的路灯坏了", "010202"),
        ("早餐摊把人行道占了", "010101"),
    ]:
        assert text not in texts
        assert model.predict([text])[0].leaf == leaf, text
