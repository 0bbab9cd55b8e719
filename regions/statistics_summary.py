"""The open statistics' maintained summary (`RedemptionMonthlyEnterprise`): spent
redemptions per local month, issuing district, enterprise and service category. Recorded by
the approval's transaction, rebuilt by bulk loads, re-checked by reconciliation; read by
`regions.sources.statistics_categories` and `statistics_enterprises_served`."""

from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from regions.models import RedemptionMonthlyEnterprise
from vouchers.models import Redemption

SPENT = [Redemption.Status.APPROVED, Redemption.Status.PAID]


def enterprise_summary_record(*, redemption) -> None:
    """Add an approved redemption to its month's enterprise and category total, inside the
    approval's transaction: one upsert that reads the category where the statistics always
    did (the order's offering's, else the application's)."""
    local = timezone.localtime(redemption.decided_at)
    table = RedemptionMonthlyEnterprise._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, month, issuing_region_id, enterprise_id, category,"
            " redemption_count, amount)"
            " SELECT %s, %s, %s, v.enterprise_id,"
            " COALESCE(f.category_id, a.service_category_id, 0), 1, %s"
            " FROM providers_serviceorder o"
            " LEFT JOIN providers_serviceoffering f ON f.id = o.offering_id"
            " JOIN vouchers_voucher v ON v.id = %s"
            " JOIN vouchers_voucherapplication a ON a.id = v.application_id"
            " WHERE o.id = %s"
            " ON CONFLICT (year, month, issuing_region_id, enterprise_id, category) DO UPDATE SET"
            f" redemption_count = {table}.redemption_count + 1,"
            f" amount = {table}.amount + EXCLUDED.amount",
            [
                local.year,
                local.month,
                redemption.issuing_region_id,
                redemption.amount,
                redemption.voucher_id,
                redemption.service_order_id,
            ],
        )


def _from_redemptions() -> dict[tuple, tuple]:
    """(year, month, issuing district, enterprise, category) -> (count, total) of spent
    redemptions; one GROUP BY, to rebuild or check the summary."""
    rows = (
        Redemption.objects.filter(status__in=SPENT, decided_at__isnull=False)
        .annotate(
            year=ExtractYear("decided_at"),
            month=ExtractMonth("decided_at"),
            category=Coalesce(
                "service_order__offering__category_id",
                "voucher__application__service_category_id",
                Value(0),
            ),
        )
        .values_list("year", "month", "issuing_region_id", "voucher__enterprise_id", "category")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return {tuple(row[:5]): (row[5], row[6]) for row in rows}


def enterprise_summary_rebuild() -> int:
    """Recompute the whole summary from the redemptions (bulk loads and the migration)."""
    totals = _from_redemptions()
    RedemptionMonthlyEnterprise.objects.all().delete()
    RedemptionMonthlyEnterprise.objects.bulk_create(
        (
            RedemptionMonthlyEnterprise(
                year=y,
                month=m,
                issuing_region_id=region,
                enterprise_id=enterprise,
                category=category,
                redemption_count=n,
                amount=total,
            )
            for (y, m, region, enterprise, category), (n, total) in totals.items()
        ),
        batch_size=2000,
    )
    return len(totals)


def enterprise_summary_breaches() -> list[dict]:
    """Where the summary and the redemptions disagree, per month, district and enterprise
    (for reconciliation; a full GROUP BY). The category is left out of the comparison: the
    summary keeps the category an approval found, and an offering may be recategorised later
    without any money being wrong."""

    def by_enterprise(totals):
        out: dict[tuple, list] = {}
        for (y, m, region, enterprise, _category), (n, total) in totals.items():
            row = out.setdefault((y, m, region, enterprise), [0, Decimal("0")])
            row[0] += n
            row[1] += total
        return out

    expected = by_enterprise(_from_redemptions())
    actual = by_enterprise(
        {
            (s.year, s.month, s.issuing_region_id, s.enterprise_id, s.category): (
                s.redemption_count,
                s.amount,
            )
            for s in RedemptionMonthlyEnterprise.objects.all()
        }
    )
    breaches = []
    for key in sorted(set(expected) | set(actual)):
        want = expected.get(key, [0, Decimal("0")])
        have = actual.get(key, [0, Decimal("0")])
        if want != have:
            breaches.append(
                {
                    "check": "monthly_enterprise_matches_redemptions",
                    "year": key[0],
                    "month": key[1],
                    "region": key[2],
                    "enterprise": key[3],
                    "summary": [have[0], str(have[1])],
                    "redemptions": [want[0], str(want[1])],
                }
            )
    return breaches
