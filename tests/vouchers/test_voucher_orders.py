"""A voucher's page lists the service orders paid with it and the claims on each: what its
held and redeemed amounts are made of, for the enterprise, the issuing district and the
operator."""

import re

import pytest
from django.urls import reverse

from tests.redemptions.factories import approved_redemption, make_order, provider_user
from vouchers import selectors
from vouchers.models import Redemption
from vouchers.services import redemption_claim, redemption_reject

pytestmark = pytest.mark.django_db


def _page(client, user, voucher, language="en"):
    client.force_login(user)
    response = client.get(
        reverse("voucher-detail", args=[voucher.serial]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str) -> str:
    return page.split('id="orders-title"', 1)[1].split("</section>", 1)[0]


def test_the_page_lists_each_order_with_its_claims(client, demo):
    voucher, sit = demo["voucher"], demo["providers"]["provider-sit"]
    held_order = make_order(voucher, sit, contract="4000.00")
    held = redemption_claim(
        service_order_id=held_order.pk, amount="2000.00", actor=provider_user(demo, sit)
    )
    spent = approved_redemption(demo, voucher, sit, amount="1500.00")
    refused_order = make_order(voucher, sit, contract="900.00")
    refused = redemption_claim(
        service_order_id=refused_order.pk, amount="450.00", actor=provider_user(demo, sit)
    )
    redemption_reject(
        redemption_id=refused.pk, actor=demo["users"]["official-wujin"], note="No evidence."
    )

    for username in ("enterprise-jiangnan", "official-wujin", "operator"):
        section = _section(_page(client, demo["users"][username], voucher))
        for order in (demo["order"], held_order, spent.service_order, refused_order):
            assert reverse("order-detail", args=[order.pk]) in section, username
        for claim in (held, spent, refused):
            assert reverse("redemption-detail", args=[claim.pk]) in section, username
        assert "2,000.00" in section and "1,500.00" in section and "450.00" in section
        # The seed's own order, not claimed, says so.
        assert "Not claimed yet" in section
        # On a phone each row is a card, each cell labelled.
        assert '<table class="data stack">' in section
        assert 'data-label="Amount claimed"' in section and 'data-label="Provider"' in section
    # The latest order first.
    section = _section(_page(client, demo["users"]["enterprise-jiangnan"], voucher))
    assert section.index(f"/orders/{refused_order.pk}/") < section.index(
        f"/orders/{held_order.pk}/"
    )


def test_in_chinese(client, demo):
    page = _page(client, demo["users"]["enterprise-jiangnan"], demo["voucher"], "zh-hans")
    assert "用本券支付的订单" in page
    section = _section(page)
    assert "尚未申请兑付" in section
    assert not re.search(r">\s*(Order|Provider|Contract|Status|Not claimed yet)\s*<", section)


def test_a_voucher_with_no_order_says_so(client, demo):
    voucher = demo["voucher"]
    demo["order"].redemptions.all().delete()
    type(demo["order"]).objects.filter(voucher=voucher).delete()
    section = _section(_page(client, demo["users"]["enterprise-jiangnan"], voucher))
    assert "No service has been ordered with this voucher yet." in section


def test_only_the_latest_orders_are_listed_and_the_total_is_told(client, demo, monkeypatch):
    voucher, sit = demo["voucher"], demo["providers"]["provider-sit"]
    for _ in range(3):
        make_order(voucher, sit, contract="100.00", confirmed=False)
    monkeypatch.setattr(selectors, "VOUCHER_ORDERS_SHOWN", 2)
    section = _section(_page(client, demo["users"]["enterprise-jiangnan"], voucher))
    assert "The 2 latest of 4 orders." in section
    assert section.count("/orders/") == 2


def test_the_list_costs_two_queries_however_many_orders(demo, django_assert_max_num_queries):
    voucher, sit = demo["voucher"], demo["providers"]["provider-sit"]
    for _ in range(5):
        approved_redemption(demo, voucher, sit, amount="100.00")
    with django_assert_max_num_queries(2):
        orders, total = selectors.orders_paid_with(demo["users"]["enterprise-jiangnan"], voucher)
        claims = [claim.pk for order in orders for claim in order.claims]
        names = [order.provider.display_name for order in orders]
    assert total == 6 and len(claims) == 5 and len(names) == 6
    assert set(claims) == set(
        Redemption.objects.filter(voucher=voucher).values_list("pk", flat=True)
    )


def test_an_official_of_another_district_still_gets_404(client, demo):
    client.force_login(demo["users"]["official-yangpu"])
    response = client.get(reverse("voucher-detail", args=[demo["voucher"].serial]))
    assert response.status_code == 404
