"""Catalogue suggestions for a message: the trained model when there is one, else keywords.

Model labels are matched to catalogue items by code, by name path (``城乡建设/市容环境/…``) or
by a name that is unique in the catalogue. A label naming a branch is taken down to the leaf
the text names in the catalogue's own words (each leaf's name and keywords: ``narrow``).
Without a model, the items' words and names are matched against the text; those suggestions
are capped at confidence 0.5 so they help a dispatcher but never pass an auto-dispatch
threshold, and so are those for items the model never learnt (``_from_model``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gridgov.nlp.classify import SEPARATOR, Model, ModelError, Prediction
from gridgov.nlp.features import BASE
from gridgov.nlp.similar import Weights, bigrams
from gridgov.store.models import CatalogItem

KEYWORD_CAP = 0.5
FEW_PAIRS = 100  # a branch whose words start with more pairs looks them up by the text's pairs
ROOT = ""  # the whole catalogue: a branch whose leaves are all the leaves
# what, right before a catalogue word, says the message is not about it (``affirmed``)
DENIALS = ("不是", "并非", "不属于", "不涉及", "而非")


@dataclass(frozen=True)
class Classification:
    item_code: str | None
    confidence: float
    source: str  # channel / standard_code / model / keywords / none
    top: list[tuple[str, float]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    label: str | None = None
    model_version: str | None = None
    # the model's item and the catalogue word that took it down to ``item_code``
    refined: tuple[str, str] | None = None

    def explain(self, names: dict[str, str]) -> str:
        if self.item_code is None:
            return "not classified"
        name = names.get(self.item_code, self.item_code)
        if self.source == "channel":
            return f"catalogue item {self.item_code} {name} given by the channel"
        if self.source == "standard_code":
            return f"catalogue item {self.item_code} {name} by standard code {self.terms[0]}"
        why = f" ({', '.join(self.terms[:3])})" if self.terms else ""
        how = self.source
        if self.refined:
            how += f"; {self.refined[0]} narrowed by the word {self.refined[1]}"
        elif self.source == "keywords" and self.label:  # a model's answer set aside
            how += f"; not among the model's categories (it said {self.label})"
        return f"classified as {self.item_code} {name} {self.confidence:.2f}{why} [{how}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "item": self.item_code,
            "confidence": self.confidence,
            "source": self.source,
            "top": [{"item": c, "confidence": p} for c, p in self.top],
            "terms": self.terms,
            "label": self.label,
            "model_version": self.model_version,
            "refined": {"from": self.refined[0], "word": self.refined[1]} if self.refined else None,
        }


@dataclass
class _Catalog:
    revision: tuple[int, ...]  # the catalogue as last read (``Suggester.catalog``)
    names: dict[str, str]  # code → name
    paths: dict[str, str]  # code → name path
    parent: dict[str, str | None]
    by_label: dict[str, str]  # code / name path / unique name → code
    leaves: list[tuple[str, frozenset[str]]]  # leaf code, bigrams of its name
    # under each branch, its leaves' words (the leaf's name and keywords) by their first two
    # characters: a message is looked up by its own character pairs, not word by word
    under: dict[str, dict[str, list[tuple[str, str]]]]
    words: list[tuple[str, str, str]] = field(default_factory=list)  # leaf, name, keywords

    def narrow(self, code: str, text: str) -> tuple[str, str] | None:
        """A deeper item under ``code`` that ``text`` names in the catalogue's words, and the
        word: the leaf naming the most of its words (then the longest), or where several
        leaves tie, their deepest common ancestor below ``code``. None when no leaf is named."""
        index = self.under.get(code)
        if not index:
            return None
        said: dict[str, list[str]] = {}
        if len(index) > FEW_PAIRS:  # a large branch: look its words up by the text's pairs
            pairs = {text[i : i + 2] for i in range(len(text) - 1)}.intersection(index)
        else:  # a few words: searching the text for each is quicker
            pairs = {pair for pair in index if pair in text}
        for pair in pairs:
            for leaf, word in index[pair]:
                if affirmed(word, text):
                    said.setdefault(leaf, []).append(word)
        if not said:
            return None
        scored = {leaf: (len(words), max(map(len, words))) for leaf, words in said.items()}
        best = max(scored.values())
        tied = sorted(leaf for leaf, score in scored.items() if score == best)
        # the word to name: one only this leaf has (摊贩 before 路边, which 井盖缺失 has too)
        shared = Counter(w for words in said.values() for w in words)
        word = min(said[tied[0]], key=lambda w: (shared[w] > 1, -len(w), w))
        if len(tied) == 1:
            return tied[0], word
        chains = [self.chain(leaf) for leaf in tied]
        common = [c for c in chains[0] if all(c in chain for chain in chains[1:])]
        deepest = common[0] if common else code
        return (deepest, word) if deepest != code else None

    def chain(self, code: str | None) -> list[str]:
        """``code`` and its ancestors, up to its first-level item."""
        return lineage(code, self.parent)


class Suggester:
    """Thread-safe; reloads the model file when it changes and the catalogue when it grows."""

    def __init__(self, model_path: Path | None) -> None:
        self.model_path = model_path
        self._lock = threading.Lock()
        self._model: Model | None = None
        self._mtime: float | None = None
        self._catalog: _Catalog | None = None
        self._weights: tuple[Model, Weights] | None = None
        self._outside_cache: tuple[tuple[object, str], _Catalog | None] | None = None
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
        # an item added, switched off or given other keywords (the API edits nothing else)
        count, top, active, words = session.execute(
            select(
                func.count(CatalogItem.id),
                func.coalesce(func.max(CatalogItem.id), 0),
                func.coalesce(func.sum(case((CatalogItem.active.is_(True), 1), else_=0)), 0),
                func.coalesce(func.sum(func.length(CatalogItem.keywords)), 0),
            )
        ).one()
        revision = (int(count), int(top), int(active), int(words))
        cached = self._catalog
        if cached is not None and cached.revision == revision:
            return cached
        rows = session.execute(
            select(
                CatalogItem.id,
                CatalogItem.code,
                CatalogItem.name,
                CatalogItem.parent_id,
                CatalogItem.keywords,
            )
            .where(CatalogItem.active.is_(True))
            .order_by(CatalogItem.level, CatalogItem.code)
        ).all()
        code_of = {r.id: r.code for r in rows}
        names = {r.code: r.name for r in rows}
        parent = {r.code: code_of.get(r.parent_id) if r.parent_id else None for r in rows}
        paths = {
            r.code: SEPARATOR.join(names[c] for c in reversed(lineage(r.code, parent)))
            for r in rows
        }
        name_count: dict[str, int] = {}
        for name in names.values():
            name_count[name] = name_count.get(name, 0) + 1
        by_label = {name: code for code, name in names.items() if name_count[name] == 1}
        by_label.update({path: code for code, path in paths.items()})
        by_label.update({code: code for code in names})
        has_child = {p for p in parent.values() if p}
        leaves = [(c, bigrams(n)) for c, n in names.items() if c not in has_child]
        words = [(r.code, r.name, r.keywords) for r in rows if r.code not in has_child]
        under = words_under(words, parent)
        catalog = _Catalog(revision, names, paths, parent, by_label, leaves, under, words)
        self._catalog = catalog
        return catalog

    # ---- suggestions -----------------------------------------------------------------
    def suggest(self, session: Session, text: str) -> Classification:
        catalog = self.catalog(session)
        model = self.model()
        if model is not None:
            outside = self._outside(catalog, model)
            return _from_model(catalog, outside, model, model.predict_one(text), text)
        return self._keywords(catalog, text)

    def suggest_many(self, session: Session, texts: list[str]) -> list[Classification]:
        """:meth:`suggest` for a batch: one call of the model."""
        if not texts:
            return []
        model = self.model()
        if model is None:
            return [self.suggest(session, t) for t in texts]
        catalog = self.catalog(session)
        outside = self._outside(catalog, model)
        predicted = model.predict(texts)
        return [
            _from_model(catalog, outside, model, p, t)
            for p, t in zip(predicted, texts, strict=True)
        ]

    def _outside(self, catalog: _Catalog, model: Model) -> _Catalog | None:
        """The catalogue's leaves the model cannot name, as a catalogue to search by their
        words: those under a first-level item none of the model's labels falls in (the
        centre's history had no such cases). None when the model covers every first level."""
        key = (catalog.revision, model.version)
        cached = self._outside_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        covered = set()
        for label in model.labels:
            code = catalog.by_label.get(label)
            if code is not None:
                covered.add(catalog.chain(code)[-1])
        leaves = [
            (code, name, words)
            for code, name, words in catalog.words
            if catalog.chain(code)[-1] not in covered
        ]
        outside = replace(catalog, under=words_under(leaves, catalog.parent)) if leaves else None
        self._outside_cache = (key, outside)
        return outside

    @staticmethod
    def _keywords(catalog: _Catalog, text: str) -> Classification:
        """Without a model: the item whose own words (its name, its keywords) the text says,
        else the leaves whose names share most of their character pairs with it."""
        grams = bigrams(text)
        scored = []
        for code, name_grams in catalog.leaves:
            if name_grams:
                hit = len(grams & name_grams) / len(name_grams)
                if hit > 0:
                    scored.append((round(hit * KEYWORD_CAP, 4), code))
        scored.sort(key=lambda t: (-t[0], t[1]))
        top = [(code, conf) for conf, code in scored[:3]]
        named = catalog.narrow(ROOT, text)
        if named is not None:
            others = [(c, q) for c, q in top if c != named[0]]
            top = [(named[0], KEYWORD_CAP), *others][:3]
        if not top:
            return Classification(None, 0.0, "none")
        best_code = top[0][0]
        return Classification(
            item_code=best_code,
            confidence=top[0][1],
            source="keywords",
            top=top,
            terms=[named[1] if named else catalog.names[best_code]],
        )


def affirmed(word: str, text: str) -> bool:
    """Whether ``text`` says ``word`` at least once other than right after a denial: in
    "不是占道经营，是乱堆乱放" only 乱堆乱放 is said. A missing thing is not denied (没有路灯
    is a complaint about street lights), so 没有 and 无 do not count; nor does a question
    (是不是传销 asks about 传销) or 可不是 (which agrees)."""
    at = text.find(word)
    while at >= 0:
        head = text[max(0, at - 4) : at]
        if not head.endswith(DENIALS) or head.endswith(("是不是", "可不是")):
            return True
        at = text.find(word, at + 1)
    return False


def lineage(code: str | None, parent: Mapping[str, str | None]) -> list[str]:
    """``code`` and its ancestors by ``parent``, up to its first-level item (empty for None)."""
    found = []
    while code is not None:
        found.append(code)
        code = parent.get(code)
    return found


def keyword_list(keywords: str) -> list[str]:
    """An item's comma-separated keywords (full-width commas too), trimmed, without empty
    entries or repeats."""
    found = (w.strip() for w in keywords.replace("，", ",").split(","))
    return list(dict.fromkeys(w for w in found if w))


def words_under(
    leaves: Iterable[tuple[str, str, str]], parent: Mapping[str, str | None]
) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """``_Catalog.under`` for leaves given as (code, name, comma-separated keywords)."""
    under: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for code, name, keywords in leaves:
        words = (name, *keyword_list(keywords))
        # a word several leaves share (市容环境, the name of their branch) narrows only to
        # the branch they share (``narrow``)
        for word in dict.fromkeys(w for w in words if len(w) >= 2):
            # ROOT: the search without a model
            for branch in (ROOT, *lineage(parent.get(code), parent)):
                under.setdefault(branch, {}).setdefault(word[:2], []).append((code, word))
    return under


def _from_model(
    catalog: _Catalog, outside: _Catalog | None, model: Model, p: Prediction, text: str
) -> Classification:
    """The model's prediction as a catalogue item. A model trained on an upper level (the
    centre's history labelled by first-level category, as ``labeled_train.csv`` is) names a
    branch; where the text says a leaf's own words under that branch (占道经营 under 城乡建设),
    the item is taken down to it (``narrow``) with the branch's confidence, so the leaf's
    routing rule applies, and the explanation says which word did it.

    Where the text names a leaf the model cannot name at all (``outside``: 停电 when no
    labelled case was ever 民生服务), the model's answer is no evidence either way: that leaf
    is suggested by its words, at the keyword confidence that leaves it to a person, with the
    model's own answer among the candidates."""
    code = catalog.by_label.get(p.label)
    top = [(catalog.by_label[s.label], s.confidence) for s in p.top if s.label in catalog.by_label]
    unknown = outside.narrow(ROOT, text) if outside is not None else None
    if unknown is not None:
        return Classification(
            item_code=unknown[0],
            confidence=KEYWORD_CAP,
            source="keywords",
            top=[(unknown[0], KEYWORD_CAP), *top][:3],
            terms=[unknown[1]],
            label=p.label,
            model_version=model.version,
        )
    narrowed = catalog.narrow(code, text) if code else None
    if narrowed is not None:
        top = [(narrowed[0], q) if c == code else (c, q) for c, q in top]
    return Classification(
        item_code=narrowed[0] if narrowed else code,
        confidence=p.confidence if code else 0.0,
        source="model",
        top=top,
        terms=p.terms,
        label=p.label,
        model_version=model.version,
        refined=(code, narrowed[1]) if code and narrowed else None,
    )
