"""Selectors behind the officials' and the operator's dashboards: a fixed, small number of
aggregate queries whatever the volume of data."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth

from providers.models import Provider, ServiceOrder
from regions.models import ProgrammeRules, ReconciliationReport, Region, SettlementBatch
from regions.selectors import current_year
from vouchers.models import Enterprise, Redemption, Voucher, VoucherApplication

SPENT = ["approved", "paid"]
MONTHS = list(range(1, 13))


def _monthly(queryset, date_field: str, amount_field: str, year: int) -> list[Decimal]:
    rows = (
        queryset.filter(**{f"{date_field}__year": year})
        .annotate(month=ExtractMonth(date_field))
        .values("month")
        .annotate(total=Sum(amount_field))
        .values_list("month", "total")
    )
    by_month = dict(rows)
    return [by_month.get(m) or Decimal("0") for m in MONTHS]


def pair_flows(*, region: Region | None = None) -> dict[tuple[str, str], Decimal]:
    """Approved cross-region redemptions by (issuing district, provider's district)."""
    qs = Redemption.objects.filter(cross_region=True, status__in=SPENT)
    if region is not None:
        qs = qs.filter(Q(issuing_region=region) | Q(provider_region=region))
    rows = qs.values_list("issuing_region__code", "provider_region__code").annotate(
        total=Sum("amount")
    )
    return {(a, b): total for a, b, total in rows}


def official_dashboard(*, region: Region) -> dict:
    year = current_year()
    rules = ProgrammeRules.objects.filter(region=region, year=year).first()
    counts = {
        "applications": VoucherApplication.objects.filter(
            region=region, status="submitted"
        ).count(),
        "enterprises": Enterprise.objects.filter(region=region, verified_at__isnull=True).count(),
        "providers": Provider.objects.filter(region=region, status="applied").count(),
        "redemptions": Redemption.objects.filter(issuing_region=region, status="pending").count(),
        "payments": Redemption.objects.filter(provider_region=region, status="approved").count(),
        "disputes": ServiceOrder.objects.filter(provider__region=region, status="disputed").count(),
    }
    issued = _monthly(
        Voucher.objects.filter(issuing_region=region), "issued_at", "face_value", year
    )
    redeemed = _monthly(
        Redemption.objects.filter(issuing_region=region, status__in=SPENT),
        "decided_at",
        "amount",
        year,
    )
    flows = pair_flows(region=region)
    others = [r for r in Region.objects.order_by("id") if r.pk != region.pk]
    flow_rows = [
        {
            "region": other,
            "owed_to": flows.get((region.code, other.code), Decimal("0")),
            "owed_by": flows.get((other.code, region.code), Decimal("0")),
        }
        for other in others
    ]
    return {
        "year": year,
        "rules": rules,
        "counts": counts,
        "monthly_issued": issued,
        "monthly_redeemed": redeemed,
        "flow_rows": flow_rows,
    }


def operator_dashboard() -> dict:
    year = current_year()
    regions = list(Region.objects.order_by("id"))
    rules = {r.region_id: r for r in ProgrammeRules.objects.filter(year=year)}
    vouchers = {
        row["issuing_region"]: row
        for row in Voucher.objects.filter(year=year)
        .values("issuing_region")
        .annotate(n=Count("id"), active=Count("id", filter=Q(status="active")))
    }
    providers = dict(
        Provider.objects.filter(status="certified").values_list("region").annotate(n=Count("id"))
    )
    districts = [
        {
            "region": region,
            "rules": rules.get(region.pk),
            "vouchers": vouchers.get(region.pk, {}).get("n", 0),
            "active": vouchers.get(region.pk, {}).get("active", 0),
            "providers": providers.get(region.pk, 0),
        }
        for region in regions
    ]
    unsettled = Redemption.objects.filter(
        cross_region=True, status__in=SPENT, settlement_batch__isnull=True
    ).aggregate(n=Count("id"), total=Sum("amount"))
    return {
        "year": year,
        "regions": regions,
        "districts": districts,
        "flows": pair_flows(),
        "batches": list(SettlementBatch.objects.order_by("-id")[:10]),
        "unsettled": unsettled,
        "reconciliation": ReconciliationReport.objects.order_by("-ran_at").first(),
    }
