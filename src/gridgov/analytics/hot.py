"""Hot topics: the matters many people raise about the same place in the same period.

Messages are compared by their words (jieba segmentation, TF-IDF, cosine) and linked when
they are alike, were written within ``window_days`` of each other and name the same place
(a street, estate, village, school … found by :func:`places`): city-wide matters without a
place are left out, as the definition asks. The linked groups (connected components, split by
average-linkage clustering where they are only chained together) of at least
``min_reports`` messages are the topics, ranked by

    heat = people + 2 · ln(1 + supporters)

where people are the distinct writers (one person's twenty messages are one voice) and
supporters the likes less dislikes, never below 0 per message (a thousand supporters weigh
like about fourteen people); then by the shorter time span. Each topic is shown with its
place (the place its messages name most), its words (the highest TF-IDF words of the group),
its span, counts and message ids.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

PLACE = re.compile(
    r"([A-Za-z0-9\u4e00-\u9fa5]{1,12}?"
    r"(?:小区|花园|新城|广场|大厦|公寓|大道|路|街|巷|村|镇|社区|中学|小学|学校|幼儿园|医院|"
    r"公园|苑|湾|府|市场|商城|家园|山庄|高铁|车站|工业园|产业园|县|城))"
)
DISTRICT = re.compile(r"[A-Z]\d*区")
CODED = re.compile(r"[A-Z]\d*[市区县]")  # an anonymised city, district or county: too wide
BOUNDARY = re.compile(
    r"[市区县]|街道|投诉|反映|举报|咨询|建议|关于|要求|请求"
)  # "投诉A市伊景园滨河苑" names 伊景园滨河苑
CHINA = ZoneInfo("Asia/Shanghai")
_STOP_WORDS = (
    "的 了 是 在 我 我们 你 你们 他 他们 有 和 与 及 或 也 都 就 还 "
    "又 很 非常 这 那 这个 那个 一个 没有 不 要 会 能 可以 请 请问 "
    "希望 问题 反映 关于 为什么 怎么 如何 什么 是否 领导 您好 你好 尊敬 "
    "市民 相关 部门 政府 情况 现在 目前 已经 一直 进行 存在 严重 给予 "
    "解决 处理 谢谢 感谢 A市 市 区 县 西地省 地方 时候 时间 今年 去年 "
)
STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Message:
    id: str
    at: datetime
    subject: str
    text: str
    likes: int = 0
    dislikes: int = 0
    user: str = ""  # who wrote it (many messages from one person are one voice)
    place: str = ""  # where, when known (a case's village or grid); else read from the text


@dataclass(frozen=True)
class Topic:
    words: list[str]
    place: str
    first: datetime
    last: datetime
    reports: int  # messages
    people: int  # distinct writers (a message without a writer counts as one)
    supporters: int
    heat: float
    ids: list[str]
    subject: str  # the subject nearest the group's centre

    @property
    def span_days(self) -> int:
        return (self.last - self.first).days


OFFICES = ("政府", "市委", "省委", "委员会", "人民")  # offices, not places
NOT_IN_NAMES = frozenset("的了我你他是在有想买请望问能要对和与被把给让从向说们这那个吗呢吧啊尤其而")


def places(text: str) -> set[str]:
    """Place names a message uses (streets, estates, villages, schools …): a name ending
    in a place word, with nothing in it that names are not made of."""
    found = {_after_boundaries(m.group(1)) for m in PLACE.finditer(text)}
    return {
        p
        for p in found
        if len(p) >= 3
        and not CODED.fullmatch(p)
        and not NOT_IN_NAMES & set(p)
        and not any(office in p for office in OFFICES)
    }


def _after_boundaries(name: str) -> str:
    """The name after the last city/district/county/street-office word that leaves it three
    characters or more."""
    cut = 0
    for m in BOUNDARY.finditer(name):
        if len(name) - m.end() >= 3:
            cut = m.end()
    return name[cut:]


def _tokens(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if len(w.strip()) > 1 and w not in STOP and not w.isdigit()]


def topics(
    messages: Sequence[Message],
    *,
    window_days: float = 60,
    min_similarity: float = 0.3,
    min_reports: int = 2,
    top: int = 5,
) -> list[Topic]:
    """The ``top`` hottest topics among ``messages``."""
    if len(messages) < max(2, min_reports):
        return []
    import jieba

    jieba.setLogLevel(60)  # no start-up chatter on stderr
    docs = [f"{m.subject} {m.subject} {m.text[:300]}" for m in messages]  # the subject counts twice
    vectorizer = TfidfVectorizer(
        tokenizer=_tokens, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=2
    )
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # no word is shared by two messages: nothing is raised twice
        return []
    similar = (matrix @ matrix.T).tocoo()
    at = np.array([m.at.timestamp() for m in messages])
    named = [{m.place} if m.place else places(f"{m.subject} {m.text[:300]}") for m in messages]
    keep = (similar.row < similar.col) & (similar.data >= min_similarity)
    rows, cols = similar.row[keep], similar.col[keep]
    close = np.abs(at[rows] - at[cols]) <= window_days * 86400
    rows, cols = rows[close], cols[close]
    same_place = np.array(
        [bool(named[i] & named[j]) for i, j in zip(rows, cols, strict=True)], dtype=bool
    )
    rows, cols = rows[same_place], cols[same_place]
    n = len(messages)
    weights = similar.data[keep][close][same_place]
    graph = csr_matrix((weights, (rows, cols)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    vocabulary = np.array(vectorizer.get_feature_names_out())
    found = []
    for label in range(count):
        members = np.flatnonzero(labels == label)
        if len(members) < min_reports:
            continue
        for group in _cohesive(matrix, members, min_similarity):
            if len(group) >= min_reports:
                found.append(_topic(messages, group, matrix, vocabulary, named))
    found.sort(key=lambda t: (-t.heat, t.span_days, t.ids[0]))
    return found[:top]


def _cohesive(matrix: csr_matrix, members: np.ndarray, min_similarity: float) -> list[np.ndarray]:
    """Split a linked group where it is only chained together: average-linkage clustering of
    its members on their word similarity, so that a topic's messages are alike on average,
    not just pairwise along a chain."""
    if len(members) <= 2:
        return [members]
    from sklearn.cluster import AgglomerativeClustering

    rows = matrix[members]
    similarity = np.clip((rows @ rows.T).toarray(), 0.0, 1.0)
    np.fill_diagonal(similarity, 1.0)
    clustering = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - min_similarity * 0.6,
    ).fit(1.0 - similarity)
    return [members[clustering.labels_ == k] for k in range(clustering.n_clusters_)]


def _topic(
    messages: Sequence[Message],
    members: np.ndarray,
    matrix: csr_matrix,
    vocabulary: np.ndarray,
    named: list[set[str]],
) -> Topic:
    group = [messages[i] for i in members]
    centre = np.asarray(matrix[members].mean(axis=0)).ravel()
    words = [str(vocabulary[i]) for i in np.argsort(-centre)[:5] if centre[i] > 0]
    nearest = members[int(np.argmax(np.asarray(matrix[members] @ centre).ravel()))]
    place_counts = Counter(p for i in members for p in named[i])
    if not place_counts:  # linked through others: the district they name will do
        place_counts = Counter(
            d for m in group for d in DISTRICT.findall(f"{m.subject} {m.text[:300]}")
        )
    place = place_counts.most_common(1)[0][0] if place_counts else ""
    supporters = sum(max(0, m.likes - m.dislikes) for m in group)
    times = [m.at for m in group]
    people = len({m.user or f"#{m.id}" for m in group})
    return Topic(
        words=words,
        place=place,
        first=min(times),
        last=max(times),
        reports=len(group),
        people=people,
        supporters=supporters,
        heat=round(people + 2 * math.log1p(supporters), 2),
        ids=sorted((m.id for m in group), key=lambda x: (len(x), x)),
        subject=messages[nearest].subject,
    )


# ---- reading a message export --------------------------------------------------------------
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M",
                 "%Y/%m/%d", "%Y-%m-%d")  # fmt: skip


def parse_time(raw: str, tz: ZoneInfo = CHINA) -> datetime:
    """A local time as exports write it (several spellings), in ``tz``."""
    text = raw.strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise ValueError(f"not a time: {raw!r}")


def read_messages(
    rows: Sequence[dict[str, str]], columns: dict[str, str]
) -> tuple[list[Message], list[str]]:
    """Messages from CSV rows (``columns`` maps id/subject/time/text/likes/dislikes to
    column names); rows that cannot be read are named, not guessed."""
    out, problems = [], []
    for line, row in enumerate(rows, start=2):
        try:
            out.append(
                Message(
                    id=row[columns["id"]].strip(),
                    at=parse_time(row[columns["time"]]),
                    subject=" ".join(row[columns["subject"]].split()),
                    text=" ".join((row.get(columns["text"]) or "").split()),
                    likes=int(row.get(columns["likes"]) or 0),
                    dislikes=int(row.get(columns["dislikes"]) or 0),
                    user=(row.get(columns.get("user", "")) or "").strip(),
                )
            )
        except (KeyError, ValueError) as exc:
            problems.append(f"line {line}: {exc}")
    return out, problems
