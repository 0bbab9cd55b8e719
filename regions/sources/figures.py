"""District figures for the home page and the dashboards, the public serial check, and the
stored files' integrity."""

from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from providers.models import (
    EvidenceFile,
    FileIntegrityCheck,
    Provider,
    ProviderCertificate,
    RiskFlag,
    ServiceOrder,
)
from vouchers.models import Enterprise, Redemption, Voucher, VoucherApplication

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


def official_queue_counts(*, region_id: int) -> dict[str, int]:
    """What waits for the district official, one count per queue (index scans), all in one
    query: one round trip and one statement to compile instead of seven on every render."""
    return counts_in_one_query(official_queues(region_id=region_id))


def official_queues(*, region_id: int, official_id: int | None = None) -> dict[str, QuerySet]:
    """The district official's queues, by name, as querysets to count. With `official_id`,
    the applications and claims that official gave the first of four-eyes approvals to are
    left out: they wait for a colleague, and the official can only reject them."""
    applications = VoucherApplication.objects.filter(region_id=region_id, status="submitted")
    claims = Redemption.objects.filter(issuing_region_id=region_id, status="pending")
    if official_id is not None:
        applications = applications.exclude(first_approved_by_id=official_id)
        claims = claims.exclude(first_approved_by_id=official_id)
    return {
        "applications": applications,
        "enterprises": Enterprise.objects.filter(
            region_id=region_id, verified_at__isnull=True, rejected_at__isnull=True
        ),
        "providers": Provider.objects.filter(region_id=region_id, status="applied"),
        "redemptions": claims,
        "payments": Redemption.objects.filter(provider_region_id=region_id, status="approved"),
        # Disputes the district decides: those on orders paid with its vouchers (counted by
        # the provider's district, the card said 0 to the one official who could act).
        "disputes": ServiceOrder.objects.filter(
            voucher__issuing_region_id=region_id, status="disputed"
        ),
        "risk_flags": open_risk_flags(region_id=region_id),
    }


def counts_in_one_query(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """{name: queryset.count()} for each, from one SELECT of scalar subqueries."""
    columns, params, counts = [], [], {}
    for name, queryset in querysets.items():
        try:
            sql, values = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a none(): nothing to count
            counts[name] = 0
            continue
        columns.append((name, f"(SELECT COUNT(*) FROM ({sql}) AS counted)"))
        params.extend(values)
    if columns:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(column for _, column in columns)}", params)
            counts.update(zip([name for name, _ in columns], cursor.fetchone(), strict=True))
    return {name: counts[name] for name in querysets}


def open_risk_flags(*, region_id: int | None) -> QuerySet:
    """Open risk flags on orders paid with the district's vouchers (the risk queue); every
    district's for `None` (the operator's)."""
    flags = RiskFlag.objects.filter(cleared_at__isnull=True)
    if region_id is None:
        return flags
    return flags.filter(service_order__voucher__issuing_region_id=region_id)


def open_risk_flag_count(*, region_id: int | None) -> int:
    return open_risk_flags(region_id=region_id).count()


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


# --- stored files' integrity (the operator's reconciliation page) ---------------------------


def file_integrity_checks(limit: int = 5):
    """The latest nightly re-hashings of evidence files and order documents."""
    return list(FileIntegrityCheck.objects.order_by("-checked_at", "-id")[:limit])


def evidence_hashes(*, order_ids) -> dict[int, list[str]]:
    """The SHA-256 of each evidence file of these orders, by order, in upload order."""
    hashes: dict[int, list[str]] = {}
    rows = (
        EvidenceFile.objects.filter(order_id__in=list(order_ids))
        .order_by("id")
        .values_list("order_id", "sha256")
    )
    for order_id, digest in rows:
        hashes.setdefault(order_id, []).append(digest or "-")
    return hashes
