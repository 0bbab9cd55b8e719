"""An order no claim can come of (the enterprise's own share covers the contract, the voucher
is used up or held, the parties are related) offers no Claim button or form, asks for no
paperwork, and tells the enterprise the same as the provider."""

from decimal import Decimal

import pytest

from providers.models import ServiceOrder
from tests.paperwork import complete_paperwork
from tests.redemptions.factories import make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import RelatedParty, Voucher
from vouchers.selectors import max_claim_for

pytestmark = pytest.mark.django_db

COVERED = "No claim: the enterprise&#x27;s own share covers the whole contract"


@pytest.fixture
def covered(demo, sit):
    """A confirmed order of ¥100 whose enterprise paid the whole ¥100 as its own share."""
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, sit, "100.00", paperwork=False)
    complete_paperwork(order, amount="100.00")
    assert max_claim_for(ServiceOrder.objects.get(pk=order.pk)) == Decimal("0.00")
    return order


def page(client, user, url):
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_order_page_offers_no_claim_when_the_own_share_covers_the_contract(
    client, demo, covered
):
    html = page(client, demo["users"]["provider-sit"], f"/orders/{covered.pk}/")
    assert "Claim the voucher" not in html
    assert COVERED in html
    assert f"/redemptions/claim/{covered.pk}/" not in html
    assert "¥50.00" not in html  # the voucher's share, which the own share leaves nothing of
    assert "The voucher pays at most</dt><dd>¥0.00" in html


def test_the_order_page_holds_the_voucher_to_the_contract_less_the_own_share(client, demo, sit):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, sit, "100.00", paperwork=False)
    complete_paperwork(order, amount="80.00")
    html = page(client, demo["users"]["provider-sit"], f"/orders/{order.pk}/")
    assert "The voucher pays at most</dt><dd>¥20.00" in html
    assert max_claim_for(ServiceOrder.objects.get(pk=order.pk)) == Decimal("20.00")


def test_the_claims_page_offers_no_claim_button_for_it(client, demo, covered):
    html = page(client, demo["users"]["provider-sit"], "/redemptions/")
    assert COVERED in html
    assert f"/redemptions/claim/{covered.pk}/" not in html


def test_the_claim_page_offers_no_form_for_it(client, demo, covered):
    html = page(client, demo["users"]["provider-sit"], f"/redemptions/claim/{covered.pk}/")
    assert COVERED in html
    assert "Submit claim" not in html


def test_the_enterprise_reads_that_no_claim_follows(client, demo, covered):
    html = page(client, demo["users"]["enterprise-jiangnan"], f"/orders/{covered.pk}/")
    assert "the provider claims the voucher" not in html
    assert f"Done. {COVERED}" in html


def test_the_order_list_says_it_too_in_its_one_query(client, demo, covered):
    html = page(client, demo["users"]["provider-sit"], "/orders/")
    assert COVERED in html
    html = page(client, demo["users"]["enterprise-jiangnan"], "/orders/")
    assert f"Done. {COVERED}" in html


def used_up_order(demo, sit, *, held="0.00"):
    """A confirmed order without its paperwork, on a voucher with nothing left."""
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, sit, "1000.00", paperwork=False)
    Voucher.objects.filter(pk=voucher.pk).update(balance=Decimal("0.00"), held=Decimal(held))
    return order


def test_a_used_up_voucher_s_order_asks_for_no_paperwork(client, demo, sit):
    order = used_up_order(demo, sit)
    html = page(client, demo["users"]["provider-sit"], "/redemptions/")
    assert "No claim: the voucher is used up" in html
    assert "Needs before a claim" not in html
    assert f"/orders/{order.pk}/#documents" not in html


def test_a_related_party_s_order_asks_for_no_paperwork(client, demo, sit):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, sit, "1000.00", paperwork=False)
    RelatedParty.objects.create(enterprise=voucher.enterprise, credit_code=sit.credit_code)
    provider = demo["users"]["provider-sit"]

    html = page(client, provider, "/redemptions/")
    assert "recorded as a related party" in html
    assert "Needs before a claim" not in html
    assert f"/orders/{order.pk}/#documents" not in html

    html = page(client, provider, f"/orders/{order.pk}/")
    assert "Before a claim the order needs" not in html
    assert f"/redemptions/claim/{order.pk}/" not in html

    html = page(client, provider, f"/redemptions/claim/{order.pk}/")
    assert "recorded as a related party" in html
    assert "Before a claim the order needs" not in html
    assert "Submit claim" not in html


@pytest.mark.parametrize(
    ("held", "says"),
    [
        ("0.00", "Done. No claim: the voucher is used up"),
        ("500.00", "Done. Nothing is left on the voucher: its balance is held by claims"),
    ],
)
def test_the_enterprise_reads_why_no_claim_follows_on_a_voucher_with_nothing_left(
    client, demo, sit, held, says
):
    order = used_up_order(demo, sit, held=held)
    html = page(client, demo["users"]["enterprise-jiangnan"], f"/orders/{order.pk}/")
    assert says in html
    assert "the provider claims the voucher" not in html
