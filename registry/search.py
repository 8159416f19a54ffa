"""Chinese search over organizations.

A Chinese name is one unbroken run of characters, so neither a word index nor a plain query can
tell where 养老 begins in 颐和老年公寓养老服务中心. Each organization therefore carries a search
document of lowercase tokens: the name and its words (rjieba), the pinyin and pinyin initials of
the name and of each word (pypinyin), its codes, and its street and community. A query is cut the
same way, and every term must occur in the document; names that hold the terms rank first.

A term may occur anywhere in the document (养老 inside 颐和老年公寓养老服务中心, ylfw inside a name's
initials), which no B-tree index serves. The database therefore indexes the document's trigrams
(migration 0016): SQLite in an FTS5 table with the trigram tokenizer, kept by triggers; PostgreSQL
in a GIN index over `registry_search_trigrams(search_document)`. A term's trigrams (a shorter
term: any trigram it begins) narrow the rows, and the substring match then decides, so the index
changes the speed of a search, never its results.
"""

import re
from functools import lru_cache

import rjieba
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.expressions import RawSQL
from pypinyin import lazy_pinyin

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
# Runs of Han characters, and runs of Latin letters/digits (pinyin, initials, codes).
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+")


NOT_HAN = "\x00"  # marks what pypinyin kept as it was (no pinyin): never a syllable's first character


# pypinyin is most of the cost of an organization's search fields, which an import computes for
# thousands at once: a name is therefore read once for its pinyin, initials and sort key (an
# initial is its syllable's first letter), and the words of names, which recur (协会, 服务, 中心),
# are read once while cached.
@lru_cache(maxsize=8192)
def _syllables(text: str) -> tuple[str, ...]:
    """The toneless pinyin of each Han character of `text`, and each other run kept as it is,
    after NOT_HAN."""
    return tuple(lazy_pinyin(text, errors=lambda run: NOT_HAN + run))


def pinyin(text: str) -> str:
    """Toneless pinyin without spaces: 养老 → yanglao."""
    return "".join(syllable for syllable in _syllables(text) if not syllable.startswith(NOT_HAN))


def initials(text: str) -> str:
    """Pinyin initials: 养老服务 → ylfw."""
    return "".join(syllable[:1] for syllable in _syllables(text) if not syllable.startswith(NOT_HAN))


def name_sort_key(name: str) -> str:
    """Sorting by this orders names as a Chinese reader expects (by pinyin)."""
    return " ".join(syllable.removeprefix(NOT_HAN) for syllable in _syllables(name)).lower()[:255]


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


# The trigram index of the search documents (migration 0016): the tables and function it creates.
FTS_TABLE = "registry_organization_search"
FTS_VOCABULARY = "registry_organization_search_vocab"
PG_TRIGRAM_COLUMN = "search_trigrams"


def _trigrams(term: str) -> list[str]:
    return list(dict.fromkeys(term[i : i + 3] for i in range(len(term) - 2)))


def _sqlite_candidates(term: str) -> Q:
    if len(term) >= 3:
        match = " AND ".join(f'"{trigram}"' for trigram in _trigrams(term))
        return Q(pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match]))
    # FTS5 matches no trigram by a shorter prefix: the trigrams that begin with the term are read
    # from the index's vocabulary (a range of its sorted terms) and any of them matches. With none,
    # three control characters, which no document holds, match nothing (a NULL MATCH is an error).
    return Q(
        pk__in=RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH coalesce(("
            f"SELECT group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR ') FROM {FTS_VOCABULARY} "
            "WHERE term >= %s AND term < %s), '\"' || char(1, 1, 1) || '\"')",
            [term, term + chr(0x10FFFF)],
        )
    )


def _tsquery_lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _postgresql_candidates(terms: list[str]) -> Q:
    parts = []
    for term in terms:
        if len(term) >= 3:
            parts += [_tsquery_lexeme(trigram) for trigram in _trigrams(term)]
        else:
            parts.append(_tsquery_lexeme(term) + ":*")
    # On the table itself, not in a subquery: the planner then reads the rows through the GIN
    # index, where an `id IN (…)` let it scan every row.
    return Q(_TrigramMatch(F("search_document"), Value(" & ".join(parts))))


class _TrigramMatch(Func):
    """`<the stored trigrams> @@ query`. The trigrams are a column Django does not know (migration
    0016), beside search_document: it is compiled from that column, keeping the table's alias."""

    template = "(%(expressions)s::tsquery)"
    arg_joiner = " @@ "
    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return sql.replace('"search_document"', f'"{PG_TRIGRAM_COLUMN}"', 1), params


def text_condition(terms: list[str]) -> Q:
    """The organizations whose search document holds every term: narrowed by the trigram index
    where the database has one, decided by the substring match."""
    condition = Q()
    if connection.vendor == "sqlite":
        for term in terms:
            condition &= _sqlite_candidates(term)
    elif connection.vendor == "postgresql":
        condition &= _postgresql_candidates(terms)
    for term in terms:
        condition &= Q(search_document__contains=term)
    return condition
