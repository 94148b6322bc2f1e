"""A catalogue classifier for the demo county when no real messages are at hand.

``make demo`` trains on real citizen messages where ``../shared/data`` has them; a fresh
clone without them gets this one instead: the demo catalogue's own titles and names in the
phrasings people use on the phone, labelled with their leaf codes. It knows only the demo's
vocabulary — enough for triage to classify, route and dispatch the simulator's reports.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

from gridgov.nlp import classify
from gridgov.sim.demo_data import ADDRESS_STREETS, CATALOG, TOWNS

PHRASINGS = (
    "{t}",
    "{t}，请尽快处理",
    "反映{t}的问题",
    "{place}{t}",
    "{place}附近{t}，已经好几天了",
    "市民来电：{t}，希望有关部门管一管",
    "我要投诉，{t}",
    "{t}，影响居民生活",
)


def examples(seed: int = 2026) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    towns = [name for name, _ in TOWNS.values()]
    texts, labels = [], []
    for _, _, level2 in CATALOG:
        for _, _, leaves in level2:
            for leaf in leaves:
                for title in (*leaf.titles, leaf.name):
                    for phrasing in PHRASINGS:
                        place = rng.choice(towns) + rng.choice(ADDRESS_STREETS)
                        texts.append(phrasing.format(t=title, place=place))
                        labels.append(leaf.code)
    return texts, labels


def train_demo_model(path: Path, *, now: datetime) -> int:
    """Train and save the demo classifier; returns the number of examples."""
    texts, labels = examples()
    model = classify.train(texts, labels, now=now)
    model.meta["source"] = "demo catalogue titles (no real messages found)"
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return len(texts)
