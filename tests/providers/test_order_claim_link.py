"""The provider's order page leads to the redemption claim once the enterprise confirmed."""

from decimal import Decimal

import pytest

from tests.paperwork import complete_paperwork
from vouchers import services as redemptions

pytestmark = pytest.mark.django_db

CLAIM = "/redemptions/claim/{}/"


def page(client, user, order):
    client.force_login(user)
    response = client.get(f"/orders/{order.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_offers_the_claim_on_a_confirmed_order(client, users, order_in):
    order = complete_paperwork(order_in("confirmed"))
    assert CLAIM.format(order.pk) in page(client, users["provider-sit"], order)


def test_before_the_paperwork_it_says_what_is_missing_instead(client, users, order_in):
    # The claim page would only refuse: the order page says what to give first.
    order = order_in("confirmed")
    body = page(client, users["provider-sit"], order)
    assert CLAIM.format(order.pk) not in body
    assert "Before a claim the order needs:" in body
    assert "the signed contract" in body


def test_it_does_not_offer_it_before_confirmation(client, users, order_in):
    order = order_in("completed")
    assert CLAIM.format(order.pk) not in page(client, users["provider-sit"], order)


def test_it_does_not_offer_it_to_the_enterprise(client, users, order_in):
    order = order_in("confirmed")
    assert CLAIM.format(order.pk) not in page(client, users["enterprise-jiangnan"], order)


def test_it_does_not_offer_a_second_claim_while_one_is_live(client, users, order_in):
    order = complete_paperwork(order_in("confirmed"))
    redemptions.redemption_claim(
        service_order_id=order.pk, amount=Decimal("100.00"), actor=users["provider-sit"]
    )
    assert CLAIM.format(order.pk) not in page(client, users["provider-sit"], order)
