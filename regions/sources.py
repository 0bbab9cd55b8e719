"""The rows of the vouchers and providers apps that regions reads, all in this one module.

vouchers and providers build on regions (districts, rules, the ledger); regions needs their
rows back only to settle, reconcile and show district figures. Keeping every such read here
means the arrow regions -> vouchers/providers has one tail, and a change to their tables has
one place to look at in regions.
"""

from datetime import datetime

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from providers.models import Provider, ProviderCertificate, ServiceOrder
from vouchers.models import Enterprise, Redemption, Voucher, VoucherApplication

SPENT = [Redemption.Status.APPROVED, Redemption.Status.PAID]


# --- redemptions waiting for settlement -----------------------------------------------------


def unsettled_redemptions(*, cutoff: datetime | None = None) -> QuerySet[Redemption]:
    """Approved or paid cross-region redemptions in no batch yet (decided up to `cutoff`)."""
    queryset = Redemption.objects.filter(
        cross_region=True, settlement_batch__isnull=True, status__in=SPENT
    )
    if cutoff is not None:
        queryset = queryset.filter(decided_at__lte=cutoff)
    return queryset


# The same condition as `unsettled_redemptions(cutoff=...)`, for the raw statements below.
_ELIGIBLE = (
    "settlement_batch_id IS NULL AND cross_region AND status IN ('approved', 'paid') "
    "AND decided_at <= %s"
)


def unsettled_id_range(*, cutoff: datetime) -> tuple[int | None, int | None, int]:
    """(lowest id, highest id, count) of the redemptions a batch up to `cutoff` would take."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(id), MAX(id), COUNT(*) FROM vouchers_redemption WHERE {_ELIGIBLE}",
            [cutoff],
        )
        return cursor.fetchone()


def redemptions_claim(
    *, batch_id: int, cutoff: datetime, low: int, high: int, limit: int
) -> tuple[int, int | None]:
    """Stamp `batch_id` on up to `limit` unsettled redemptions with ids in [low, high];
    return (how many, the last id). Runs inside the caller's transaction.

    Raw SQL because the claim must be one set-based statement: at a million redemptions a
    batch cannot load rows into Python, and on PostgreSQL `FOR UPDATE SKIP LOCKED` in the
    sub-select lets several workers (and a second batch) claim side by side, each skipping
    the rows another holds; `settlement_batch_id IS NULL` in the same statement makes a
    redemption's batch written once. The ORM has no UPDATE ... WHERE id IN (SELECT ... FOR
    UPDATE SKIP LOCKED) RETURNING.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "WITH claimed AS ("
                " UPDATE vouchers_redemption SET settlement_batch_id = %s WHERE id IN ("
                f"  SELECT id FROM vouchers_redemption WHERE {_ELIGIBLE}"
                "   AND id >= %s AND id <= %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
                " RETURNING id"
                ") SELECT COUNT(*), MAX(id) FROM claimed",
                [batch_id, cutoff, low, high, limit],
            )
            claimed, last = cursor.fetchone()
            return claimed, last
        # SQLite serialises writers, so the plain statements are already exclusive.
        cursor.execute(
            f"SELECT MAX(id), COUNT(*) FROM (SELECT id FROM vouchers_redemption"
            f" WHERE {_ELIGIBLE} AND id >= %s AND id <= %s ORDER BY id LIMIT %s)",
            [cutoff, low, high, limit],
        )
        last, _count = cursor.fetchone()
        if last is None:
            return 0, None
        cursor.execute(
            f"UPDATE vouchers_redemption SET settlement_batch_id = %s"
            f" WHERE {_ELIGIBLE} AND id >= %s AND id <= %s",
            [batch_id, cutoff, low, last],
        )
        return cursor.rowcount, last


# --- redemptions of a batch -----------------------------------------------------------------


def batch_pair_totals(*, batch_id: int) -> QuerySet:
    """The batch's redemptions totalled per (issuing district, provider's district)."""
    return (
        Redemption.objects.filter(settlement_batch_id=batch_id)
        .values("issuing_region_id", "provider_region_id")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by()
    )


def batch_redemption_rows(*, batch_id: int, region_id: int) -> QuerySet:
    """The batch's redemptions that the district owes or is owed, as value tuples."""
    return (
        Redemption.objects.filter(settlement_batch_id=batch_id)
        .filter(Q(issuing_region_id=region_id) | Q(provider_region_id=region_id))
        .order_by("id")
        .values_list(
            "id",
            "voucher__serial",
            "service_order_id",
            "provider__name",
            "issuing_region__code",
            "provider_region__code",
            "issuing_region_id",
            "decided_at",
            "status",
            "amount",
        )
    )


def claimed_by_batches(batches: QuerySet) -> dict:
    """Count and total of the redemptions the given batches hold so far."""
    return Redemption.objects.filter(settlement_batch__in=batches).aggregate(
        n=Count("id"), total=Sum("amount")
    )


# --- whole tables, for the nightly reconciliation -------------------------------------------


def all_redemptions() -> QuerySet[Redemption]:
    """Every redemption: reconciliation re-derives money totals from them in GROUP BYs."""
    return Redemption.objects.all()


def all_vouchers() -> QuerySet[Voucher]:
    """Every voucher: reconciliation compares balances and budgets against them."""
    return Voucher.objects.all()


def monthly_flows_from_redemptions() -> dict[tuple[int, int, int, int], tuple]:
    """(year, month, issuing district, provider's district) -> (count, total) of spent
    redemptions; one GROUP BY, to rebuild or check the dashboards' monthly summary."""
    rows = (
        Redemption.objects.filter(status__in=SPENT, decided_at__isnull=False)
        .annotate(year=ExtractYear("decided_at"), month=ExtractMonth("decided_at"))
        .values_list("year", "month", "issuing_region_id", "provider_region_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return {(y, m, a, b): (n, total) for y, m, a, b, n, total in rows}


# --- district figures for the home page and the dashboards ---------------------------------


def certified_providers_per_region() -> dict[int, int]:
    return dict(
        Provider.objects.filter(status=Provider.Status.CERTIFIED)
        .values_list("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )


def voucher_totals_per_region(*, year: int) -> dict[int, dict]:
    """region id -> {n, active, face, redeemed} of the year's vouchers."""
    return {
        row["issuing_region_id"]: row
        for row in Voucher.objects.filter(year=year)
        .values("issuing_region_id")
        .annotate(
            n=Count("id"),
            active=Count("id", filter=Q(status=Voucher.Status.ACTIVE)),
            face=Sum("face_value"),
            redeemed=Sum("redeemed"),
        )
        .order_by()
    }


def vouchers_issued_in(*, region_id: int) -> QuerySet[Voucher]:
    return Voucher.objects.filter(issuing_region_id=region_id)


def official_queue_counts(*, region_id: int) -> dict[str, int]:
    """What waits for the district official, one count per queue (index scans)."""
    return {
        "applications": VoucherApplication.objects.filter(
            region_id=region_id, status="submitted"
        ).count(),
        "enterprises": Enterprise.objects.filter(
            region_id=region_id, verified_at__isnull=True
        ).count(),
        "providers": Provider.objects.filter(region_id=region_id, status="applied").count(),
        "redemptions": Redemption.objects.filter(
            issuing_region_id=region_id, status="pending"
        ).count(),
        "payments": Redemption.objects.filter(
            provider_region_id=region_id, status="approved"
        ).count(),
        "disputes": ServiceOrder.objects.filter(
            provider__region_id=region_id, status="disputed"
        ).count(),
    }


# --- the public serial check ----------------------------------------------------------------


def voucher_by_serial(serial: str) -> Voucher | None:
    return (
        Voucher.objects.select_related("enterprise", "issuing_region").filter(serial=serial).first()
    )


def certificate_by_serial(serial: str) -> ProviderCertificate | None:
    return (
        ProviderCertificate.objects.select_related("provider", "provider__region")
        .filter(serial=serial)
        .first()
    )


def vouchers_without_certificate(*, issued_before: datetime) -> QuerySet:
    """Serials of vouchers issued before then whose certificate PDF was never drawn."""
    return Voucher.objects.filter(certificate_pdf="", issued_at__lt=issued_before).values_list(
        "serial", flat=True
    )


def certificates_without_pdf(*, issued_before: datetime) -> QuerySet:
    """Serials of provider certificates issued before then whose PDF was never drawn."""
    return ProviderCertificate.objects.filter(pdf="", issued_at__lt=issued_before).values_list(
        "serial", flat=True
    )
