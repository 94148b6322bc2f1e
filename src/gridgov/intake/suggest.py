"""Catalogue suggestions for a message: the trained model when there is one, else keywords.

Model labels are matched to catalogue items by code, by name path (``城乡建设/市容环境/…``) or
by a name that is unique in the catalogue. Without a model, the names of the catalogue items
are matched against the text; those suggestions are capped at confidence 0.5 so they help a
dispatcher but never pass an auto-dispatch threshold.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.nlp.classify import SEPARATOR, Model, ModelError
from gridgov.nlp.features import BASE
from gridgov.nlp.similar import Weights, bigrams
from gridgov.store.models import CatalogItem

KEYWORD_CAP = 0.5


@dataclass(frozen=True)
class Classification:
    item_code: str | None
    confidence: float
    source: str  # channel / standard_code / model / keywords / none
    top: list[tuple[str, float]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    label: str | None = None
    model_version: str | None = None

    def explain(self, names: dict[str, str]) -> str:
        if self.item_code is None:
            return "not classified"
        name = names.get(self.item_code, self.item_code)
        if self.source == "channel":
            return f"catalogue item {self.item_code} {name} given by the channel"
        if self.source == "standard_code":
            return f"catalogue item {self.item_code} {name} by standard code {self.terms[0]}"
        why = f" ({', '.join(self.terms[:3])})" if self.terms else ""
        return f"classified as {self.item_code} {name} {self.confidence:.2f}{why} [{self.source}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "item": self.item_code,
            "confidence": self.confidence,
            "source": self.source,
            "top": [{"item": c, "confidence": p} for c, p in self.top],
            "terms": self.terms,
            "label": self.label,
            "model_version": self.model_version,
        }


@dataclass
class _Catalog:
    revision: tuple[int, int]
    names: dict[str, str]  # code → name
    paths: dict[str, str]  # code → name path
    parent: dict[str, str | None]
    by_label: dict[str, str]  # code / name path / unique name → code
    leaves: list[tuple[str, frozenset[str]]]  # leaf code, bigrams of its name


class Suggester:
    """Thread-safe; reloads the model file when it changes and the catalogue when it grows."""

    def __init__(self, model_path: Path | None) -> None:
        self.model_path = model_path
        self._lock = threading.Lock()
        self._model: Model | None = None
        self._mtime: float | None = None
        self._catalog: _Catalog | None = None
        self._weights: tuple[Model, Weights] | None = None
        self.model_error: str | None = None

    # ---- model -----------------------------------------------------------------------
    def model(self) -> Model | None:
        path = self.model_path
        if path is None or not path.exists():
            return None
        mtime = path.stat().st_mtime
        with self._lock:
            if self._mtime != mtime:
                try:
                    self._model, self.model_error = Model.load(path), None
                except ModelError as exc:
                    self._model, self.model_error = None, str(exc)
                self._mtime = mtime
            return self._model

    def bigram_weights(self) -> Weights | None:
        """Inverse document frequency of character bigrams in the model's training corpus
        (for duplicate scores), or None without a model."""
        model = self.model()
        if model is None:
            return None
        cached = self._weights
        if cached is not None and cached[0] is model:
            return cached[1]
        vocab = model.body.vocabulary
        lo, hi = np.searchsorted(vocab, [BASE, BASE * BASE])  # the bigrams' codes
        weights = Weights(vocab[lo:hi], model.body.idf[lo:hi], float(model.body.idf.max()))
        self._weights = (model, weights)
        return weights

    # ---- catalogue -------------------------------------------------------------------
    def catalog(self, session: Session) -> _Catalog:
        count, top = session.execute(
            select(func.count(CatalogItem.id), func.coalesce(func.max(CatalogItem.id), 0))
        ).one()
        revision = (int(count), int(top))
        cached = self._catalog
        if cached is not None and cached.revision == revision:
            return cached
        rows = session.execute(
            select(CatalogItem.id, CatalogItem.code, CatalogItem.name, CatalogItem.parent_id)
            .where(CatalogItem.active.is_(True))
            .order_by(CatalogItem.level, CatalogItem.code)
        ).all()
        code_of = {r.id: r.code for r in rows}
        names = {r.code: r.name for r in rows}
        parent = {r.code: code_of.get(r.parent_id) if r.parent_id else None for r in rows}
        paths: dict[str, str] = {}
        for r in rows:
            chain, code = [], r.code
            while code is not None:
                chain.append(names[code])
                code = parent.get(code)
            paths[r.code] = SEPARATOR.join(reversed(chain))
        name_count: dict[str, int] = {}
        for name in names.values():
            name_count[name] = name_count.get(name, 0) + 1
        by_label = {name: code for code, name in names.items() if name_count[name] == 1}
        by_label.update({path: code for code, path in paths.items()})
        by_label.update({code: code for code in names})
        has_child = {p for p in parent.values() if p}
        leaves = [(c, bigrams(n)) for c, n in names.items() if c not in has_child]
        catalog = _Catalog(revision, names, paths, parent, by_label, leaves)
        self._catalog = catalog
        return catalog

    # ---- suggestions -----------------------------------------------------------------
    def suggest(self, session: Session, text: str) -> Classification:
        catalog = self.catalog(session)
        model = self.model()
        if model is not None:
            p = model.predict_one(text)
            code = catalog.by_label.get(p.label)
            top = [
                (catalog.by_label[s.label], s.confidence)
                for s in p.top
                if s.label in catalog.by_label
            ]
            return Classification(
                item_code=code,
                confidence=p.confidence if code else 0.0,
                source="model",
                top=top,
                terms=p.terms,
                label=p.label,
                model_version=model.version,
            )
        return self._keywords(catalog, text)

    def suggest_many(self, session: Session, texts: list[str]) -> list[Classification]:
        """:meth:`suggest` for a batch: one call of the model."""
        if not texts:
            return []
        model = self.model()
        if model is None:
            return [self.suggest(session, t) for t in texts]
        catalog = self.catalog(session)
        out = []
        for p in model.predict(texts):
            code = catalog.by_label.get(p.label)
            out.append(
                Classification(
                    item_code=code,
                    confidence=p.confidence if code else 0.0,
                    source="model",
                    top=[
                        (catalog.by_label[x.label], x.confidence)
                        for x in p.top
                        if x.label in catalog.by_label
                    ],
                    terms=p.terms,
                    label=p.label,
                    model_version=model.version,
                )
            )
        return out

    @staticmethod
    def _keywords(catalog: _Catalog, text: str) -> Classification:
        grams = bigrams(text)
        scored = []
        for code, name_grams in catalog.leaves:
            if name_grams:
                hit = len(grams & name_grams) / len(name_grams)
                if hit > 0:
                    scored.append((round(hit * KEYWORD_CAP, 4), code))
        scored.sort(key=lambda t: (-t[0], t[1]))
        if not scored:
            return Classification(None, 0.0, "none")
        top = [(code, conf) for conf, code in scored[:3]]
        best_code = top[0][0]
        return Classification(
            item_code=best_code,
            confidence=top[0][1],
            source="keywords",
            top=top,
            terms=[catalog.names[best_code]],
        )
