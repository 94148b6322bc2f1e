"""Character n-gram TF-IDF features for Chinese text, computed with array operations (pure).

Chinese citizen messages need no word segmentation to classify well: character 1–3-grams carry
the words. scikit-learn's ``TfidfVectorizer`` builds every n-gram as a Python string (about
1,000 docs/s on a message of 300 characters); here each n-gram is an integer — the code points
in base 0x110000, exact for n ≤ 3 and so collision-free — looked up in an open-addressing hash
table (one probe, where a binary search over 440,000 codes took 19 cache misses), and a batch
is counted with one sparse-matrix construction. The weighting is scikit-learn's
``sublinear_tf=True, smooth_idf=True, norm="l2"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

BASE = 0x110000  # one more than the largest code point
MAX_N = 3  # BASE**3 < 2**63: n-grams up to 3 are exact int64 codes

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# Normalisation, the same on strings and on code-point arrays: full-width ASCII (！ to ～) to
# half-width, ASCII upper case to lower case, whitespace removed.
_WHITESPACE = [
    *range(0x09, 0x0E),
    0x20,
    *range(0x1C, 0x20),
    0x85,
    0xA0,
    0x1680,
    *range(0x2000, 0x200B),
    0x2028,
    0x2029,
    0x202F,
    0x205F,
    0x3000,
]
_TABLE: dict[int, int | None] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_TABLE |= {c: c + 32 for c in range(0x41, 0x5B)}
_TABLE |= {c: c - 0xFEE0 + 32 for c in range(0xFF21, 0xFF3B)}  # Ａ → a
_TABLE |= {c: None for c in _WHITESPACE}
_MAP = np.arange(0x10000, dtype=np.int64)  # the Basic Multilingual Plane, where they all are
for _c, _to in _TABLE.items():
    _MAP[_c] = -1 if _to is None else _to


def normalise(text: str) -> str:
    """Full-width to half-width, ASCII lower case, whitespace removed."""
    return text.translate(_TABLE)


def code_points(texts: Sequence[str], owners: IntArray | None = None) -> tuple[IntArray, IntArray]:
    """The code points of the normalised texts, one after the other, and the owner of each
    (the text's index, or ``owners[text]``)."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    raw = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    owner = np.arange(len(texts), dtype=np.int64) if owners is None else owners
    doc_of = np.repeat(owner, lengths)
    bmp = raw < 0x10000
    codes = raw.copy()
    codes[bmp] = _MAP[raw[bmp]]
    keep = codes >= 0
    return codes[keep], doc_of[keep]


def ngram_codes(texts: Sequence[str], n_max: int = MAX_N) -> tuple[IntArray, IntArray]:
    """The n-gram codes (1..n_max) of every normalised text and the index of the text each
    belongs to (normalised here on the code points of the whole batch at once)."""
    if not 1 <= n_max <= MAX_N:
        raise ValueError(f"n-grams up to {MAX_N} are supported, not {n_max}")
    codes, doc_of = code_points(texts)
    total = len(codes)
    if not total:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    all_codes, all_docs = [codes], [doc_of]
    gram = codes
    for n in range(2, n_max + 1):
        # gram[i] holds positions i..i+n-2; extend it by position i+n-1
        gram = gram[:-1] * BASE + codes[n - 1 :]
        same = doc_of[: total - n + 1] == doc_of[n - 1 :]
        all_codes.append(gram[same])
        all_docs.append(doc_of[: total - n + 1][same])
    return np.concatenate(all_codes), np.concatenate(all_docs)


@lru_cache(maxsize=1 << 16)
def decode(code: int) -> str:
    """The n-gram a code stands for (remembered: explanations name the same few again and
    again)."""
    chars = []
    while code:
        code, c = divmod(int(code), BASE)
        chars.append(chr(c))
    return "".join(reversed(chars))


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = -1


def _slots(codes: IntArray, bits: int) -> npt.NDArray[np.int64]:
    """Fibonacci hashing of the codes into 2**bits slots."""
    with np.errstate(over="ignore"):
        mixed = codes.astype(np.uint64) * _GOLDEN
    return (mixed >> np.uint64(64 - bits)).astype(np.int64)


@dataclass
class HashIndex:
    """Code → position in the vocabulary, by linear probing, vectorised."""

    keys: IntArray
    values: IntArray
    bits: int

    @classmethod
    def build(cls, vocabulary: IntArray) -> HashIndex:
        bits = max(4, int(np.ceil(np.log2(max(1, len(vocabulary)) * 2))) + 1)
        size = 1 << bits
        keys = np.full(size, _EMPTY, dtype=np.int64)
        values = np.full(size, _EMPTY, dtype=np.int64)
        pending = np.arange(len(vocabulary), dtype=np.int64)
        slot = _slots(vocabulary, bits)
        while pending.size:
            s = slot[pending]
            free = keys[s] == _EMPTY
            cand, cand_slots = pending[free], s[free]
            taken_slots, first = np.unique(cand_slots, return_index=True)
            keys[taken_slots] = vocabulary[cand[first]]
            values[taken_slots] = cand[first]
            placed = np.zeros(len(vocabulary), dtype=bool)
            placed[cand[first]] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & (size - 1)
        return cls(keys, values, bits)

    def find(self, codes: IntArray) -> IntArray:
        """Vocabulary positions of the codes, -1 where absent."""
        mask = (1 << self.bits) - 1
        slot = _slots(codes, self.bits)
        key = self.keys[slot]
        hit = key == codes
        out = np.where(hit, self.values[slot], _EMPTY)
        # the few that met another key in their slot probe on (the table is ≤ 25 % full)
        active = np.flatnonzero(~hit & (key != _EMPTY))
        while active.size:
            s = (slot[active] + 1) & mask
            slot[active] = s
            key = self.keys[s]
            hit = key == codes[active]
            out[active[hit]] = self.values[s[hit]]
            active = active[~hit & (key != _EMPTY)]
        return out


KEYS_32 = 2**31  # (text, feature) keys below this are sorted in 32 bits


@dataclass
class Vectorizer:
    """A fitted vocabulary: sorted n-gram codes and their inverse document frequencies."""

    vocabulary: IntArray
    idf: FloatArray
    n_max: int = MAX_N
    _index: HashIndex | None = field(default=None, repr=False, compare=False)

    @classmethod
    def fit(
        cls, texts: Sequence[str], *, n_max: int = MAX_N, min_df: int = 2, max_df: float = 1.0
    ) -> Vectorizer:
        codes, docs = ngram_codes(texts, n_max)
        uniq, inverse = np.unique(codes, return_inverse=True)
        pairs = np.unique(docs * len(uniq) + inverse.ravel())
        df = np.bincount(pairs % len(uniq), minlength=len(uniq))
        n = len(texts)
        keep = (df >= min_df) & (df <= max_df * n)
        idf = np.log((1 + n) / (1 + df[keep])) + 1.0
        return cls(vocabulary=uniq[keep], idf=idf, n_max=n_max)

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def weights(self, texts: Sequence[str]) -> tuple[IntArray, IntArray, FloatArray]:
        """CSR parts (indptr, columns, TF-IDF values) of the texts' feature rows."""
        if self._index is None:
            self._index = HashIndex.build(self.vocabulary)
        codes, docs = ngram_codes(texts, self.n_max)
        pos = self._index.find(codes)
        hit = pos >= 0
        # one sort of (text, feature) keys gives every text's distinct features and counts;
        # in 32 bits when they fit (a batch of up to ~4,800 texts on labeled_train.csv's
        # vocabulary), where the sort takes 0.6 of the time
        keys = docs[hit] * self.size + pos[hit]
        keys = np.sort(keys.astype(np.int32) if len(texts) * self.size < KEYS_32 else keys)
        first = np.ones(min(1, len(keys)), dtype=bool)  # no known n-gram at all: no rows
        starts = np.flatnonzero(np.concatenate((first, keys[1:] != keys[:-1])))
        counts = np.diff(np.concatenate((starts, [len(keys)])))
        rows, cols = np.divmod(keys[starts].astype(np.int64), self.size)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        data = (1.0 + np.log(counts)) * self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
        data /= norms[rows]
        return indptr, cols, data

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        indptr, cols, data = self.weights(texts)
        return csr_matrix((data, cols, indptr), shape=(len(texts), self.size))

    def term(self, column: int) -> str:
        """The n-gram of a feature column."""
        return decode(int(self.vocabulary[column]))
