"""The order page says what the voucher pays of the contract before it is claimed, and warns
when the voucher's balance is below its share; the claim form's most follows the voucher's own
rules, not a later version's."""

from decimal import Decimal

import pytest

from providers.models import ServiceOrder
from providers.selectors import has_live_claim, voucher_share_of
from regions.rules import rules_version_publish
from regions.selectors import current_year
from tests.redemptions.factories import make_order
from tests.vouchers.factories import make_voucher
from vouchers.selectors import max_claim_for

pytestmark = pytest.mark.django_db


def share_now(order):
    order = ServiceOrder.objects.get(pk=order.pk)
    return voucher_share_of(order, claimed=has_live_claim(order))


def test_a_voucher_with_balance_enough_pays_its_share(client, demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], "2000.00", confirmed=False)

    share = voucher_share_of(order, claimed=has_live_claim(order))
    assert share["pays"] == Decimal("1000.00")  # ratio 0.5
    assert share["enterprise_pays"] == Decimal("1000.00")
    assert not share["short"]
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "The voucher pays at most" in page
    assert "voucher-short" not in page


def test_a_balance_below_the_share_is_said_on_the_order_page(client, demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "600.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], "2000.00", confirmed=False)

    share = voucher_share_of(order, claimed=has_live_claim(order))
    assert share == {
        "share": Decimal("1000.00"),
        "balance": Decimal("600.00"),
        "pays": Decimal("600.00"),
        "enterprise_pays": Decimal("1400.00"),
        "short": True,
        "others": Decimal("0.00"),
        "shared_short": False,
    }
    client.force_login(demo["users"]["enterprise-jiangnan"])
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "voucher-short" in page
    assert "¥1,400.00" in page


def test_nothing_is_said_once_the_order_is_claimed_or_closed(demo):
    from vouchers.services import redemption_claim

    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], "2000.00")
    provider_user = next(u for u in demo["users"].values() if u.provider_id == order.provider_id)
    redemption_claim(service_order_id=order.pk, amount="500.00", actor=provider_user)
    assert share_now(order) is None

    cancelled = make_order(voucher, demo["providers"]["provider-sit"], "100.00", confirmed=False)
    ServiceOrder.objects.filter(pk=cancelled.pk).update(status=ServiceOrder.Status.CANCELLED)
    assert share_now(cancelled) is None


def test_the_claims_most_follows_the_vouchers_own_rules(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], "2000.00", paperwork=False)
    # A new version with a smaller ratio, in force today: the voucher keeps its 0.5.
    rules_version_publish(
        actor=demo["users"]["operator"],
        region=demo["regions"]["WUJIN"],
        year=current_year(),
        annual_budget="50000000.00",
        max_voucher_per_enterprise="500000.00",
        co_funding_ratio="0.200",
    )

    assert max_claim_for(ServiceOrder.objects.get(pk=order.pk)) == Decimal("1000.00")
    assert share_now(order)["share"] == Decimal("1000.00")


def test_open_orders_that_together_ask_more_than_the_balance_are_warned_of(client, demo):
    # Each order alone looked covered: three asked ¥1,500 of a ¥1,000 balance together.
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "1000.00")
    sit = demo["providers"]["provider-sit"]
    first = make_order(voucher, sit, "1200.00", confirmed=False)  # share 600
    assert not share_now(first)["shared_short"]
    second = make_order(voucher, sit, "1800.00", confirmed=False)  # share 900

    share = share_now(second)
    assert share["others"] == Decimal("600.00") and share["shared_short"]
    assert share_now(first)["others"] == Decimal("900.00")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert "voucher-shared" in client.get(f"/orders/{second.pk}/").content.decode()
