"""Selectors behind the officials' and the operator's dashboards: a fixed, small number of
queries whatever the volume of data.

Redemption figures come from `RedemptionMonthlyFlow` (a few hundred rows), which the
approval service keeps in the approval's own transaction, never from a scan of the
redemptions: at a million redemptions those scans took over a second per page. Vouchers
issued per month come the same way from `StatisticsMonthlyDistrict`, kept by the issue.
Voucher and queue counts are index scans (see the `perf_` migrations).
"""

from decimal import Decimal

from django.db import connection
from django.db.models import F, Q, Sum
from django.utils import timezone

from regions import sources
from regions.models import (
    ProgrammeRules,
    ReconciliationReport,
    RedemptionMonthlyFlow,
    Region,
    SettlementBatch,
    StatisticsMonthlyDistrict,
)
from regions.reminders import DEFAULT_SERVICE_LEVEL_DAYS, official_reminders, official_waiting
from regions.selectors import current_year, with_budget_ceilings

MONTHS = list(range(1, 13))


def _monthly_issued(region: Region, year: int) -> list[Decimal]:
    """Face value issued per local month, from the district summary the issuing service
    keeps (a scan of the district's vouchers was most of the dashboard's database time)."""
    rows = StatisticsMonthlyDistrict.objects.filter(region=region, year=year).values_list(
        "month", "issued_amount"
    )
    by_month = dict(rows)
    return [by_month.get(m) or Decimal("0") for m in MONTHS]


def pair_flows(*, region: Region | None = None) -> dict[tuple[str, str], Decimal]:
    """Approved cross-region redemptions by (issuing district, provider's district)."""
    qs = RedemptionMonthlyFlow.objects.exclude(issuing_region=F("provider_region"))
    if region is not None:
        qs = qs.filter(Q(issuing_region=region) | Q(provider_region=region))
    rows = (
        qs.values_list("issuing_region__code", "provider_region__code")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(a, b): total for a, b, total in rows}


def _monthly_redeemed(region: Region, year: int) -> list[Decimal]:
    rows = (
        RedemptionMonthlyFlow.objects.filter(issuing_region=region, year=year)
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
        .order_by()
    )
    by_month = dict(rows)
    return [by_month.get(m) or Decimal("0") for m in MONTHS]


def _unsettled() -> dict:
    """Approved cross-region redemptions in no batch yet: all of them (the summary), less
    those of computed batches (their stored totals), less those an open batch has claimed so
    far (an index scan over that batch's rows, only while a batch is running)."""
    cross = RedemptionMonthlyFlow.objects.exclude(issuing_region=F("provider_region")).aggregate(
        n=Sum("redemption_count"), total=Sum("amount")
    )
    done = SettlementBatch.objects.exclude(status=SettlementBatch.Status.OPEN).aggregate(
        n=Sum("redemption_count"), total=Sum("gross_total")
    )
    claimed = sources.claimed_by_batches(
        SettlementBatch.objects.filter(status=SettlementBatch.Status.OPEN)
    )
    n = (cross["n"] or 0) - (done["n"] or 0) - (claimed["n"] or 0)
    total = (cross["total"] or 0) - (done["total"] or 0) - (claimed["total"] or 0)
    return {"n": n, "total": total if n else None}


def official_dashboard(*, region: Region, official=None) -> dict:
    year = current_year()
    rules = ProgrammeRules.objects.filter(region=region, year=year).first()
    # The queues, and the reminders' work waiting beyond the service level, in one query
    # (the page's reminders and its menu's risk badge take theirs from here: portal context).
    days = rules.service_level_days if rules else DEFAULT_SERVICE_LEVEL_DAYS
    waiting = official_waiting(region_id=region.pk, days=days, now=timezone.now())
    counts = sources.counts_in_one_query(
        {
            **sources.official_queues(
                region_id=region.pk, official_id=official.pk if official else None
            ),
            **waiting,
        }
    )
    reminders = official_reminders({kind: counts.pop(kind) for kind in waiting}, days)
    issued = _monthly_issued(region, year)
    redeemed = _monthly_redeemed(region, year)
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
        "known_reminders": reminders,
        "known_risk_flag_count": counts["risk_flags"],
        "monthly_issued": issued,
        "monthly_redeemed": redeemed,
        "flow_rows": flow_rows,
    }


def operator_dashboard() -> dict:
    year = current_year()
    regions = list(Region.objects.order_by("id"))
    rules = {
        r.region_id: r for r in with_budget_ceilings(list(ProgrammeRules.objects.filter(year=year)))
    }
    vouchers = sources.voucher_totals_per_region(year=year)
    providers = sources.certified_providers_per_region()
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
    unsettled = _unsettled()
    return {
        "year": year,
        "regions": regions,
        "districts": districts,
        "flows": pair_flows(),
        "batches": list(SettlementBatch.objects.order_by("-id")[:10]),
        "unsettled": unsettled,
        "reconciliation": ReconciliationReport.objects.order_by("-ran_at").first(),
        "open_risk_flags": sources.open_risk_flag_count(region_id=None),
    }


# --- the maintained summary ----------------------------------------------------------------


def flow_summary_record(*, redemption) -> None:
    """Add an approved redemption to its month's pair total, inside the approval's
    transaction. One upsert; concurrent approvals of a pair wait on its row, as they already
    wait on their district's rules row, which `redemption_approve` locks first."""
    local = timezone.localtime(redemption.decided_at)
    table = RedemptionMonthlyFlow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, month, issuing_region_id, provider_region_id,"
            " redemption_count, amount) VALUES (%s, %s, %s, %s, 1, %s)"
            " ON CONFLICT (year, month, issuing_region_id, provider_region_id) DO UPDATE SET"
            f" redemption_count = {table}.redemption_count + 1,"
            f" amount = {table}.amount + EXCLUDED.amount",
            [
                local.year,
                local.month,
                redemption.issuing_region_id,
                redemption.provider_region_id,
                redemption.amount,
            ],
        )


def flow_summary_rebuild() -> int:
    """Recompute the whole summary from the redemptions (bulk loads; one GROUP BY)."""
    flows = sources.monthly_flows_from_redemptions()
    RedemptionMonthlyFlow.objects.all().delete()
    RedemptionMonthlyFlow.objects.bulk_create(
        RedemptionMonthlyFlow(
            year=y,
            month=m,
            issuing_region_id=a,
            provider_region_id=b,
            redemption_count=n,
            amount=total,
        )
        for (y, m, a, b), (n, total) in flows.items()
    )
    return len(flows)


def flow_summary_breaches() -> list[dict]:
    """Where the summary and the redemptions disagree (for reconciliation); a full GROUP BY,
    so for the nightly check, never for a page."""
    expected = sources.monthly_flows_from_redemptions()
    actual = {
        (f.year, f.month, f.issuing_region_id, f.provider_region_id): (
            f.redemption_count,
            f.amount,
        )
        for f in RedemptionMonthlyFlow.objects.all()
    }
    breaches = []
    for key in sorted(set(expected) | set(actual)):
        want = expected.get(key, (0, Decimal("0")))
        have = actual.get(key, (0, Decimal("0")))
        if want[0] != have[0] or want[1] != have[1]:
            breaches.append(
                {
                    "check": "monthly_flow_matches_redemptions",
                    "year": key[0],
                    "month": key[1],
                    "from": key[2],
                    "to": key[3],
                    "summary": [have[0], str(have[1])],
                    "redemptions": [want[0], str(want[1])],
                }
            )
    return breaches
