"""The open statistics' aggregate reads (regions/statistics.py)."""

from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet, Sum

from providers.models import (
    Demand,
    ServiceCategory,
)
from regions.models import RedemptionMonthlyEnterprise, StatisticsMonthlyDistrict

# --- open statistics (regions/statistics.py) ------------------------------------------------
#
# Each returns one aggregate query's rows for a period: a year and the months in it (1-12).
# The spent redemptions' counts and amounts per month and pair come from the dashboards'
# summary (RedemptionMonthlyFlow), not from here.


def _period(field: str, year: int, months: tuple[int, ...]) -> Q:
    condition = Q(**{f"{field}__year": year})
    if len(months) < 12:
        condition &= Q(**{f"{field}__month__in": months})
    return condition


def statistics_vouchers_issued(*, year: int, months: tuple[int, ...], region_id: int | None):
    """Per month: count and face value of the vouchers issued, and the total time from
    their applications' submission to the issue (for the average); from the statistics'
    district summary (StatisticsMonthlyDistrict), at most 4 x 12 rows."""
    queryset = StatisticsMonthlyDistrict.objects.filter(year=year, vouchers_issued__gt=0)
    if len(months) < 12:
        queryset = queryset.filter(month__in=months)
    if region_id is not None:
        queryset = queryset.filter(region_id=region_id)
    rows = queryset.values("month").annotate(
        n=Sum("vouchers_issued"), total=Sum("issued_amount"), waited=Sum("issue_wait_us")
    )
    return [
        {**row, "waited": timedelta(microseconds=row["waited"] or 0)}
        for row in rows.order_by("month")
    ]


def _spent(*, year: int, months: tuple[int, ...], region_id: int | None) -> QuerySet:
    """The statistics' summary rows (RedemptionMonthlyEnterprise) of spent redemptions
    decided in the period, of the issuing district."""
    queryset = RedemptionMonthlyEnterprise.objects.filter(year=year)
    if len(months) < 12:
        queryset = queryset.filter(month__in=months)
    if region_id is not None:
        queryset = queryset.filter(issuing_region_id=region_id)
    return queryset


def statistics_categories(*, year: int, months: tuple[int, ...], region_id: int | None):
    """Spent redemptions per service category: the order's offering's category, else the
    category the enterprise named in its application (0 when neither says one)."""
    return (
        _spent(year=year, months=months, region_id=region_id)
        .values(category_id=F("category"))
        .annotate(n=Sum("redemption_count"), total=Sum("amount"))
        .order_by()
    )


def statistics_enterprises_served(
    *, year: int, months: tuple[int, ...], region_id: int | None, by: str
):
    """Distinct enterprises whose vouchers paid for a service (a spent redemption) in the
    period, per `by` ("industry" or "size")."""
    return (
        _spent(year=year, months=months, region_id=region_id)
        .values(key=F(f"enterprise__{by}"))
        .annotate(n=Count("enterprise_id", distinct=True))
        .order_by()
    )


def statistics_payments(*, year: int, months: tuple[int, ...], region_id: int | None) -> dict:
    """Redemptions paid in the period (by the paying district, the provider's): count and
    total time from claim to payment (for the average); from the district summary."""
    queryset = StatisticsMonthlyDistrict.objects.filter(year=year)
    if len(months) < 12:
        queryset = queryset.filter(month__in=months)
    if region_id is not None:
        queryset = queryset.filter(region_id=region_id)
    totals = queryset.aggregate(n=Sum("payments"), waited=Sum("payment_wait_us"))
    return {"n": totals["n"] or 0, "waited": timedelta(microseconds=totals["waited"] or 0)}


def statistics_categories_named() -> dict[int, tuple[str, str, str]]:
    """category id -> (code, name, Chinese name) of the seven categories."""
    return {
        pk: (code, name, name_zh)
        for pk, code, name, name_zh in ServiceCategory.objects.values_list(
            "id", "code", "name", "name_zh"
        )
    }


def statistics_demands(*, year: int, months: tuple[int, ...], region_id: int | None):
    """Technology demands published (created) in the period, and resolved (awarded: a
    proposal accepted, which made the service order) in it, by the demand's district; one
    query."""
    queryset = Demand.objects.all()
    if region_id is not None:
        queryset = queryset.filter(region_id=region_id)
    return queryset.aggregate(
        published=Count("id", filter=_period("created_at", year, months)),
        resolved=Count("id", filter=Q(status="awarded") & _period("closed_at", year, months)),
    )
