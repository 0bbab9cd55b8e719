"""The open statistics page and its downloads: every figure checked against the rows in the
database, counted here independently of regions/statistics.py."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from providers.models import ServiceCategory, ServiceOffering
from regions.models import StatisticsMonthlyDistrict
from regions.selectors import current_year
from regions.statistics_summary import district_summary_breaches, district_summary_rebuild
from tests.redemptions.factories import approved_redemption, make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption, Voucher

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SPENT = ["approved", "paid"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Services called inside a test's transaction never commit, so the generation is not
    bumped: each test starts from an empty cache instead."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def spending(demo):
    """A Wujin voucher spent with a Yangpu provider (paid) and a Wujin one; a Yangpu voucher
    spent with a Nanhu provider; one claim left pending (counted nowhere)."""
    enterprises, providers = demo["enterprises"], demo["providers"]
    wujin = demo["voucher"]
    yangpu = make_voucher(enterprises["enterprise-yangpu"], "80000.00")
    testing = ServiceCategory.objects.first()
    offering = ServiceOffering.objects.filter(provider=providers["provider-sit"]).first()
    if offering is not None:
        offering.category = testing
        offering.save(update_fields=["category"])
    approved_redemption(demo, wujin, providers["provider-sit"], "30000.00", paid=True)
    approved_redemption(demo, wujin, providers["provider-graphene"], "12000.00")
    approved_redemption(demo, yangpu, providers["provider-weikai"], "5000.00")
    pending = make_order(yangpu, providers["provider-sit"], "4000.00")
    from vouchers.services import redemption_claim

    redemption_claim(
        service_order_id=pending.pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )
    return demo


def _page(client, **params):
    response = client.get(reverse("statistics"), params)
    assert response.status_code == 200
    return response


def _spent(**filters):
    return Redemption.objects.filter(status__in=SPENT, **filters)


def _total(queryset, field="amount"):
    return sum((getattr(row, field) for row in queryset), Decimal("0.00"))


def test_it_shows_each_programme_figure_as_the_rows_count_it(client, spending):
    year = current_year()
    figures = _page(client).context["figures"]
    vouchers = Voucher.objects.filter(issued_at__year=year)
    assert figures["vouchers_issued"] == {
        "count": vouchers.count(),
        "amount": _total(vouchers, "face_value"),
    }
    spent = _spent(decided_at__year=year)
    assert figures["vouchers_redeemed"] == {"count": spent.count(), "amount": _total(spent)}
    assert spent.count() == 3  # the pending claim is not counted
    cross = spent.filter(cross_region=True)
    assert figures["cross_region"]["count"] == cross.count() == 2
    assert figures["cross_region"]["amount"] == _total(cross) == Decimal("35000.00")
    assert figures["cross_region"]["share"] == (_total(cross) / _total(spent)).quantize(
        Decimal("0.0001")
    )
    for row in figures["spent_by_district"]:
        there = spent.filter(provider_region__code=row["region"])
        assert (row["count"], row["amount"]) == (there.count(), _total(there))
    pairs = {}
    for r in spent.select_related("issuing_region", "provider_region"):
        key = (r.issuing_region.code, r.provider_region.code)
        count, amount = pairs.get(key, (0, Decimal("0.00")))
        pairs[key] = (count + 1, amount + r.amount)
    assert {
        (f["from_region"], f["to_region"]): (f["count"], f["amount"]) for f in figures["flows"]
    } == pairs


def test_it_counts_the_enterprises_served_by_industry_and_size(client, spending):
    figures = _page(client).context["figures"]
    served = {r.voucher.enterprise for r in _spent().select_related("voucher__enterprise")}
    assert figures["enterprises_served"]["count"] == len(served) == 2
    by_size = {}
    by_industry = {}
    for enterprise in served:
        by_size[enterprise.size] = by_size.get(enterprise.size, 0) + 1
        by_industry[enterprise.industry] = by_industry.get(enterprise.industry, 0) + 1
    assert {r["size"]: r["count"] for r in figures["enterprises_served"]["by_size"]} == by_size
    assert {
        r["industry"]: r["count"] for r in figures["enterprises_served"]["by_industry"]
    } == by_industry


def test_it_ranks_the_service_categories_by_amount(client, spending):
    figures = _page(client).context["figures"]
    expected = {}
    for r in _spent().select_related(
        "service_order__offering", "voucher__application__service_category"
    ):
        offering = r.service_order.offering
        category = (
            offering.category if offering is not None else r.voucher.application.service_category
        )
        code = category.code if category is not None else None
        count, amount = expected.get(code, (0, Decimal("0.00")))
        expected[code] = (count + 1, amount + r.amount)
    shown = {c["category"]: (c["count"], c["amount"]) for c in figures["top_categories"]}
    assert shown == expected
    amounts = [c["amount"] for c in figures["top_categories"]]
    assert amounts == sorted(amounts, reverse=True)


def test_it_averages_the_waits_from_the_rows(client, spending):
    year = current_year()
    figures = _page(client).context["figures"]
    vouchers = list(Voucher.objects.filter(issued_at__year=year).select_related("application"))
    waited = sum(
        ((v.issued_at - v.application.submitted_at).total_seconds() for v in vouchers), 0.0
    )
    expected = Decimal(waited / len(vouchers) / 86400).quantize(Decimal("0.1"))
    assert figures["average_days"]["application_to_voucher"] == expected
    paid = list(Redemption.objects.filter(status="paid", paid_at__year=year))
    assert len(paid) == 1
    days = Decimal((paid[0].paid_at - paid[0].claimed_at).total_seconds() / 86400)
    assert figures["average_days"]["claim_to_payment"] == days.quantize(Decimal("0.1"))


def test_the_services_keep_the_district_summary_in_step_with_the_rows(spending):
    """Issue and payment went through the services: the summary they kept is what a
    rebuild from the rows would give, and a drift is reported."""
    assert StatisticsMonthlyDistrict.objects.exists()
    assert district_summary_breaches() == []
    StatisticsMonthlyDistrict.objects.filter(payments__gt=0).update(payments=F("payments") + 1)
    assert [b["check"] for b in district_summary_breaches()] == ["monthly_district_matches_rows"]
    district_summary_rebuild()
    assert district_summary_breaches() == []


def test_it_measures_a_known_wait_in_days(client, spending):
    """A redemption claimed three days before it was paid: 3.0 days."""
    paid = Redemption.objects.get(status="paid")
    Redemption.objects.filter(pk=paid.pk).update(claimed_at=paid.paid_at - timedelta(days=3))
    # A direct update bypasses the payment service that keeps the summary: rebuild it, as a
    # bulk load does.
    district_summary_rebuild()
    figures = _page(client).context["figures"]
    assert figures["average_days"]["claim_to_payment"] == Decimal("3.0")


def test_a_district_sees_its_own_vouchers_and_its_flows(client, spending):
    year = current_year()
    figures = _page(client, region="WUJIN", year=year).context["figures"]
    mine = _spent(issuing_region__code="WUJIN")
    assert figures["region"] == "WUJIN"
    assert figures["vouchers_redeemed"] == {"count": mine.count(), "amount": _total(mine)}
    vouchers = Voucher.objects.filter(issuing_region__code="WUJIN", issued_at__year=year)
    assert figures["vouchers_issued"]["count"] == vouchers.count()
    assert {(f["from_region"], f["to_region"]) for f in figures["flows"]} == {
        ("WUJIN", "YANGPU"),
        ("WUJIN", "WUJIN"),
    }


def test_the_monthly_series_adds_up_to_the_year(client, spending):
    figures = _page(client).context["figures"]
    assert len(figures["monthly"]) == 12
    assert (
        sum(m["issued_count"] for m in figures["monthly"]) == (figures["vouchers_issued"]["count"])
    )
    assert (
        sum(m["redeemed_amount"] for m in figures["monthly"])
        == (figures["vouchers_redeemed"]["amount"])
    )
    this_month = timezone.localdate().month
    month = _page(client, month=this_month).context["figures"]
    spent = _spent(decided_at__month=this_month, decided_at__year=current_year())
    assert month["vouchers_redeemed"]["amount"] == _total(spent)
    other = 1 if this_month != 1 else 2
    assert _page(client, month=other).context["figures"]["vouchers_redeemed"]["count"] == 0


def test_the_page_shows_the_figures_and_charts_in_chinese(client, spending):
    client.cookies["django_language"] = "zh-hans"
    body = _page(client).content.decode()
    assert "公开统计" in body
    assert "¥47,000.00" in body  # 30,000 + 12,000 + 5,000 redeemed
    assert body.count("<svg") >= 2
    assert "万" in body  # the chart's axis in the ten-thousand grouping


def test_bad_choices_answer_400_naming_them(client, demo):
    response = client.get(reverse("statistics"), {"year": "abc", "month": "13"})
    assert response.status_code == 400
    assert set(response.context["errors"]) == {"year", "month"}
    assert "Month: A month from 1 to 12." in response.content.decode()
    response = client.get(reverse("statistics-download", args=["json"]), {"region": "MARS"})
    assert response.status_code == 400
    assert "region" in response.json()


def test_the_downloads_carry_the_same_figures(client, spending):
    page = _page(client, region="WUJIN").context["figures"]
    data = client.get(reverse("statistics-download", args=["json"]), {"region": "WUJIN"})
    assert data.status_code == 200 and "attachment" in data["Content-Disposition"]
    body = json.loads(data.content)
    assert body["vouchers_redeemed"] == {
        "count": page["vouchers_redeemed"]["count"],
        "amount": f"{page['vouchers_redeemed']['amount']:.2f}",
    }
    response = client.get(reverse("statistics-download", args=["csv"]), {"region": "WUJIN"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    redeemed = next(r for r in rows if r[0] == "vouchers_redeemed")
    assert redeemed[3:5] == [
        str(page["vouchers_redeemed"]["count"]),
        f"{page['vouchers_redeemed']['amount']:.2f}",
    ]
    flows = {r[1]: r[4] for r in rows if r[0] == "flows"}
    assert rows[0] == ["section", "item", "name", "count", "amount", "share_or_days"]
    chinese = client.get(
        reverse("statistics-download", args=["csv"]),
        {"region": "WUJIN"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert (
        b"".join(chinese.streaming_content)
        .decode("utf-8-sig")
        .startswith("section,item,name,count,amount,share_or_days")
    )
    assert flows == {
        f"{f['from_region']}>{f['to_region']}": f"{f['amount']:.2f}" for f in page["flows"]
    }


def test_the_page_runs_a_constant_number_of_queries(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        _page(client)
    cache.clear()
    for provider in ["provider-sit", "provider-graphene", "provider-weikai"]:
        voucher = make_voucher(demo["enterprises"]["enterprise-nanhu"], "20000.00")
        approved_redemption(demo, voucher, demo["providers"][provider], "1000.00", paid=True)
    with django_assert_max_num_queries(14):
        _page(client, region="NANHU")


def test_the_home_page_and_the_menu_link_to_it(client, demo):
    body = client.get(reverse("home")).content.decode()
    assert body.count(f'href="{reverse("statistics")}"') >= 2
