"""The open statistics' maintained summaries. `RedemptionMonthlyEnterprise`: spent
redemptions per local month, issuing district, enterprise and service category, recorded by
the approval's transaction; read by `regions.sources.statistics_categories` and
`statistics_enterprises_served`. `StatisticsMonthlyDistrict`: vouchers issued and
redemptions paid per local month and district, recorded by the issue's and the payment's
transactions; read by `statistics_vouchers_issued` and `statistics_payments`. Both are
rebuilt by bulk loads and re-checked by reconciliation."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from regions.models import RedemptionMonthlyEnterprise, StatisticsMonthlyDistrict
from vouchers.models import Redemption, Voucher

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


# --- vouchers issued and redemptions paid per month and district ----------------------------

DISTRICT_FIELDS = (
    "vouchers_issued",
    "issued_amount",
    "issue_wait_us",
    "payments",
    "payment_wait_us",
)
MICROSECOND = timedelta(microseconds=1)


def _microseconds(wait: timedelta | None) -> int:
    return wait // MICROSECOND if wait is not None else 0


def _district_add(*, when, region_id: int, values: dict) -> None:
    """One upsert adding `values` (some of DISTRICT_FIELDS; the others add nothing) to the
    month's district row."""
    local = timezone.localtime(when)
    table = StatisticsMonthlyDistrict._meta.db_table
    added = [values.get(field, 0) for field in DISTRICT_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, month, region_id, {', '.join(DISTRICT_FIELDS)})"
            f" VALUES (%s, %s, %s, {', '.join(['%s'] * len(DISTRICT_FIELDS))})"
            " ON CONFLICT (year, month, region_id) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in values),
            [local.year, local.month, region_id, *added],
        )


def district_summary_issued(*, voucher, application) -> None:
    """Add a voucher just issued to its month's district row, inside the issue's transaction.
    The wait runs from the application's submission (none when it was never submitted)."""
    submitted = application.submitted_at
    _district_add(
        when=voucher.issued_at,
        region_id=voucher.issuing_region_id,
        values={
            "vouchers_issued": 1,
            "issued_amount": voucher.face_value,
            "issue_wait_us": _microseconds(voucher.issued_at - submitted if submitted else None),
        },
    )


def district_summary_paid(*, redemption) -> None:
    """Add a redemption just paid to its month's row of the paying (provider's) district,
    inside the payment's transaction."""
    claimed = redemption.claimed_at
    _district_add(
        when=redemption.paid_at,
        region_id=redemption.provider_region_id,
        values={
            "payments": 1,
            "payment_wait_us": _microseconds(redemption.paid_at - claimed if claimed else None),
        },
    )


def _district_from_rows() -> dict[tuple, dict]:
    """(year, month, district) -> the DISTRICT_FIELDS, from the vouchers and the paid
    redemptions; two GROUP BYs, to rebuild or check the summary."""
    totals: dict[tuple, dict] = {}

    def row(key):
        return totals.setdefault(key, dict.fromkeys(DISTRICT_FIELDS, 0))

    issue_wait = ExpressionWrapper(
        F("issued_at") - F("application__submitted_at"), output_field=DurationField()
    )
    issued = (
        Voucher.objects.annotate(
            issue_year=ExtractYear("issued_at"), issue_month=ExtractMonth("issued_at")
        )
        .values_list("issue_year", "issue_month", "issuing_region_id")
        .annotate(n=Count("id"), total=Sum("face_value"), waited=Sum(issue_wait))
        .order_by()
    )
    for y, m, region, n, total, waited in issued:
        row((y, m, region)).update(
            vouchers_issued=n, issued_amount=total, issue_wait_us=_microseconds(waited)
        )
    pay_wait = ExpressionWrapper(F("paid_at") - F("claimed_at"), output_field=DurationField())
    paid = (
        Redemption.objects.filter(status=Redemption.Status.PAID, paid_at__isnull=False)
        .annotate(year=ExtractYear("paid_at"), month=ExtractMonth("paid_at"))
        .values_list("year", "month", "provider_region_id")
        .annotate(n=Count("id"), waited=Sum(pay_wait))
        .order_by()
    )
    for y, m, region, n, waited in paid:
        row((y, m, region)).update(payments=n, payment_wait_us=_microseconds(waited))
    return totals


def district_summary_rebuild() -> int:
    """Recompute the whole district summary from the rows (bulk loads)."""
    totals = _district_from_rows()
    StatisticsMonthlyDistrict.objects.all().delete()
    StatisticsMonthlyDistrict.objects.bulk_create(
        StatisticsMonthlyDistrict(year=y, month=m, region_id=region, **values)
        for (y, m, region), values in totals.items()
    )
    return len(totals)


def district_summary_breaches() -> list[dict]:
    """Where the district summary and the vouchers or paid redemptions disagree (for
    reconciliation)."""
    expected = {
        key: [values[f] for f in DISTRICT_FIELDS] for key, values in _district_from_rows().items()
    }
    actual = {
        (s.year, s.month, s.region_id): [getattr(s, f) for f in DISTRICT_FIELDS]
        for s in StatisticsMonthlyDistrict.objects.all()
    }
    empty = [0] * len(DISTRICT_FIELDS)
    return [
        {
            "check": "monthly_district_matches_rows",
            "year": key[0],
            "month": key[1],
            "region": key[2],
            "summary": [str(v) for v in actual.get(key, empty)],
            "rows": [str(v) for v in expected.get(key, empty)],
        }
        for key in sorted(set(expected) | set(actual))
        if actual.get(key, empty) != expected.get(key, empty)
    ]
