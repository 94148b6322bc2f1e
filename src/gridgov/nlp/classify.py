"""Catalogue classification of citizen messages (pure: arrays in, predictions out).

A linear SVM per label over character 1–3-gram TF-IDF (plus a second block for the opening
characters, where a message states its subject), each on features scaled by the label's
naive-Bayes log-count ratio to the power 0.5, trained on the centre's own labelled history. The
per-label decisions are then re-weighed against each other by a multinomial logistic regression
fitted on out-of-fold decisions (stacking: it learns, say, that a strong 交通运输 score with a
fair 城乡建设 one is usually 城乡建设). That second stage is linear too, so it is folded into
the weights: prediction is still one sparse product. Decision values become confidences through
a softmax whose temperature is fitted on the same out-of-fold decisions, so "0.94" means what it
says often enough to set an auto-dispatch threshold on it.

Labels may be catalogue paths (``城乡建设/市容环境/占道经营``): the model predicts the leaf,
and when the leaf is uncertain it backs off to the most specific ancestor whose summed
confidence passes the threshold. With more labels than ``Params.max_flat`` (a full catalogue:
517 leaves in the real three-level one) one SVM per leaf over every message and feature would
take 929 MiB of weights and ~20 minutes to train, so the model branches: the flat model above
decides the first level, and each first-level branch has its own SVMs for its leaves, trained
on its own messages over the feature columns two of them use (5× less memory, minutes to
train, the same batch speed). A message is read once; its likeliest branch scores it, and
the second likeliest too unless the first holds 95 %: P(leaf) = P(branch) · P(leaf | branch).

A model file is a NumPy ``.npz`` archive — arrays and one JSON header, loaded with
``allow_pickle=False`` so a model file can never run code.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack

from gridgov.nlp.features import MAX_N, IntArray, Vectorizer

FORMAT = 1  # a flat model; a branched one is written as format 2
BRANCHED_FORMAT = 2
SEPARATOR = "/"
FloatArray = npt.NDArray[np.float64]


class ModelError(Exception):
    """A model file that cannot be used (missing, damaged, another format)."""


@dataclass(frozen=True)
class Params:
    c: float = 3.0  # SVM regularisation (measured: 1 → 0.918, 3 → 0.921, 10 → 0.923)
    nb_power: float = 0.5  # NB log-count-ratio scaling (0 = plain SVM; 0.5: 0.931 → 0.934)
    min_df: int = 2
    n_max: int = MAX_N
    head_chars: int = 20  # the opening characters get their own feature block ...
    head_weight: float = 0.5  # ... at this weight (0 turns it off)
    backoff: float = 0.5  # leaf confidence below this backs off to the parent level
    stack_c: float = 1.0  # regularisation of the stacked re-weighing (0 turns it off)
    max_flat: int = 64  # more labels than this (paths): a model per first-level branch
    branches_read: int = 2  # the likeliest first-level branches that score a message ...
    branch_sure: float = 0.95  # ... or only the likeliest, when it holds this much


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    label: str  # the leaf, or the ancestor backed off to
    confidence: float
    leaf: str
    backed_off: bool
    top: list[Suggestion]
    terms: list[str]  # the n-grams that pushed hardest towards ``leaf``


@dataclass
class Branch:
    """The leaves under one first-level label: one SVM each over ``columns``, the columns of
    the shared features that at least two of the branch's training messages use."""

    name: str
    labels: list[str]
    columns: IntArray  # sorted feature columns of the whole model
    weights: npt.NDArray[np.float32]  # (columns, labels): as a sparse row multiplies it
    intercept: FloatArray
    temperature: float
    _local: IntArray | None = field(default=None, repr=False, compare=False)

    def local(self, width: int) -> IntArray:
        """For each feature column of the model, its column here (-1: not used here)."""
        if self._local is None:
            self._local = np.full(width, -1, dtype=np.int64)
            self._local[self.columns] = np.arange(len(self.columns))
        return self._local

    def probabilities(
        self, indptr: IntArray, cols: IntArray, data: FloatArray, rows: IntArray, width: int
    ) -> FloatArray:
        """P(leaf | this branch) for the feature rows ``rows`` (of the CSR parts given)."""
        if len(self.labels) == 1:
            return np.ones((len(rows), 1))
        starts = indptr[rows]
        lengths = indptr[rows + 1] - starts
        owner = np.repeat(np.arange(len(rows)), lengths)
        # the positions of those rows' entries, row after row
        take = np.arange(int(lengths.sum())) + np.repeat(
            starts - (np.cumsum(lengths) - lengths), lengths
        )
        local = self.local(width)[cols[take]]
        keep = local >= 0
        # the kept entries are still row after row: CSR parts directly, no sort
        indptr_here = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner[keep], minlength=len(rows)), out=indptr_here[1:])
        x = csr_matrix(
            (data[take][keep].astype(np.float32), local[keep], indptr_here),
            shape=(len(rows), len(self.columns)),
        )
        decisions = np.asarray(x @ self.weights, dtype=np.float64) + self.intercept
        return softmax(decisions * self.temperature)

    def weight(self, label: int, cols: IntArray, width: int) -> FloatArray:
        """The weights of leaf ``label`` (its index here) on the model's columns ``cols``."""
        local = self.local(width)[cols]
        out = np.zeros(len(cols))
        if len(self.columns):
            out[local >= 0] = self.weights[local[local >= 0], label]
        return out


@dataclass
class Model:
    labels: list[str]  # the leaves (in a branched model, branch after branch)
    body: Vectorizer
    head: Vectorizer | None
    coef: npt.NDArray[np.float32]  # (labels, features); branched: (branches, features)
    intercept: FloatArray
    temperature: float
    params: Params
    meta: dict[str, Any] = field(default_factory=dict)
    branches: list[Branch] = field(default_factory=list)
    _coef_t: npt.NDArray[np.float32] | None = field(default=None, repr=False, compare=False)
    _ancestors: tuple[list[str], dict[str, IntArray]] | None = field(
        default=None, repr=False, compare=False
    )

    # ---- features ------------------------------------------------------------------
    def rows(self, texts: Sequence[str]) -> tuple[IntArray, IntArray, FloatArray]:
        """CSR parts of the texts' feature rows: body columns, then head columns after them."""
        b_ptr, b_cols, b_data = self.body.weights(texts)
        if self.head is None:
            return b_ptr, b_cols, b_data
        h_ptr, h_cols, h_data = self.head.weights([t[: self.params.head_chars] for t in texts])
        if len(texts) == 1:
            cols = np.concatenate([b_cols, h_cols + self.body.size])
            data = np.concatenate([b_data, h_data * self.params.head_weight])
            return np.array([0, len(cols)], dtype=np.int64), cols, data
        x = self._csr(b_ptr, b_cols, b_data, self.body.size, len(texts))
        h = self._csr(h_ptr, h_cols, h_data * self.params.head_weight, self.head.size, len(texts))
        both = hstack([x, h], format="csr")
        return both.indptr.astype(np.int64), both.indices.astype(np.int64), both.data

    @staticmethod
    def _csr(indptr: IntArray, cols: IntArray, data: FloatArray, width: int, n: int) -> csr_matrix:
        return csr_matrix((data, cols, indptr), shape=(n, width))

    @property
    def width(self) -> int:
        return self.body.size + (self.head.size if self.head is not None else 0)

    def features(self, texts: Sequence[str]) -> csr_matrix:
        indptr, cols, data = self.rows(texts)
        return self._csr(indptr, cols, data, self.width, len(texts))

    def _term(self, column: int) -> str:
        if column < self.body.size or self.head is None:
            return self.body.term(column)
        return self.head.term(column - self.body.size)

    # ---- prediction ----------------------------------------------------------------
    def _weights_t(self) -> npt.NDArray[np.float32]:
        # features × labels, contiguous, in the coefficients' own float32: a sparse row then
        # reads only its own rows of it (a strided or float64 copy of the matrix cost 2 ms)
        if self._coef_t is None or self._coef_t.shape[0] != self.coef.shape[1]:
            self._coef_t = np.ascontiguousarray(self.coef.T, dtype=np.float32)
        return self._coef_t

    def decision(self, x: csr_matrix) -> FloatArray:
        out = x.astype(np.float32) @ self._weights_t()
        return np.asarray(out, dtype=np.float64) + self.intercept

    def _decide(self, texts: Sequence[str]) -> tuple[FloatArray, IntArray, IntArray, FloatArray]:
        indptr, cols, data = self.rows(texts)
        if len(texts) == 1:  # no sparse matrix at all: gather the weights of its features
            d = data.astype(np.float32) @ self._weights_t()[cols]
            return np.asarray(d, dtype=np.float64)[None, :] + self.intercept, indptr, cols, data
        x = self._csr(indptr, cols, data, self.width, len(texts))
        return self.decision(x), indptr, cols, data

    def probabilities(
        self, texts: Sequence[str]
    ) -> tuple[FloatArray, IntArray, IntArray, FloatArray]:
        """P(label) for each text (texts × labels) and the texts' CSR feature parts. In a
        branched model the labels of branches that did not score a text are 0."""
        decisions, indptr, cols, data = self._decide(texts)
        first = softmax(decisions * self.temperature)
        if not self.branches:
            return first, indptr, cols, data
        probs = np.zeros((len(texts), len(self.labels)))
        read = min(self.params.branches_read, len(self.branches))
        likeliest = np.argsort(-first, axis=1)[:, :read]
        sure = np.take_along_axis(first, likeliest[:, :1], axis=1)[:, 0] >= self.params.branch_sure
        likeliest[sure, 1:] = likeliest[sure, :1]  # the others hold too little to read
        start = 0
        for b, branch in enumerate(self.branches):
            rows = np.flatnonzero((likeliest == b).any(axis=1))
            end = start + len(branch.labels)
            if len(rows):
                inner = branch.probabilities(indptr, cols, data, rows, self.width)
                probs[rows, start:end] = first[rows, b : b + 1] * inner
            start = end
        return probs, indptr, cols, data

    def predict(self, texts: Sequence[str], *, explain: bool = True) -> list[Prediction]:
        probs, indptr, cols, data = self.probabilities(texts)
        k = min(3, len(self.labels))
        order = np.argpartition(-probs, k - 1, axis=1)[:, :k]
        top_p = np.take_along_axis(probs, order, axis=1)
        resort = np.argsort(-top_p, axis=1)
        order = np.take_along_axis(order, resort, axis=1).tolist()
        top_p = np.round(np.take_along_axis(top_p, resort, axis=1), 4).tolist()
        labels = self.labels
        out = []
        for i, (idx, ps) in enumerate(zip(order, top_p, strict=True)):
            leaf = idx[0]
            label, confidence = labels[leaf], ps[0]
            if confidence < self.params.backoff and SEPARATOR in label:
                label, confidence = self._back_off(probs[i], leaf)
            terms = []
            if explain:
                row = slice(int(indptr[i]), int(indptr[i + 1]))
                terms = self._drivers(cols[row], data[row], leaf, texts[i])
            out.append(
                Prediction(
                    label=label,
                    confidence=round(float(confidence), 4),
                    leaf=labels[leaf],
                    backed_off=label != labels[leaf],
                    top=[Suggestion(labels[j], p) for j, p in zip(idx, ps, strict=True)],
                    terms=terms,
                )
            )
        return out

    def predict_one(self, text: str) -> Prediction:
        return self.predict([text])[0]

    def _back_off(self, p: FloatArray, leaf: int) -> tuple[str, float]:
        label = self.labels[leaf]
        if p[leaf] >= self.params.backoff or SEPARATOR not in label:
            return label, float(p[leaf])
        parts = label.split(SEPARATOR)
        under = self._under()
        for depth in range(len(parts) - 1, 0, -1):
            prefix = SEPARATOR.join(parts[:depth])
            mass = float(p[under[prefix]].sum())
            if mass >= self.params.backoff:
                return prefix, mass
        return label, float(p[leaf])

    def _under(self) -> dict[str, IntArray]:
        """Each ancestor path of the labels → the labels at or under it (by index)."""
        if self._ancestors is None or self._ancestors[0] is not self.labels:
            found: dict[str, list[int]] = {}
            for j, name in enumerate(self.labels):
                parts = name.split(SEPARATOR)
                for depth in range(1, len(parts) + 1):
                    found.setdefault(SEPARATOR.join(parts[:depth]), []).append(j)
            self._ancestors = (self.labels, {k: np.array(v) for k, v in found.items()})
        return self._ancestors[1]

    def _drivers(
        self, cols: IntArray, data: FloatArray, label: int, text: str, k: int = 5
    ) -> list[str]:
        contrib = data * self._leaf_weights(label, cols)
        best = np.argsort(-contrib)[: k * 3]
        best = best[contrib[best] > 0]
        found = [t for t in map(self._term, cols[best].tolist()) if len(t) > 1]
        found = joined(list(dict.fromkeys(found)), text)
        # a longer n-gram says more than its own pieces: keep "放杂物", drop "杂物"
        kept = [t for t in found if not any(t != u and t in u for u in found)]
        return list(dict.fromkeys(kept))[:k]

    def _leaf_weights(self, label: int, cols: IntArray) -> FloatArray:
        if not self.branches:
            return np.asarray(self.coef[label, cols], dtype=np.float64)
        for b, branch in enumerate(self.branches):
            if label >= len(branch.labels):
                label -= len(branch.labels)
            elif len(branch.labels) == 1:  # the branch's own weights decide its one leaf
                return np.asarray(self.coef[b, cols], dtype=np.float64)
            else:
                return branch.weight(label, cols, self.width)
        raise IndexError("no such label")

    # ---- files ---------------------------------------------------------------------
    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    def save(self, path: Path) -> None:
        header = {
            "format": BRANCHED_FORMAT if self.branches else FORMAT,
            "labels": self.labels,
            "temperature": self.temperature,
            "params": self.params.__dict__,
            "n_max": self.body.n_max,
            "meta": self.meta,
            "branches": [
                {"name": b.name, "labels": b.labels, "temperature": b.temperature}
                for b in self.branches
            ],
        }
        arrays: dict[str, Any] = {
            "header": np.array(json.dumps(header, ensure_ascii=False)),
            "body_vocabulary": self.body.vocabulary,
            "body_idf": self.body.idf,
            "coef": self.coef,
            "intercept": self.intercept,
        }
        if self.head is not None:
            arrays["head_vocabulary"] = self.head.vocabulary
            arrays["head_idf"] = self.head.idf
        for i, b in enumerate(self.branches):
            arrays[f"branch{i}_columns"] = b.columns
            arrays[f"branch{i}_weights"] = b.weights
            arrays[f"branch{i}_intercept"] = b.intercept
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Model:
        try:
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                if header.get("format") not in (FORMAT, BRANCHED_FORMAT):
                    raise ModelError(
                        f"{path}: model format {header.get('format')}, this version reads "
                        f"{FORMAT} and {BRANCHED_FORMAT}; train it again"
                    )
                n_max = int(header["n_max"])
                body = Vectorizer(z["body_vocabulary"], z["body_idf"], n_max)
                head = (
                    Vectorizer(z["head_vocabulary"], z["head_idf"], n_max)
                    if "head_vocabulary" in z
                    else None
                )
                return cls(
                    labels=list(header["labels"]),
                    body=body,
                    head=head,
                    coef=z["coef"],
                    intercept=z["intercept"],
                    temperature=float(header["temperature"]),
                    params=Params(**header["params"]),
                    meta=dict(header["meta"]),
                    branches=[
                        Branch(
                            name=b["name"],
                            labels=list(b["labels"]),
                            columns=z[f"branch{i}_columns"],
                            weights=z[f"branch{i}_weights"],
                            intercept=z[f"branch{i}_intercept"],
                            temperature=float(b["temperature"]),
                        )
                        for i, b in enumerate(header.get("branches", []))
                    ],
                )
        except FileNotFoundError:
            raise ModelError(f"{path}: no such model file") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{path}: not a gridgov model file ({exc})") from exc


def joined(terms: list[str], text: str, overlap: int = 2) -> list[str]:
    """Driving n-grams that overlap in the text read as the stretch they cover: "生活垃" and
    "活垃圾" as "生活垃圾", "最低工" "低工资" "工资标" "资标准" as "最低工资标准". Two terms
    join where one ends with at least ``overlap`` characters the other starts with and the
    joined stretch is in the text as written (normalising a message to look for it cost three
    times the joining: a stretch across a space or a full-width letter stays in pieces); the
    stretch takes the place of the stronger of them. Joining on one shared character made more
    odd stretches than words on the real messages ("教师"+"师工" → "教师工"), so two it is."""
    out = list(terms)
    if not {t[-overlap:] for t in out if len(t) > overlap} & {t[:overlap] for t in out}:
        return out  # nothing ends where another begins: the common case, and quick
    joining = True
    while joining:
        joining = False
        starts: dict[str, list[int]] = {}
        for j, t in enumerate(out):
            starts.setdefault(t[0], []).append(j)
        for i, a in enumerate(out):
            for m in range(len(a) - 1, overlap - 1, -1):
                for j in starts.get(a[-m], ()):
                    b = out[j]
                    if j != i and len(b) > m and b.startswith(a[-m:]) and a + b[m:] in text:
                        out[min(i, j)] = a + b[m:]
                        del out[max(i, j)]
                        joining = True
                        break
                if joining:
                    break
            if joining:
                break
    return out


def softmax(z: FloatArray) -> FloatArray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: FloatArray = e / e.sum(axis=1, keepdims=True)
    return out


def _fit_linear(
    x: csr_matrix, labels: Sequence[str], classes: list[str], params: Params
) -> tuple[npt.NDArray[np.float32], FloatArray]:
    """One binary linear SVM per label on features scaled by |log-count ratio| ** nb_power
    (NBSVM, Wang & Manning 2012, softened); the scaling is folded into the weights, so
    prediction is a single linear model."""
    from sklearn.svm import LinearSVC

    if x.shape[1] == 0:
        raise ValueError(
            "no character n-gram occurs in enough messages to learn from: more examples needed"
        )
    y = np.asarray(labels, dtype=object)
    present = (x > 0).astype(np.float64)
    coef = np.zeros((len(classes), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(classes))
    for k, label in enumerate(classes):
        pos = y == label
        scale = np.ones(x.shape[1])
        if params.nb_power > 0:
            p = np.asarray(present[pos].sum(axis=0)).ravel() + 1.0
            q = np.asarray(present[~pos].sum(axis=0)).ravel() + 1.0
            scale = np.abs(np.log((p / p.sum()) / (q / q.sum()))) ** params.nb_power
        # seeded: its coordinate descent visits the examples in a random order, so the same
        # messages would otherwise give weights that differ in the fifth digit, and a model
        # version (a digest of the weights) that differs at every training
        svm = LinearSVC(C=params.c, max_iter=5000, random_state=0)
        svm.fit(csr_matrix(x.multiply(scale)), pos)
        coef[k] = svm.coef_[0] * scale
        intercept[k] = svm.intercept_[0]
    return coef, intercept


def _build(texts: Sequence[str], params: Params) -> tuple[Vectorizer, Vectorizer | None]:
    body = Vectorizer.fit(texts, n_max=params.n_max, min_df=params.min_df)
    head = None
    if params.head_weight > 0 and params.head_chars > 0:
        head = Vectorizer.fit(
            [t[: params.head_chars] for t in texts], n_max=params.n_max, min_df=params.min_df
        )
    return body, head


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    params: Params | None = None,
    now: datetime,
    calibration_folds: int = 3,
) -> Model:
    """Fit a model (:func:`fit`) and stamp it with a version."""
    model = fit(texts, labels, params=params or Params(), folds=calibration_folds)
    digest = hashlib.sha256(model.coef.tobytes())
    for branch in model.branches:
        digest.update(branch.weights.tobytes())
    model.meta = {
        "version": f"{now:%Y%m%dT%H%M%S}-{digest.hexdigest()[:10]}",
        "trained_at": now.isoformat(),
        "examples": len(texts),
        "features": model.width,
    }
    return model


# Above this many labels the re-weighing (labels × labels) is not fitted: its cost grows with
# the square of the labels, and a deep catalogue's leaves have too few examples each for it.
MAX_STACKED = 64


def fit(texts: Sequence[str], labels: Sequence[str], *, params: Params, folds: int = 3) -> Model:
    """The SVMs on every text; the re-weighing and the softmax temperature from ``folds``-fold
    out-of-fold decisions (skipped where a label has fewer examples than folds)."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("at least two different labels are needed to train a classifier")
    firsts = [label.split(SEPARATOR, 1)[0] for label in labels]
    if (
        len(classes) > params.max_flat
        and any(SEPARATOR in c for c in classes)
        and len(set(firsts)) >= 2
    ):
        return _fit_branched(texts, labels, firsts, params=params, folds=folds)
    model = train_fold(texts, labels, params)
    y = np.array([classes.index(label) for label in labels])
    decisions = _out_of_fold(texts, labels, y, classes, params, folds)
    if decisions is None:
        return model
    if params.stack_c > 0 and len(classes) <= MAX_STACKED:
        mix, bias = _fit_stacker(decisions, y, params.stack_c)
        # new decision = mix · (coef · x + intercept) + bias, folded into coef and intercept
        model.coef = (mix.astype(np.float32) @ model.coef).astype(np.float32)
        model.intercept = mix @ model.intercept + bias
        decisions = decisions @ mix.T + bias
    model.temperature = _fit_temperature(decisions, y)
    return model


def _fit_branched(
    texts: Sequence[str], labels: Sequence[str], firsts: list[str], *, params: Params, folds: int
) -> Model:
    """The flat model over the first level, then each branch's leaves on its own messages,
    over the columns of the first-level model's features that those messages use."""
    model = fit(texts, firsts, params=params, folds=folds)
    x = model.features(texts)
    for name in model.labels:
        rows = [i for i, first in enumerate(firsts) if first == name]
        model.branches.append(_fit_branch(name, x[rows], [labels[i] for i in rows], params, folds))
    model.labels = [label for branch in model.branches for label in branch.labels]
    return model


def _fit_branch(name: str, x: csr_matrix, labels: list[str], params: Params, folds: int) -> Branch:
    leaves = sorted(set(labels))
    # the columns used by at least two of the branch's messages (by one, where none is)
    df = np.bincount(x.indices, minlength=x.shape[1])
    columns = np.flatnonzero(df >= 2) if np.any(df >= 2) else np.flatnonzero(df)
    if len(leaves) == 1:
        return Branch(
            name, leaves, columns, np.zeros((len(columns), 1), np.float32), np.zeros(1), 1.0
        )
    local = csr_matrix(x[:, columns])
    coef, intercept = _fit_linear(local, labels, leaves, params)
    y = np.array([leaves.index(label) for label in labels])
    temperature = 1.0
    k = min(folds, int(np.bincount(y).min()))
    if k >= 2:  # the softmax temperature from out-of-fold decisions, as for the first level
        from sklearn.model_selection import StratifiedKFold

        decisions = np.zeros((len(labels), len(leaves)))
        for tr, te in StratifiedKFold(k, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
            part_labels = [labels[i] for i in tr]
            c, b = _fit_linear(local[tr], part_labels, leaves, params)
            decisions[te] = np.asarray(local[te] @ c.T) + b
        temperature = _fit_temperature(decisions, y)
    weights = np.ascontiguousarray(coef.T, dtype=np.float32)
    return Branch(name, leaves, columns, weights, intercept, temperature)


def _out_of_fold(
    texts: Sequence[str],
    labels: Sequence[str],
    y: IntArray,
    classes: list[str],
    params: Params,
    folds: int,
) -> FloatArray | None:
    """Each text's decisions from a model that did not see it (None: too few examples);
    ``y`` holds the labels' indexes in ``classes``."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(folds, int(np.bincount(y).min()))
    if folds < 2:
        return None
    texts_arr = np.array(texts, dtype=object)
    decisions = np.zeros((len(texts), len(classes)))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts_arr, y):
        try:
            part = train_fold(list(texts_arr[tr]), [labels[i] for i in tr], params)
        except ValueError:  # a fold too small to learn from
            return None
        d = part.decision(part.features(list(texts_arr[te])))
        # a fold may lack a rare label: place its columns where they belong
        for k, label in enumerate(part.labels):
            decisions[te, classes.index(label)] = d[:, k]
        missing = [classes.index(c) for c in classes if c not in part.labels]
        decisions[np.ix_(te, missing)] = -10.0
    return decisions


def _fit_stacker(decisions: FloatArray, y: IntArray, c: float) -> tuple[FloatArray, FloatArray]:
    """A multinomial logistic regression from the decisions to the label: (labels × labels
    weights, biases). Measured on labeled_train.csv, 5-fold: macro-F1 0.934 → 0.939."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=c, max_iter=5000).fit(decisions, y)
    if lr.coef_.shape[0] == 1:  # two labels: one row for the second against the first
        half = lr.coef_[0] / 2
        return np.stack([-half, half]), np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
    return lr.coef_, lr.intercept_


def _fit_temperature(decisions: FloatArray, y: IntArray) -> float:
    """The softmax temperature that minimises the log loss of out-of-fold decisions."""
    best, best_loss = 1.0, float("inf")
    for t in np.geomspace(0.25, 40, 60):
        p = softmax(decisions * t)
        loss = -float(np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


def train_fold(texts: Sequence[str], labels: Sequence[str], params: Params) -> Model:
    """A model without calibration (temperature 1): for cross-validation folds."""
    classes = sorted(set(labels))
    body, head = _build(texts, params)
    model = Model(classes, body, head, np.zeros((1, 1), np.float32), np.zeros(1), 1.0, params)
    model.coef, model.intercept = _fit_linear(model.features(texts), labels, classes, params)
    return model


def evaluate(
    predicted: Sequence[str], actual: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """macro-F1, accuracy, per-class precision/recall/F1/support and the confusion matrix."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    names = sorted(set(actual) | set(predicted)) if labels is None else list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        actual, predicted, labels=names, zero_division=0
    )
    present = [i for i, n in enumerate(names) if n in set(actual)]
    matrix = confusion_matrix(actual, predicted, labels=names)
    return {
        "examples": len(actual),
        "macro_f1": round(float(np.mean(f1[present])) if present else 0.0, 4),
        "accuracy": round(float(np.mean(np.array(actual) == np.array(predicted))), 4),
        "per_class": {
            n: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, n in enumerate(names)
        },
        "confusion_matrix": {"labels": names, "matrix": matrix.tolist()},
    }


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    params: Params | None = None,
    folds: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Stratified k-fold macro-F1 (mean, std, per fold) and the pooled evaluation, on folds
    drawn with ``seed`` (on labeled_train.csv one seed's mean differs from another's by up
    to ~0.004: compare models over several)."""
    from sklearn.model_selection import StratifiedKFold

    params = params or Params()
    texts_arr = np.array(texts, dtype=object)
    y = np.array(labels, dtype=object)
    predicted = np.empty(len(y), dtype=object)
    scores = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts_arr, y):
        part = fit(list(texts_arr[tr]), list(y[tr]), params=params)
        guess = [p.leaf for p in part.predict(list(texts_arr[te]), explain=False)]
        predicted[te] = guess
        scores.append(evaluate(guess, list(y[te]))["macro_f1"])
    report = evaluate(list(predicted), list(y))
    report["folds"] = folds
    report["seed"] = seed
    report["fold_macro_f1"] = scores
    report["macro_f1_mean"] = round(float(np.mean(scores)), 4)
    report["macro_f1_std"] = round(float(np.std(scores)), 4)
    return report
