"""The dashboards' maintained summary: approvals keep it, loads rebuild it, and the
dashboards' redemption figures (flows, monthly redeemed, unsettled) match the redemptions."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from providers.models import Demand
from providers.search import search_terms
from regions import dashboards
from regions.models import RedemptionMonthlyFlow
from regions.settlement.services import settlement_batch_create, settlement_run
from regions.statistics_summary import district_summary_breaches, enterprise_summary_breaches
from tests.redemptions.factories import approved_redemption, make_order, official_of, provider_user
from tests.settlement.factories import spread
from tests.vouchers.factories import make_voucher
from vouchers import services as redemptions
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


def unsettled_by_scan():
    row = Redemption.objects.filter(
        cross_region=True, status__in=["approved", "paid"], settlement_item__isnull=True
    ).aggregate(total=Sum("amount"))
    count = Redemption.objects.filter(
        cross_region=True, status__in=["approved", "paid"], settlement_item__isnull=True
    ).count()
    return count, row["total"]


def test_it_adds_an_approval_to_its_month_and_pair(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    provider = demo["providers"]["provider-sit"]
    before = RedemptionMonthlyFlow.objects.count()
    approved_redemption(demo, voucher, provider, "1200.00")
    approved_redemption(demo, voucher, provider, "300.50", paid=True)
    now = timezone.localtime()
    flow = RedemptionMonthlyFlow.objects.get(
        year=now.year,
        month=now.month,
        issuing_region=voucher.issuing_region,
        provider_region=provider.region,
    )
    assert flow.redemption_count >= 2
    assert RedemptionMonthlyFlow.objects.count() in (before, before + 1)
    assert dashboards.flow_summary_breaches() == []


def test_it_leaves_pending_and_rejected_claims_out(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    provider = demo["providers"]["provider-sit"]
    order = make_order(voucher, provider, contract="1000.00")
    claim = redemptions.redemption_claim(
        service_order_id=order.pk, amount="400.00", actor=provider_user(demo, provider)
    )
    snapshot = list(RedemptionMonthlyFlow.objects.values_list("redemption_count", "amount"))
    redemptions.redemption_reject(
        redemption_id=claim.pk, actor=official_of(demo, "WUJIN"), note="No evidence"
    )
    assert list(RedemptionMonthlyFlow.objects.values_list("redemption_count", "amount")) == (
        snapshot
    )
    assert dashboards.flow_summary_breaches() == []


def test_it_reports_a_summary_that_drifted_and_a_rebuild_repairs_it(demo):
    spread(demo, 8)
    RedemptionMonthlyFlow.objects.filter(pk=RedemptionMonthlyFlow.objects.first().pk).delete()
    assert dashboards.flow_summary_breaches()
    dashboards.flow_summary_rebuild()
    assert dashboards.flow_summary_breaches() == []


def test_the_flows_match_a_scan_of_the_redemptions(demo):
    expected = spread(demo, 16)
    flows = dashboards.pair_flows()
    for pair, amount in expected.items():
        assert flows[pair] >= amount
    scan = {
        (a, b): total
        for a, b, total in Redemption.objects.filter(
            cross_region=True, status__in=["approved", "paid"]
        )
        .values_list("issuing_region__code", "provider_region__code")
        .annotate(total=Sum("amount"))
    }
    assert flows == scan
    assert dashboards.pair_flows(region=demo["regions"]["WUJIN"]) == {
        pair: total for pair, total in scan.items() if "WUJIN" in pair
    }


def test_unsettled_counts_what_no_batch_has_taken(demo):
    spread(demo, 12)
    assert dashboards.operator_dashboard()["unsettled"]["n"] == unsettled_by_scan()[0]
    assert dashboards.operator_dashboard()["unsettled"]["total"] == unsettled_by_scan()[1]
    batch = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)
    assert dashboards.operator_dashboard()["unsettled"]["n"] == 0
    spread(demo, 4)
    count, total = unsettled_by_scan()
    assert count > 0
    assert dashboards.operator_dashboard()["unsettled"] == {"n": count, "total": total}


def test_the_official_sees_this_months_redemptions(client, demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "2500.00")
    data = dashboards.official_dashboard(region=voucher.issuing_region)
    month = timezone.localtime().month
    assert data["monthly_redeemed"][month - 1] >= Decimal("2500.00")
    client.force_login(official_of(demo, "WUJIN"))
    assert client.get(reverse("official-dashboard")).status_code == 200


def test_seed_load_rebuilds_the_summary(demo):
    call_command("seed_load", enterprises=4, vouchers=4, redemptions=40, verbosity=0)
    assert dashboards.flow_summary_breaches() == []
    assert sum(RedemptionMonthlyFlow.objects.values_list("redemption_count", flat=True)) >= 40
    # And the open statistics' summaries, and the loaded demands' search tokens.
    assert enterprise_summary_breaches() == []
    assert district_summary_breaches() == []
    assert Demand.objects.exists()
    for demand in Demand.objects.all():
        assert demand.search_terms == search_terms(demand.title, demand.description)
