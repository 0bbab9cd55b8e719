"""Matching a technology demand with the certified providers and active experts of all four
districts, ranked by fit and explained.

A provider's score (0 to about 100) adds four parts:

- **category** (30): it has an active offering in the demand's category; 15 when the category
  is only among those it declared;
- **text fit** (up to 40): how much of the demand's title and description its offerings'
  titles and descriptions and its own description cover. Terms are lowercase Latin words
  without stop words (a plural's "s" and British "-ise" folded) and, for Chinese, character
  bigrams ("石墨烯粉体" -> 石墨, 墨烯, 烯粉, 粉体). Each term weighs by how rare it is among the
  candidates (a word every provider uses says little), title terms twice; the covered share
  is square-rooted, so that covering a quarter of a long demand already earns half the part;
- **track record in the category** (up to 20): 2 per completed or confirmed order in the
  demand's category (the category of the order's offering, or of the demand it came from);
- **rating** (-10 to +10): (average - 3) x 5, when the provider has been rated.

An expert's score has the category part (one of its categories) and the text fit against its
field, titles, organisation and biography. Only candidates with some fit (category, terms or
orders in the category) are listed; a rating alone is no fit.

The ranking is a pure function of the rows: scores are rounded to one decimal before sorting,
ties go to the lower id, and sums are taken exactly (`math.fsum`), so that it does not depend
on the order sets iterate in. Loading the candidates costs the same few queries whatever their
number (`provider_pool`, `expert_pool`); a pool can rank many demands (the daily digest).
"""

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Avg, Count, IntegerField, Prefetch
from django.db.models.functions import Coalesce
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from portal.codes import normalise_credit_code
from providers.matching_exclusions import (
    advising_providers_of,
    stakes_in,
    unpayable_codes_of,
)
from providers.models import (
    Demand,
    Expert,
    OrderRating,
    Provider,
    ServiceOffering,
    ServiceOrder,
)
from providers.models.libraries import LISTED

CATEGORY_OFFERED = 30.0
CATEGORY_LISTED = 15.0
TEXT_MAX = 40.0
TITLE_WEIGHT = 2.0
POINTS_PER_ORDER = 2.0
ORDERS_MAX = 20.0
RATING_POINTS_PER_STAR = 5.0
MATCHED_TERMS_SHOWN = 8

# --- terms -----------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[A-Za-z0-9]+")

# English function words, and words every page of the portal uses (a provider is a "certified
# provider of the programme", offering "services" and "technology"): they match everything.
LATIN_STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each etc few for
    from further had has have having he her here hers him his how i if in into is it its itself
    just may me might more most must my no nor not now of off on once only or other our ours out
    over own per same she should so some such than that the their theirs them then there these
    they this those through to too under until up upon us very via was we were what when where
    which while who whom why will with within without would you your yours
    need needs needed want wants looking seek seeking require requires required using use used
    new based etc e g ie eg
    co ltd inc company companies provider providers programme program certified district
    service services technology technologies technical solution solutions
    """.split()
)
# Chinese bigrams with as little meaning: function words and the portal's own vocabulary.
CJK_STOP_BIGRAMS = frozenset(
    """
    我们 需要 进行 一个 以及 可以 要求 提供 相关 有限 公司 服务 技术 方面 希望 能够 通过
    目前 主要 其他 问题 解决 寻求 合作 企业 项目 具有 已经 如何 以上 以下 并且 或者 对于
    """.split()
)


def _fold_latin(word: str) -> str:
    """One spelling for the forms a demand and an offering write differently: optimisation /
    optimization, powders / powder, properties / property."""
    for british, american in (("isation", "ization"), ("ising", "izing"), ("ised", "ized")):
        if word.endswith(british):
            return word[: -len(british)] + american
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Token:
    """A term as it occurs in a text: `run` numbers the run of letters or characters it was
    cut from and `start` its place in that run, so that adjacent Chinese bigrams can be shown
    joined again."""

    term: str
    surface: str
    run: int
    start: int


def tokens(text: str) -> list[Token]:
    """The text's terms in order: Latin words (lowercase, folded, no stop words, at least two
    characters with a letter; `surface` keeps the word as written) and the character bigrams
    of each Chinese run."""
    found = []
    text = unicodedata.normalize("NFKC", text or "")
    for run, match in enumerate(_RUN.finditer(text)):
        chunk = match.group()
        if chunk.isascii():
            word = chunk.lower()
            if len(word) < 2 or word.isdigit() or word in LATIN_STOP_WORDS:
                continue
            found.append(Token(_fold_latin(word), chunk, run, 0))
            continue
        for offset, segment in _without_stop_bigrams(chunk):
            for start in range(len(segment) - 1):
                bigram = segment[start : start + 2]
                found.append(Token(bigram, bigram, run, offset + start))
    return found


def _without_stop_bigrams(chunk: str) -> list[tuple[int, str]]:
    """The pieces of a Chinese run between its stop bigrams, with their offsets: 我们需要分散
    gives only 分散, not the 们需 that straddles two stop words."""
    pieces, piece_start, i = [], 0, 0
    while i < len(chunk) - 1:
        if chunk[i : i + 2] in CJK_STOP_BIGRAMS:
            pieces.append((piece_start, chunk[piece_start:i]))
            i += 2
            piece_start = i
        else:
            i += 1
    pieces.append((piece_start, chunk[piece_start:]))
    return pieces


def terms(text: str) -> frozenset[str]:
    return frozenset(token.term for token in tokens(text))


def matched_phrases(text: str, matched: Iterable[str]) -> list[str]:
    """The words of `text` whose terms are in `matched`, as written, in the order they occur,
    once each; adjacent matched bigrams are joined back (石墨 + 墨烯 -> 石墨烯)."""
    matched = set(matched)
    phrases: list[str] = []
    shown_terms: set[str] = set()
    joined: tuple[int, int, str] | None = None  # run, next start, the phrase so far

    def flush():
        if joined and joined[2] not in phrases:
            phrases.append(joined[2])

    for token in tokens(text):
        if token.term not in matched:
            continue
        is_bigram = not token.surface.isascii()
        if is_bigram and joined and joined[0] == token.run and joined[1] == token.start:
            joined = (token.run, token.start + 1, joined[2] + token.surface[1])
            continue
        flush()
        joined = (token.run, token.start + 1, token.surface) if is_bigram else None
        if not is_bigram and token.term not in shown_terms:
            shown_terms.add(token.term)
            phrases.append(token.surface)
    flush()
    return phrases


# --- scoring (pure) --------------------------------------------------------------------------


@dataclass
class Candidate:
    """What the ranking needs of a provider or an expert, read once by a pool."""

    obj: object
    id: int
    terms: frozenset[str]
    offered_categories: frozenset[int] = frozenset()
    listed_categories: frozenset[int] = frozenset()
    completed_by_category: dict[int, int] = field(default_factory=dict)
    rating: float | None = None


@dataclass(frozen=True)
class DemandText:
    """The demand as the ranking reads it."""

    category_id: int
    category_name: str
    title: str
    description: str

    @classmethod
    def of(cls, demand: Demand) -> "DemandText":
        return cls(
            category_id=demand.category_id,
            category_name=demand.category.display_name,
            title=demand.title,
            description=demand.description,
        )

    def weighted_terms(self) -> dict[str, float]:
        weights = dict.fromkeys(terms(self.description), 1.0)
        weights.update(dict.fromkeys(terms(self.title), TITLE_WEIGHT))
        return weights


def term_rarity(candidates: list[Candidate]) -> dict[str, float]:
    """Each term's weight among the candidates: ln(1 + N / df), the smoothed inverse document
    frequency; a term nobody uses gets the weight of one only one uses."""
    frequency: dict[str, int] = {}
    for candidate in candidates:
        for term in candidate.terms:
            frequency[term] = frequency.get(term, 0) + 1
    total = max(len(candidates), 1)
    return {term: math.log(1 + total / count) for term, count in frequency.items()}


class Reason(str):
    """One reason, as text (the API, e-mails); `html`, when set, is the same reason for a page,
    with the demand's own words it quotes marked up as what the enterprise typed (<kbd>)."""

    html = ""

    def __new__(cls, text: str, html: str = ""):
        reason = super().__new__(cls, text)
        reason.html = html
        return reason


def _matched_terms(phrases: list[str]) -> Reason:
    # Translators: the separator of a list of words: "、" in Chinese.
    separator = pgettext("list separator", ", ")
    template = _("Matched terms: %(terms)s")
    marked = [format_html("<kbd>{}</kbd>", phrase) for phrase in phrases]
    return Reason(
        template % {"terms": separator.join(phrases)},
        mark_safe(
            conditional_escape(template) % {"terms": conditional_escape(separator).join(marked)}
        ),
    )


def text_fit(demand: DemandText, candidate_terms, rarity, default_rarity) -> tuple[float, list]:
    """Points for how much of the demand the candidate's text covers, and the matched terms."""
    weights = demand.weighted_terms()
    if not weights:
        return 0.0, []
    matched = sorted(term for term in weights if term in candidate_terms)
    if not matched:
        return 0.0, []

    def weight(term):
        return weights[term] * rarity.get(term, default_rarity)

    covered = math.fsum(weight(t) for t in matched) / math.fsum(weight(t) for t in sorted(weights))
    phrases = matched_phrases(f"{demand.title}\n{demand.description}", matched)
    return TEXT_MAX * math.sqrt(covered), phrases[:MATCHED_TERMS_SHOWN]


def score_provider(
    demand: DemandText, candidate: Candidate, rarity: dict, default_rarity: float
) -> tuple[float, list[str]]:
    """The provider's score for the demand and the reasons, in the reader's language."""
    points, reasons = [], []
    if demand.category_id in candidate.offered_categories:
        points.append(CATEGORY_OFFERED)
        reasons.append(_("Offers services in %(category)s") % {"category": demand.category_name})
    elif demand.category_id in candidate.listed_categories:
        points.append(CATEGORY_LISTED)
        reasons.append(
            _("Lists %(category)s among its categories") % {"category": demand.category_name}
        )
    text_points, phrases = text_fit(demand, candidate.terms, rarity, default_rarity)
    if phrases:
        points.append(text_points)
        reasons.append(_matched_terms(phrases))
    completed = candidate.completed_by_category.get(demand.category_id, 0)
    if completed:
        points.append(min(completed * POINTS_PER_ORDER, ORDERS_MAX))
        reasons.append(
            ngettext(
                "%(count)d completed order in this category",
                "%(count)d completed orders in this category",
                completed,
            )
            % {"count": completed}
        )
    if not points:
        return 0.0, []
    if candidate.rating is not None:
        points.append((candidate.rating - 3) * RATING_POINTS_PER_STAR)
        reasons.append(_("Rated %(rating).1f") % {"rating": candidate.rating})
    return round(math.fsum(points), 1), reasons


def score_expert(
    demand: DemandText, candidate: Candidate, rarity: dict, default_rarity: float
) -> tuple[float, list[str]]:
    points, reasons = [], []
    if demand.category_id in candidate.listed_categories:
        points.append(CATEGORY_OFFERED)
        reasons.append(_("Expert in %(category)s") % {"category": demand.category_name})
    text_points, phrases = text_fit(demand, candidate.terms, rarity, default_rarity)
    if phrases:
        points.append(text_points)
        reasons.append(_matched_terms(phrases))
    return round(math.fsum(points), 1), reasons


def rank(demand: DemandText, candidates: list[Candidate], score, limit: int) -> list[dict]:
    """The candidates with some fit, best first (ties: lower id first), at most `limit`."""
    rarity = term_rarity(candidates)
    default_rarity = math.log(1 + max(len(candidates), 1))
    scored = []
    for candidate in candidates:
        points, reasons = score(demand, candidate, rarity, default_rarity)
        if reasons and points > 0:
            scored.append((-points, candidate.id, candidate, points, reasons))
    scored.sort(key=lambda row: (row[0], row[1]))
    return [
        {"candidate": candidate.obj, "score": points, "reasons": reasons}
        for _, _, candidate, points, reasons in scored[:limit]
    ]


# --- loading the candidates (constant queries) -----------------------------------------------


def order_category():
    """An order's category: its offering's, else that of the demand its proposal answered."""
    return Coalesce(
        "offering__category_id", "proposal__demand__category_id", output_field=IntegerField()
    )


DELIVERED = (ServiceOrder.Status.COMPLETED, ServiceOrder.Status.CONFIRMED)


def provider_pool() -> list[Candidate]:
    """Every certified provider of the four districts, with its offerings' text, categories,
    delivered orders per category and average rating: four queries, whatever their number."""
    providers = list(
        Provider.objects.filter(status=Provider.Status.CERTIFIED)
        .select_related("region")
        .prefetch_related(
            "categories",
            Prefetch(
                "offerings",
                queryset=ServiceOffering.objects.filter(active=True).order_by("id"),
                to_attr="active_offerings",
            ),
        )
        .order_by("id")
    )
    ids = [provider.pk for provider in providers]
    completed: dict[int, dict[int, int]] = {}
    rows = (
        ServiceOrder.objects.filter(provider_id__in=ids, status__in=DELIVERED)
        .annotate(category=order_category())
        .filter(category__isnull=False)
        .values("provider_id", "category")
        .annotate(n=Count("id"))
    )
    for row in rows:
        completed.setdefault(row["provider_id"], {})[row["category"]] = row["n"]
    ratings = dict(
        OrderRating.objects.filter(order__provider_id__in=ids)
        .values("order__provider_id")
        .annotate(avg=Avg("score"))
        .values_list("order__provider_id", "avg")
    )
    pool = []
    for provider in providers:
        offerings = provider.active_offerings
        text = "\n".join(
            [provider.description, *(f"{o.title}\n{o.description}" for o in offerings)]
        )
        rating = ratings.get(provider.pk)
        pool.append(
            Candidate(
                obj=provider,
                id=provider.pk,
                terms=terms(text),
                offered_categories=frozenset(o.category_id for o in offerings),
                listed_categories=frozenset(c.pk for c in provider.categories.all()),
                completed_by_category=completed.get(provider.pk, {}),
                rating=float(rating) if rating is not None else None,
            )
        )
    return pool


def expert_pool() -> list[Candidate]:
    """Every active expert, with its categories: two queries."""
    experts = (
        Expert.objects.filter(LISTED)
        .select_related("region", "provider")
        .prefetch_related("categories")
        .order_by("id")
    )
    return [
        Candidate(
            obj=expert,
            id=expert.pk,
            terms=terms("\n".join([expert.field, expert.titles, expert.organisation, expert.bio])),
            listed_categories=frozenset(c.pk for c in expert.categories.all()),
        )
        for expert in experts
    ]


def demand_matches(
    demand: Demand, limit: int = 10, *, pool=None, unpayable=None, advised=None
) -> list[dict]:
    """The certified providers that fit the demand best: `[{provider, score, reasons}]`.
    Those the enterprise's vouchers may not pay (its related parties, its own credit code)
    are not suggested: accepting their proposal is refused; nor those whose expert advises
    the district on the demand: their proposal is refused (conflict of interest).
    `unpayable` and `advised`: those credit codes and provider ids when the caller read them
    for many demands at once (`unpayable_codes_of`, `advising_providers_of`)."""
    pool = provider_pool() if pool is None else pool
    if unpayable is None:
        unpayable = unpayable_codes_of([demand])[demand.pk]
    if advised is None:
        advised = advising_providers_of([demand])[demand.pk]
    if unpayable or advised:
        pool = [
            c for c in pool
            if normalise_credit_code(c.obj.credit_code) not in unpayable and c.id not in advised
        ]  # fmt: skip
    ranked = rank(DemandText.of(demand), pool, score_provider, limit)
    return [
        {"provider": r["candidate"], "score": r["score"], "reasons": r["reasons"]} for r in ranked
    ]


def demand_experts(demand: Demand, limit: int = 5, *, pool=None) -> list[dict]:
    """The active experts that fit the demand best and have no stake in it: `[{expert, score,
    reasons}]`. An expert who leads a live proposal for it, or works with a provider that
    makes one, is not suggested: the district could not assign them (409
    conflict_of_interest), and the enterprise was shown them as advisers."""
    pool = expert_pool() if pool is None else pool
    staked = stakes_in(demand)
    if staked:
        pool = [
            c for c in pool if ("expert", c.id) not in staked
            and ("provider", c.obj.provider_id) not in staked
        ]  # fmt: skip
    ranked = rank(DemandText.of(demand), pool, score_expert, limit)
    return [
        {"expert": r["candidate"], "score": r["score"], "reasons": r["reasons"]} for r in ranked
    ]
