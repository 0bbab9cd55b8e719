"""The demand search's own tokens: PostgreSQL's 'simple' text search splits on spaces and
punctuation only, so Chinese, written without spaces, would be one long token per run, and a
two-character word such as 检测 is shorter than a trigram. `search_terms` turns a demand's
title and description into the lowercased Latin words and every overlapping two-character run
of Chinese text (检测报告 -> 检测 测报 报告); the services store that in `Demand.search_terms`,
which a GIN index on to_tsvector('simple', search_terms) covers (migration
0012_demand_search_terms). `search_tsquery` turns a reader's query into the matching tsquery:
Latin words as prefixes, each Chinese word as its bigrams AND-ed. No server extension needed."""

import re

# CJK unified ideographs (with extension A and the compatibility block), the Chinese the
# portal's users write; anything else that is a letter or digit counts as Latin-like.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(rf"[{CJK}]+|[^\W_{CJK}]+")
CJK_RUN = re.compile(rf"[{CJK}]+")
# A query asks for at most this many terms (the list filter took the first 8 words before).
MAX_QUERY_TERMS = 16


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
    for token in TOKEN.findall((query or "").lower()):
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
