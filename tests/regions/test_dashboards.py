import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_official_dashboard_shows_the_budget_and_what_needs_doing(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    response = client.get(reverse("official-dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "10,000,000" in body and "200,000" in body
    assert "<svg" in body


def test_the_operator_dashboard_shows_the_four_districts_and_the_flow_matrix(client, demo):
    client.force_login(demo["users"]["operator"])
    body = client.get(reverse("operator-dashboard")).content.decode()
    for name in ["Yangpu District", "Wujin District", "Nanhu District", "Hefei High-tech Zone"]:
        assert name in body
    assert 'role="img"' in body
    # The matrix adds up every approved claim, settled or not: it is no list of debts (it
    # was captioned "what each district owes" and kept its figures after the settlement).
    assert "settled or not" in body and "owes" not in body.lower()


def test_other_roles_may_not_open_the_operator_dashboard(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    assert client.get(reverse("operator-dashboard")).status_code == 403


def test_the_dashboards_run_a_constant_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    client.force_login(demo["users"]["operator"])
    with django_assert_max_num_queries(20):
        client.get(reverse("operator-dashboard"))
    client.force_login(demo["users"]["official-wujin"])
    # The official's dashboard also reads its reminders, the risk queue's count and the
    # deals each technology manager brokered: one query each, whatever the rows.
    with django_assert_max_num_queries(18):
        client.get(reverse("official-dashboard"))


def test_the_official_dashboard_issued_series_matches_the_vouchers(demo):
    """The monthly series comes from the district summary the issue keeps; it must say what
    the vouchers themselves say, month by local month, also after a new voucher is issued."""
    from decimal import Decimal

    from django.db.models import Sum
    from django.db.models.functions import ExtractMonth

    from regions.dashboards import official_dashboard
    from regions.selectors import current_year
    from vouchers.models import Voucher
    from vouchers.services import application_approve, application_submit

    user = demo["users"]["enterprise-jiangnan"]
    application = application_submit(
        enterprise=user.enterprise,
        requested_amount=Decimal("7000.00"),
        purpose="Series",
        actor=user,
    )
    application_approve(
        application=application, actor=demo["users"]["official-wujin"], approved_amount=None
    )
    region = user.enterprise.region
    year = current_year()

    by_month = dict(
        Voucher.objects.filter(issuing_region=region, issued_at__year=year)
        .annotate(month=ExtractMonth("issued_at"))
        .values("month")
        .annotate(total=Sum("face_value"))
        .values_list("month", "total")
    )
    expected = [by_month.get(m) or Decimal("0") for m in range(1, 13)]
    assert sum(expected) >= Decimal("7000.00")
    assert official_dashboard(region=region)["monthly_issued"] == expected


def test_the_official_queues_are_counted_in_one_query_as_each_alone(
    demo, django_assert_num_queries
):
    """Each queue's count from the one combined query equals its own count(), for every
    district of the demo, with queues that join (disputes, risk flags) and one that is empty."""
    from providers.models import Provider, RiskFlag, ServiceOrder
    from regions.models import Region
    from regions.sources import counts_in_one_query, official_queue_counts
    from vouchers.models import Enterprise, Redemption, VoucherApplication
    from vouchers.services import application_submit

    # Something in three queues: an application, an enterprise and a provider to decide on.
    user = demo["users"]["enterprise-jiangnan"]
    application_submit(
        enterprise=user.enterprise, requested_amount="10000.00", purpose="Testing", actor=user
    )
    Enterprise.objects.filter(pk=Enterprise.objects.order_by("pk")[0].pk).update(verified_at=None)
    # A refused registration waits for the enterprise, not for the official.
    from django.utils import timezone

    Enterprise.objects.filter(pk=Enterprise.objects.order_by("pk")[1].pk).update(
        verified_at=None, rejected_at=timezone.now(), rejection_reason="Unknown address."
    )
    Provider.objects.filter(pk=Provider.objects.order_by("pk")[0].pk).update(status="applied")
    seen = 0
    for region in Region.objects.all():
        alone = {
            "applications": VoucherApplication.objects.filter(
                region=region, status="submitted"
            ).count(),
            "enterprises": Enterprise.objects.filter(
                region=region, verified_at__isnull=True, rejected_at__isnull=True
            ).count(),
            "providers": Provider.objects.filter(region=region, status="applied").count(),
            "redemptions": Redemption.objects.filter(
                issuing_region=region, status="pending"
            ).count(),
            "payments": Redemption.objects.filter(
                provider_region=region, status="approved"
            ).count(),
            "disputes": ServiceOrder.objects.filter(
                voucher__issuing_region=region, status="disputed"
            ).count(),
            "risk_flags": RiskFlag.objects.filter(
                cleared_at__isnull=True, service_order__voucher__issuing_region=region
            ).count(),
        }
        with django_assert_num_queries(1):
            together = official_queue_counts(region_id=region.pk)
        assert together == alone
        seen += sum(alone.values())
    assert seen >= 3
    with django_assert_num_queries(1):
        counts = counts_in_one_query(
            {"none": Provider.objects.none(), "all": Provider.objects.all()}
        )
    assert counts == {"none": 0, "all": Provider.objects.count()}


def test_a_dispute_counts_for_the_district_that_decides_it(demo):
    """A Wujin voucher spent with a Yangpu provider: Wujin's official decides the dispute, so
    Wujin's card counts it (Yangpu's did, and Yangpu cannot decide it)."""
    from providers.models import ServiceOrder
    from regions.sources import official_queue_counts

    order = demo["order"]
    ServiceOrder.objects.filter(pk=order.pk).update(status="disputed")
    assert order.voucher.issuing_region.code == "WUJIN" and order.provider.region.code == "YANGPU"
    wujin, yangpu = demo["regions"]["WUJIN"], demo["regions"]["YANGPU"]
    assert official_queue_counts(region_id=wujin.pk)["disputes"] == 1
    assert official_queue_counts(region_id=yangpu.pk)["disputes"] == 0


def test_the_official_dashboard_counts_its_reminders_and_risk_badge_with_its_queues(client, demo):
    """The dashboard counts the reminders' waiting work and the menu's risk badge in its
    queues' one query; they read as on any other page, which counts them on their own."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from providers.models import RiskFlag
    from regions.selectors import programme_today
    from tests.redemptions.factories import make_order
    from vouchers.models import VoucherApplication

    for days_ago in (6, 7, 1):  # two beyond Wujin's five-day service level, one within
        VoucherApplication.objects.create(
            enterprise=demo["enterprises"]["enterprise-jiangnan"],
            region=demo["regions"]["WUJIN"],
            year=programme_today().year,
            requested_amount=Decimal("1000.00"),
            purpose="Waiting",
            submitted_at=timezone.now() - timedelta(days=days_ago),
        )
    order = make_order(demo["voucher"], demo["providers"]["provider-sit"])
    RiskFlag.objects.create(kind=RiskFlag.Kind.SPLIT_CONTRACT, service_order=order)
    client.force_login(demo["users"]["official-wujin"])

    with CaptureQueriesContext(connection) as queries:
        dashboard = client.get(reverse("official-dashboard")).content.decode()
    statements = [
        query["sql"] for query in queries.captured_queries
    ]  # the next request clears them
    elsewhere = client.get(reverse("official-application-queue")).content.decode()

    reminder = "<strong>2</strong> applications waiting longer than 5 days"
    assert reminder in dashboard
    badge = '<span class="badge badge-disputed">1</span>'
    assert badge in dashboard and badge in elsewhere
    risk_reads = [sql for sql in statements if "providers_riskflag" in sql]
    assert len(risk_reads) == 1 and "vouchers_voucherapplication" in risk_reads[0]
    # The service level comes from the district's rules the page reads anyway.
    assert len([sql for sql in statements if 'FROM "regions_programmerules"' in sql]) == 1


def test_the_budget_bar_shows_redeemed_and_unspent_commitments_side_by_side(client, demo):
    """Budget 500,000, committed 450,000 of which 245,000 redeemed: 49 % redeemed, 41 %
    committed and unspent, 10 % free (the held part was drawn as the whole commitment, 90 %,
    and the two squeezed into the track as if nothing were left)."""
    from decimal import Decimal

    from regions.models import ProgrammeRules
    from regions.selectors import current_year

    ProgrammeRules.objects.filter(region__code="WUJIN", year=current_year()).update(
        annual_budget=Decimal("500000"), committed=Decimal("450000"), redeemed=Decimal("245000")
    )
    client.force_login(demo["users"]["official-wujin"])
    body = client.get("/official/").content.decode()
    assert '<span class="bar-redeemed" style="width: 49%">' in body
    assert '<span class="bar-held" style="width: 41%">' in body
