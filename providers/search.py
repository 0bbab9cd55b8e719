"""The demand search's own tokens: PostgreSQL's 'simple' text search splits on spaces and
punctuation only, so Chinese, written without spaces, would be one long token per run, and a
two-character word such as 检测 is shorter than a trigram. `search_terms` turns a demand's
title and description into the lowercased Latin words and every overlapping two-character run
of Chinese text (检测报告 -> 检测 测报 报告); the services store that in `Demand.search_terms`,
which a GIN index on to_tsvector('simple', search_terms) covers (migration
0012_demand_search_terms). `search_tsquery` turns a reader's query into the matching tsquery:
Latin words as prefixes, each Chinese word as its bigrams AND-ed. No server extension needed.

Every search box of the portal (the provider directory, the expert and technology-manager
libraries, the demand list, and their API filters) reads its query the same way, through
`search_words`: the words split on any white space (the full-width space U+3000 too), at most
MAX_QUERY_WORDS of them from the first MAX_QUERY_LENGTH characters, so a hostile query cannot
build an expensive SQL statement. A row matches when every word is found in one of its fields
(`filter_every_word`): "石墨烯 分散" finds the provider whose service speaks of both, "Wei Li"
finds Li Wei."""

import re
import unicodedata
from collections.abc import Callable, Iterable

from django.db.models import Exists, Q, QuerySet

# CJK unified ideographs (with extension A and the compatibility block), the Chinese the
# portal's users write; anything else that is a letter or digit counts as Latin-like.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(rf"[{CJK}]+|[^\W_{CJK}]+")
CJK_RUN = re.compile(rf"[{CJK}]+")
# A query asks for at most this many terms (the list filter took the first 8 words before).
MAX_QUERY_TERMS = 16
# What of a query is read: its first characters, and of those its first words. Each word is
# one more condition (one more EXISTS for a provider's services), hence the cap.
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8


# What separates the words of a query besides white space (U+3000, the full-width space of
# Chinese input, included): the commas and stops a Chinese input method types between words
# ("石墨烯，分散" read as one word found nothing). Not "." or ":", which live inside words.
WORD_SEPARATORS = re.compile(r"[\s,;、。!?]+")


def search_words(query: str) -> list[str]:
    """The words of a reader's query, in order, duplicates dropped: full-width letters and
    digits read as their plain forms (NFKC: "Ｇｒａｐｈｅｎｅ" is "Graphene", "，" is ","),
    split on white space and WORD_SEPARATORS, read from its first MAX_QUERY_LENGTH
    characters, at most MAX_QUERY_WORDS of them."""
    text = unicodedata.normalize("NFKC", (query or "")[:MAX_QUERY_LENGTH])
    words = [word for word in WORD_SEPARATORS.split(text) if word]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def words_left_out(query: str) -> list[str]:
    """The words of a query beyond the MAX_QUERY_WORDS that `search_words` keeps (within its
    MAX_QUERY_LENGTH characters), for the page to say that they were not searched."""
    text = unicodedata.normalize("NFKC", (query or "")[:MAX_QUERY_LENGTH])
    words = list(dict.fromkeys(word for word in WORD_SEPARATORS.split(text) if word))
    return words[MAX_QUERY_WORDS:]


def any_field_contains(word: str, fields: Iterable[str]) -> Q:
    """`word` in any of `fields`, case-insensitively."""
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": word})
    return match


def filter_every_word(
    queryset: QuerySet,
    query: str,
    fields: Iterable[str],
    *,
    also: Callable[[str], Q | Exists] | None = None,
) -> QuerySet:
    """The rows in which every word of `query` is found: in one of `fields`, or where
    `also(word)` holds (a provider's services, an EXISTS). An empty query filters nothing.
    One WHERE condition per word, so the rows stay distinct and the count a plain COUNT."""
    fields = tuple(fields)
    for word in search_words(query):
        match = any_field_contains(word, fields)
        if also is not None:
            match |= also(word)
        queryset = queryset.filter(match)
    return queryset


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def search_terms(*texts: str) -> str:
    """The tokens of the texts, space-separated, for `Demand.search_terms`: lowercased Latin
    words, and the overlapping bigrams of each Chinese run (a lone character stays itself)."""
    out: list[str] = []
    for text in texts:
        for token in TOKEN.findall((text or "").lower()):
            if CJK_RUN.fullmatch(token):
                out.extend(_bigrams(token) if len(token) > 1 else [token])
            else:
                out.append(token)
    return " ".join(out)


def search_tsquery(query: str) -> tuple[str, list[str]]:
    """(tsquery text for to_tsquery('simple', ...), single Chinese characters). Every term
    must match: Latin words as prefixes (sensor finds sensors), each Chinese word as all its
    bigrams. A lone Chinese character has no bigram of its own; the caller filters those by
    plain substring. Tokens are letters and digits only, so the text needs no quoting."""
    terms: list[str] = []
    singles: list[str] = []
    for token in TOKEN.findall(" ".join(search_words(query)).lower()):
        if CJK_RUN.fullmatch(token):
            if len(token) == 1:
                singles.append(token)
            else:
                terms.extend(_bigrams(token))
        else:
            terms.append(f"{token}:*")
    # Order kept, duplicates dropped: 检测检测 asks for 检测 once.
    terms = list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]
    return " & ".join(terms), singles[:MAX_QUERY_TERMS]
