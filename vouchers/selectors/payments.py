"""What a provider was paid: its paid claims, what they add up to by month and year, and what
is approved and still to be paid. Read by the provider's statement of payments received
(vouchers/views/provider_payments.py), page and CSV alike, so that both say the same.

Years and months are the programme's (Asia/Shanghai), whatever zone the request reads times
in: a claim paid at 01:00 on 1 January in Shanghai is the new year's payment, as the
statistics' monthly summary counts it (vouchers.services.payments._add_to_monthly_summary).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from regions.models import ZERO, Region
from vouchers.models import Redemption
from vouchers.selectors import redemptions_visible_to


def programme_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def payments_received_by(user) -> QuerySet[Redemption]:
    """The provider's paid claims, the latest payment first, with what a statement line
    names (voucher, its enterprise, the paying district). Nothing for any other role: an
    official's or the operator's redemptions were paid by them, not to them."""
    if not (user.is_authenticated and user.is_provider and user.provider_id):
        return Redemption.objects.none()
    return (
        redemptions_visible_to(user)
        .filter(status=Redemption.Status.PAID)
        # Only what the statement shows: the visibility selector's other joins (the order,
        # the settlement item, the approving officials) would widen every row for nothing.
        .select_related(None)
        .select_related("voucher", "voucher__enterprise", "provider_region")
        .order_by("-paid_at", "-id")
    )


def payment_years(payments: QuerySet[Redemption]) -> list[int]:
    """The programme years in which `payments` were made, the latest first."""
    return list(
        payments.select_related(None)
        .order_by()
        .annotate(year=ExtractYear("paid_at", tzinfo=programme_zone()))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


def payments_in(
    payments: QuerySet[Redemption], *, year: int | None = None, region: Region | None = None
) -> QuerySet[Redemption]:
    """`payments` made in the programme year `year` (any year: None) by `region` (any
    district: None). The year as a range of `paid_at`, not its extracted year, so that the
    database compares the stored moments."""
    if year is not None:
        zone = programme_zone()
        payments = payments.filter(
            paid_at__gte=datetime(year, 1, 1, tzinfo=zone),
            paid_at__lt=datetime(year + 1, 1, 1, tzinfo=zone),
        )
    if region is not None:
        payments = payments.filter(provider_region=region)
    return payments


@dataclass
class PeriodTotal:
    """What was received in one month (`period` its first day) or one year (`period` its
    1 January)."""

    period: date
    count: int = 0
    total: Decimal = ZERO


@dataclass
class PaymentTotals:
    count: int = 0
    total: Decimal = ZERO
    periods: list[PeriodTotal] = field(default_factory=list)


def payment_totals(
    payments: QuerySet[Redemption], *, year: int | None, today: date
) -> PaymentTotals:
    """What `payments` add up to, and per period: with a `year`, each of its months up to
    `today`'s (every month of a past year), none left out for having no payment, so that
    the provider reads a month without payment as such; without one, each year with
    payments. One grouped query, whatever the number of payments."""
    zone = programme_zone()
    grouped = (
        payments.select_related(None)
        .order_by()
        .annotate(
            year=ExtractYear("paid_at", tzinfo=zone), month=ExtractMonth("paid_at", tzinfo=zone)
        )
        .values("year", "month")
        .annotate(count=Count("id"), total=Coalesce(Sum("amount"), ZERO))
    )
    periods: dict[date, PeriodTotal] = {}
    if year is not None:
        last_month = today.month if year == today.year else 12
        if year <= today.year:
            for month in range(1, last_month + 1):
                periods[date(year, month, 1)] = PeriodTotal(date(year, month, 1))
    totals = PaymentTotals()
    for row in grouped:
        period = date(row["year"], row["month"] if year is not None else 1, 1)
        # A payment in a month not listed (a clock set ahead) still counts: the table adds up.
        shown = periods.setdefault(period, PeriodTotal(period))
        shown.count += row["count"]
        shown.total += row["total"]
        totals.count += row["count"]
        totals.total += row["total"]
    totals.periods = sorted(periods.values(), key=lambda shown: shown.period)
    return totals


def payments_awaited_by(user) -> dict:
    """The provider's approved claims its district has not paid yet: their `count` and
    `total`. One query."""
    if not (user.is_authenticated and user.is_provider and user.provider_id):
        return {"count": 0, "total": ZERO}
    return (
        redemptions_visible_to(user)
        .filter(status=Redemption.Status.APPROVED)
        .select_related(None)
        .order_by()
        .aggregate(count=Count("id"), total=Coalesce(Sum("amount"), ZERO))
    )
