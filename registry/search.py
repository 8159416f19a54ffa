"""Chinese search over organizations.

A Chinese name is one unbroken run of characters, so neither a word index nor a plain query can
tell where 养老 begins in 颐和老年公寓养老服务中心. Each organization therefore carries a search
document of lowercase tokens: the name and its words (rjieba), the pinyin and pinyin initials of
the name and of each word (pypinyin), its codes, and its street and community. A query is cut the
same way, and every term must occur in the document; names that hold the terms rank first.
"""

import re

import rjieba
from pypinyin import Style, lazy_pinyin

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
# Runs of Han characters, and runs of Latin letters/digits (pinyin, initials, codes).
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+")


def pinyin(text: str) -> str:
    """Toneless pinyin without spaces: 养老 → yanglao."""
    return "".join(lazy_pinyin(text, errors="ignore"))


def initials(text: str) -> str:
    """Pinyin initials: 养老服务 → ylfw."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore"))


def name_sort_key(name: str) -> str:
    """Sorting by this orders names as a Chinese reader expects (by pinyin)."""
    return " ".join(lazy_pinyin(name, errors="default")).lower()[:255]


def build_search_document(*, name: str, codes: list[str], places: list[str]) -> str:
    """The tokens an organization is found by, space-separated and lowercase."""
    words = [word for word in rjieba.cut_for_search(name) if word.strip()]
    tokens = [name, *words, pinyin(name), initials(name)]
    for word in words:
        if HAN.fullmatch(word):
            tokens += [pinyin(word), initials(word)]
    tokens += [code for code in codes if code]
    tokens += [place for place in places if place]
    unique = dict.fromkeys(token.lower() for token in tokens if token)
    return " ".join(unique)


def parse_query(query: str) -> list[str]:
    """Split what a person typed into search terms: Chinese runs are cut into words, Latin runs
    (pinyin, initials, codes) are kept whole, anything else is dropped. At most MAX_TERMS terms."""
    text = (query or "")[:MAX_QUERY_LENGTH].lower()
    terms: list[str] = []
    for chunk in text.split():
        for piece in TOKEN.findall(chunk):
            if HAN.fullmatch(piece):
                terms += [word for word in rjieba.cut(piece) if word.strip()]
            else:
                terms.append(piece)
    return list(dict.fromkeys(terms))[:MAX_TERMS]
