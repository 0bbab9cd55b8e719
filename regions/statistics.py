"""The open statistics: what the vouchers did, for the programme or one district, for a year
or one month of it. The public page (/statistics/), its CSV and JSON downloads, the API
(`GET /api/statistics/`) and the officials' quarterly indicator report all read
`statistics_figures`; nothing here is typed in.

Every figure is one aggregate query over a monthly summary kept by the service that changes
it, in its own transaction: the dashboards' pair summary (`RedemptionMonthlyFlow`, the
approval), the statistics' per-enterprise summary (`RedemptionMonthlyEnterprise`, the
approval) and per-district summary (`StatisticsMonthlyDistrict`, the voucher issue and the
payment); only the demands are counted from their rows. A page runs the same handful of small
queries whatever the volume. The answers are cached (Django's cache) under a key that holds a *generation*
number; the services that change a figure (voucher issue, redemption approval and payment,
a demand's status) call `statistics_changed()`, which bumps it once their transaction has
committed, so the next reader computes fresh figures. STATISTICS_CACHE_SECONDS bounds the
age of an answer whatever happens (bulk loads that bypass the services, a per-process cache).
"""

import logging
import re
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import redis.exceptions
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from regions import sources
from regions.models import ProgrammeRules, RedemptionMonthlyFlow, Region
from regions.selectors import current_year, region_list

logger = logging.getLogger(__name__)

MONTHS = tuple(range(1, 13))
QUARTERS = {q: tuple(range(3 * q - 2, 3 * q + 1)) for q in (1, 2, 3, 4)}
ZERO = Decimal("0.00")
SHARE = Decimal("0.0001")
TENTH = Decimal("0.1")
TOP_CATEGORIES = 5
TOP_INDUSTRIES = 10
FIRST_YEAR = 2000
# A year the API accepts (the schema says the same); years to come simply have no figures.
LAST_YEAR = 2999
GENERATION_KEY = "statistics:generation"
CACHE_ERRORS = (redis.exceptions.RedisError, OSError)


class StatisticsQueryError(ValueError):
    """A bad `region`, `year` or `month`: `errors` maps each parameter to its message, and
    `query` is the query without them (what could be read kept, the bad ones at their
    defaults), for the page that shows figures beside the errors."""

    def __init__(self, errors: dict[str, str], *, query: dict):
        super().__init__(errors)
        self.errors = errors
        self.query = query


def _number(text: str) -> bool:
    """Plain ASCII digits, a few of them (int() takes other scripts' digits too)."""
    return bool(re.fullmatch(r"[0-9]{1,4}", text))


def statistics_query(params) -> dict:
    """`{region, year, month}` from a query string (a QueryDict or a dict): region a district
    code or None (the programme), year an integer (this year when absent), month 1-12 or
    None (the whole year). Raises StatisticsQueryError naming every bad parameter."""
    errors = {}
    code = (params.get("region") or "").strip().upper()
    region = None
    if code:
        if re.fullmatch(r"[A-Z_]{1,16}", code):
            region = Region.objects.filter(code=code).first()
        if region is None:
            errors["region"] = _("Not a district code: YANGPU, WUJIN, NANHU or HEFEI_HT.")
    year = current_year()
    raw_year = (params.get("year") or "").strip()
    if raw_year:
        if not _number(raw_year) or not FIRST_YEAR <= int(raw_year) <= LAST_YEAR:
            errors["year"] = _("A year from %(first)s to %(last)s.") % {
                "first": FIRST_YEAR,
                "last": LAST_YEAR,
            }
        else:
            year = int(raw_year)
    month = None
    raw_month = (params.get("month") or "").strip()
    if raw_month:
        if not _number(raw_month) or not 1 <= int(raw_month) <= 12:
            errors["month"] = _("A month from 1 to 12.")
        else:
            month = int(raw_month)
    query = {"region": region, "year": year, "month": month}
    if errors:
        raise StatisticsQueryError(errors, query=query)
    return query


def statistics_years() -> list[int]:
    """The years a reader may pick: those with programme rules, and this one; newest first."""
    years = set(ProgrammeRules.objects.values_list("year", flat=True).distinct())
    years.add(current_year())
    return sorted(years, reverse=True)


# --- the figures ----------------------------------------------------------------------------


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(ZERO)


def ratio(part, whole) -> Decimal:
    """`part / whole` unrounded (0 when `whole` is 0), from the exact amounts: a page rounds
    it once, to the percentage it shows. Rounding `share` (already 4 decimals) again would
    show 240,000 of 440,000 as 54.6% (0.5455) instead of 54.5%, and a table's shares could
    add up to 100.1%."""
    if not whole:
        return Decimal("0")
    return Decimal(part) / Decimal(whole)


def _share(part, whole) -> Decimal:
    """The 4-decimal share of the API and the downloads."""
    return ratio(part, whole).quantize(SHARE, rounding=ROUND_HALF_UP)


def _days(total: timedelta | None, n: int) -> Decimal | None:
    """The average of `n` waits totalling `total`, in days with one decimal (None: no wait)."""
    if not n or total is None:
        return None
    seconds = Decimal(total.total_seconds()) / n
    return (seconds / 86400).quantize(TENTH, rounding=ROUND_HALF_UP)


def statistics_figures(*, year: int, month: int | None = None, region: Region | None = None):
    """The open figures for a year (or one month of it), for the programme or one district.
    Monthly series always cover the whole year."""
    return _figures(year=year, months=(month,) if month else MONTHS, month=month, region=region)


def _figures(*, year: int, months: tuple[int, ...], month: int | None, region: Region | None):
    regions = list(region_list())
    code_of = {r.pk: r.code for r in regions}
    region_id = region.pk if region is not None else None
    scope = dict(year=year, months=months, region_id=region_id)

    # Spent (approved or paid) redemptions per month and district pair: the dashboards'
    # summary, at most 16 x 12 rows for a year.
    flow_rows = (
        RedemptionMonthlyFlow.objects.filter(year=year)
        .values_list("month", "issuing_region_id", "provider_region_id")
        .annotate(n=Sum("redemption_count"), total=Sum("amount"))
        .order_by()
    )
    monthly_redeemed = {m: [0, ZERO] for m in MONTHS}
    pairs: dict[tuple[int, int], list] = {}
    for m, issuing, provider, n, total in flow_rows:
        if region_id is None or issuing == region_id:
            monthly_redeemed[m][0] += n
            monthly_redeemed[m][1] += total
        if m not in months:
            continue
        if region_id is not None and region_id not in (issuing, provider):
            continue
        cell = pairs.setdefault((issuing, provider), [0, ZERO])
        cell[0] += n
        cell[1] += total

    mine = {pair: cell for pair, cell in pairs.items() if region_id is None or pair[0] == region_id}
    redeemed_n = sum(n for n, _ in mine.values())
    redeemed_amount = sum((t for _, t in mine.values()), ZERO)
    cross = [cell for (a, b), cell in mine.items() if a != b]
    cross_amount = sum((t for _, t in cross), ZERO)
    spent_by_district = []
    for r in regions:
        n = sum(c[0] for (a, b), c in mine.items() if b == r.pk)
        amount = sum((c[1] for (a, b), c in mine.items() if b == r.pk), ZERO)
        spent_by_district.append(
            {
                "region": r.code,
                "count": n,
                "amount": _money(amount),
                "share": _share(amount, redeemed_amount),
            }
        )
    flows = [
        {
            "from_region": code_of[a],
            "to_region": code_of[b],
            "count": cell[0],
            "amount": _money(cell[1]),
        }
        for (a, b), cell in sorted(pairs.items())
    ]

    issued_rows = {
        row["month"]: row
        for row in sources.statistics_vouchers_issued(year=year, months=MONTHS, region_id=region_id)
    }
    in_period = [issued_rows[m] for m in months if m in issued_rows]
    issued_n = sum(row["n"] for row in in_period)
    waited = sum((row["waited"] or timedelta(0) for row in in_period), timedelta(0))

    names = sources.statistics_categories_named()
    categories = sorted(
        sources.statistics_categories(**scope), key=lambda row: (-row["total"], -row["n"])
    )
    top_categories = [
        {
            "category": names[row["category_id"]][0] if row["category_id"] in names else None,
            "name": names[row["category_id"]][1] if row["category_id"] in names else "",
            "name_zh": names[row["category_id"]][2] if row["category_id"] in names else "",
            "count": row["n"],
            "amount": _money(row["total"]),
        }
        for row in categories[:TOP_CATEGORIES]
    ]

    by_size = sorted(
        sources.statistics_enterprises_served(**scope, by="size"),
        key=lambda row: (-row["n"], row["key"] or ""),
    )
    by_industry = sorted(
        sources.statistics_enterprises_served(**scope, by="industry"),
        key=lambda row: (-row["n"], row["key"] or ""),
    )
    payments = sources.statistics_payments(**scope)

    return {
        "region": region.code if region is not None else None,
        "year": year,
        "month": month,
        "vouchers_issued": {
            "count": issued_n,
            "amount": _money(sum((row["total"] for row in in_period), ZERO)),
        },
        "vouchers_redeemed": {"count": redeemed_n, "amount": _money(redeemed_amount)},
        "cross_region": {
            "count": sum(n for n, _ in cross),
            "amount": _money(cross_amount),
            "share": _share(cross_amount, redeemed_amount),
        },
        "spent_by_district": spent_by_district,
        "flows": flows,
        "top_categories": top_categories,
        "enterprises_served": {
            # Each enterprise has one size, so the sizes add up to the enterprises served.
            "count": sum(row["n"] for row in by_size),
            "by_industry": [
                {"industry": row["key"], "count": row["n"]} for row in by_industry[:TOP_INDUSTRIES]
            ],
            "by_size": [{"size": row["key"], "count": row["n"]} for row in by_size],
        },
        "demands": sources.statistics_demands(**scope),
        "average_days": {
            "application_to_voucher": _days(waited, issued_n),
            "claim_to_payment": _days(payments["waited"], payments["n"]),
        },
        "monthly": [
            {
                "month": m,
                "issued_count": issued_rows[m]["n"] if m in issued_rows else 0,
                "issued_amount": _money(issued_rows[m]["total"] if m in issued_rows else 0),
                "redeemed_count": monthly_redeemed[m][0],
                "redeemed_amount": _money(monthly_redeemed[m][1]),
            }
            for m in MONTHS
        ],
    }


# --- the cache ------------------------------------------------------------------------------


def _generation() -> int:
    """The current statistics generation. A missing key (never set, or evicted) starts from
    the clock, so that it can never fall back to a number an older answer was cached under."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: the next reader starts one
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
    except CACHE_ERRORS as exc:
        logger.warning("statistics: cache unavailable, generation not bumped: %r", exc)


def statistics_changed() -> None:
    """Called by a service that changes a figure, inside its transaction: once it commits,
    cached statistics are no longer read (a rollback changes nothing, and a reader between
    the write and the commit cannot cache the old figures under the new generation)."""
    transaction.on_commit(_bump)


def statistics_cached(*, year: int, month: int | None = None, region: Region | None = None):
    """`statistics_figures`, from the cache while no figure has changed. A cache that is away
    costs a computation, never an error."""
    try:
        key = "statistics:{}:{}:{}:{}".format(
            _generation(), region.code if region else "ALL", year, month or 0
        )
        figures = cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("statistics: cache unavailable: %r", exc)
        return statistics_figures(year=year, month=month, region=region)
    if figures is None:
        figures = statistics_figures(year=year, month=month, region=region)
        figures["computed_at"] = timezone.now()
        try:
            cache.set(key, figures, timeout=settings.STATISTICS_CACHE_SECONDS)
        except CACHE_ERRORS as exc:
            logger.warning("statistics: cache unavailable: %r", exc)
    return figures


# --- the quarterly indicator report ---------------------------------------------------------


def quarterly_figures(*, year: int, region: Region) -> list[tuple[str, dict]]:
    """The district's figures for each quarter of the year and for the whole year:
    [("q1", figures), ..., ("q4", figures), ("year", figures)]. Five computations."""
    periods = [
        (f"q{q}", _figures(year=year, months=months, month=None, region=region))
        for q, months in QUARTERS.items()
    ]
    periods.append(("year", _figures(year=year, months=MONTHS, month=None, region=region)))
    return periods
