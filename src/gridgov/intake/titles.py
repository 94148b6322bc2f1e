"""A case's title when the record brings none: what the message is about, in a line.

Citizens' letters open with courtesies ("尊敬的胡书记：您好！感谢您百忙之中查看这份留言。"), and a
hotline agent's notes run on clause after clause. The queue lists cases by title, so a title
cut blindly from the first 40 characters reads "胡书记，您好，感谢您百忙之中查看这份留言" or
stops mid-clause. Here the opening courtesies are passed over, and the first sentence is kept
whole when it is short, else cut after whole clauses.
"""

from __future__ import annotations

import re

SHORT = 30  # a first sentence up to this long is the title as it stands
BRIEF = 12  # a title this short says too little: the next clause joins it whatever its length
LONGEST = 40  # a single clause longer than this is cut here
READ = 200  # courtesies lie within a message's first characters

_SENTENCE_END = re.compile(r"[。！？!?\n]")
_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")  # 、 lists, it does not end a clause
_EDGE = "，,；;：:、。！？!? \u3000"
_GREETING = r"(您|你|你们|大家)好[啊呀]?"
_OFFICIAL = r"(书记|市长|县长|区长|镇长|乡长|局长|主任|领导|同志)"
_ORGAN = r"(政府|委员会|支队|大队|[局委办厅]|中心|部门|单位|公司|街道|社区|居委会|村委会)"
_COURTESY = re.compile(
    r"尊敬的.{0,20}"  # "尊敬的领导", "尊敬的市委市政府"
    rf"|{_GREETING}"  # "您好", "你们好"
    rf"|.{{0,10}}{_OFFICIAL}(们)?\s*({_GREETING})?"  # "胡书记", "李书记您好", "曾书记 您好"
    r"|(感谢|谢谢|打扰).{0,30}"  # "感谢您百忙之中查看这份留言"
)
# a list of addressees before a colon: "A市政府、市交警支队、A3区政府："
_ADDRESSED = re.compile(rf".{{0,40}}({_OFFICIAL}|{_ORGAN})")


def title_from(text: str) -> str:
    """The title for a message that came without one (from the masked text, so that a cut
    never leaves half an ID number readable)."""
    text = text.strip()
    rest = _without_courtesies(text[:READ]) or text
    head = rest[: LONGEST + 1]  # all a title can take, and one more to know it was cut
    end = _SENTENCE_END.search(head)
    sentence = (head[: end.start()] if end else head).strip(_EDGE)
    if len(sentence) <= SHORT:
        return sentence or text[:LONGEST]
    title = ""
    for clause in _CLAUSE.finditer(sentence):
        if len(title) >= BRIEF and len(title) + len(clause.group().rstrip(_EDGE)) > SHORT:
            break
        title += clause.group()
    return title.strip(_EDGE)[:LONGEST]


def _without_courtesies(text: str) -> str:
    """``text`` from its first clause that is not a greeting, an addressee or a thanks."""
    at = 0
    for piece in _OPENING.finditer(text):
        words, stop = piece.group(1).strip(_EDGE), piece.group(2)
        if len(piece.group(1)) > 44:  # longer than any courtesy or list of addressees
            break
        if not (_COURTESY.fullmatch(words) or (stop[:1] in "：:" and _ADDRESSED.fullmatch(words))):
            break
        at = piece.end()
    rest = text[at:].lstrip(_EDGE)
    greeted = "好" in rest[:16] and _GREETED.match(rest)  # "区长你好 我住…", run together
    return rest[greeted.end() :].lstrip(_EDGE) if greeted and greeted.end() < len(rest) else rest


_GREETED = re.compile(rf"(尊敬的)?(.{{0,10}}{_OFFICIAL}(们)?\s*)?{_GREETING}")
_OPENING = re.compile(r"([^，,；;：:。！？!?\n]{1,45})([，,；;：:。！？!?\n]*)")
