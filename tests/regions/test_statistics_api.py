"""`GET /api/statistics/`: public, validated, cached, and dropped from the cache when a
service changes a figure."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from regions.selectors import current_year
from regions.statistics import GENERATION_KEY
from tests.redemptions.factories import approved_redemption, make_order, official_of
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption, Voucher
from vouchers.services import redemption_approve, redemption_claim, redemption_mark_paid

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

URL = "/api/statistics/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_anyone_may_read_it(api_client, demo):
    response = api_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["region"] is None and body["year"] == current_year() and body["month"] is None
    vouchers = Voucher.objects.filter(issued_at__year=current_year())
    assert body["vouchers_issued"] == {
        "count": vouchers.count(),
        "amount": f"{sum(v.face_value for v in vouchers):.2f}",
    }
    assert len(body["monthly"]) == 12


def test_it_gives_a_district_and_a_month(api_client, demo):
    approved_redemption(demo, demo["voucher"], demo["providers"]["provider-sit"], "3000.00")
    redemption = Redemption.objects.get(status="approved")
    month = redemption.decided_at.astimezone().month
    body = api_client.get(URL, {"region": "WUJIN", "year": current_year(), "month": month}).json()
    assert body["region"] == "WUJIN" and body["month"] == month
    assert body["vouchers_redeemed"] == {"count": 1, "amount": "3000.00"}
    assert body["flows"] == [
        {"from_region": "WUJIN", "to_region": "YANGPU", "count": 1, "amount": "3000.00"}
    ]
    assert body["cross_region"]["share"] == "1.0000"


@pytest.mark.parametrize(
    "params, bad",
    [
        ({"region": "MARS"}, "region"),
        ({"year": "20x6"}, "year"),
        ({"year": "1999"}, "year"),
        ({"month": "0"}, "month"),
        ({"month": "13"}, "month"),
        ({"month": "-1"}, "month"),
    ],
)
def test_bad_values_answer_400_naming_the_parameter(api_client, demo, params, bad):
    response = api_client.get(URL, params)
    assert response.status_code == 400
    assert list(response.json()) == [bad]


def test_it_answers_from_the_cache_until_a_figure_changes(
    api_client, demo, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    first = api_client.get(URL).json()
    with django_assert_max_num_queries(1):  # the throttle and the cache only (no figures)
        assert api_client.get(URL).json() == first
    generation = cache.get(GENERATION_KEY)

    # A voucher issued: the issue service bumps the generation once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    assert cache.get(GENERATION_KEY) == generation + 1
    second = api_client.get(URL).json()
    assert second["vouchers_issued"]["count"] == first["vouchers_issued"]["count"] + 1

    # A redemption approved, then paid: each drops the cached answer.
    order = make_order(demo["voucher"], demo["providers"]["provider-sit"], "4000.00")
    claim = redemption_claim(
        service_order_id=order.pk, amount="2000.00", actor=demo["users"]["provider-sit"]
    )
    assert api_client.get(URL).json() == second  # a claim changes no figure
    with django_capture_on_commit_callbacks(execute=True):
        redemption_approve(redemption_id=claim.pk, actor=official_of(demo, "WUJIN"))
    third = api_client.get(URL).json()
    assert third["vouchers_redeemed"]["amount"] == "2000.00"
    assert third["average_days"]["claim_to_payment"] is None
    with django_capture_on_commit_callbacks(execute=True):
        redemption_mark_paid(
            redemption_id=claim.pk, payment_reference="PAY-1", actor=official_of(demo, "YANGPU")
        )
    assert api_client.get(URL).json()["average_days"]["claim_to_payment"] is not None


def test_a_rolled_back_change_does_not_drop_the_cache(api_client, demo):
    """Inside a transaction that never commits (this test's), nothing is bumped."""
    generation = api_client.get(URL) and cache.get(GENERATION_KEY)
    make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    assert cache.get(GENERATION_KEY) == generation


def test_a_lost_generation_starts_again_from_the_clock(api_client, demo):
    api_client.get(URL)
    old = cache.get(GENERATION_KEY)
    cache.delete(GENERATION_KEY)
    api_client.get(URL)
    assert cache.get(GENERATION_KEY) > old


def test_it_runs_a_constant_number_of_queries(api_client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        api_client.get(URL, {"region": "WUJIN"})
    for provider in ["provider-sit", "provider-graphene", "provider-weikai", "provider-ustc"]:
        voucher = make_voucher(demo["enterprises"]["enterprise-hefei"], "20000.00")
        approved_redemption(demo, voucher, demo["providers"][provider], "1000.00", paid=True)
    cache.clear()
    with django_assert_max_num_queries(12):
        body = api_client.get(URL, {"region": "HEFEI_HT"}).json()
    assert body["vouchers_redeemed"] == {"count": 4, "amount": f"{Decimal('4000'):.2f}"}


def test_a_signed_in_client_reads_the_same(api_as, demo):
    response = api_as(demo["users"]["enterprise-jiangnan"]).get(URL)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [{"region": "WU\x00JIN"}, {"year": "²⁰²⁶"}, {"year": "9" * 5000}, {"month": "１"}],
)
def test_junk_answers_400_not_500(api_client, demo, params):
    assert api_client.get(URL, params).status_code == 400
