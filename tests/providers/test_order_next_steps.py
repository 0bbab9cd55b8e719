"""The "Next" an order shows follows its claim once it is claimed, and tells the official who
decides a dispute that the move is theirs."""

import pytest

from tests.redemptions.factories import approved_redemption, provider_user

pytestmark = pytest.mark.django_db


def test_a_paid_order_no_longer_asks_for_a_claim(client, demo, users):
    sit = demo["providers"]["provider-sit"]
    redemption = approved_redemption(demo, demo["voucher"], sit, paid=True)
    order = redemption.service_order
    for who in (provider_user(demo, sit), users["enterprise-jiangnan"], users["official-wujin"]):
        client.force_login(who)
        listing = client.get("/orders/", {"status": "confirmed"}, HTTP_ACCEPT_LANGUAGE="en")
        row = next(o for o in listing.context["page"].object_list if o.pk == order.pk)
        assert row.next_step == "Paid: nothing left to do", who.username
        page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Next: Paid: nothing left to do" in page
        assert "Claim the voucher" not in page


def test_a_claimed_order_waits_for_the_decision_then_the_payment(client, demo):
    sit = demo["providers"]["provider-sit"]
    redemption = approved_redemption(demo, demo["voucher"], sit)
    client.force_login(provider_user(demo, sit))
    page = client.get(f"/orders/{redemption.service_order_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        "Claim approved: waiting for the provider&#x27;s district to pay" in page.content.decode()
    )


def test_the_issuing_districts_official_is_told_to_decide_a_dispute(client, users, order_in):
    order = order_in("disputed")
    client.force_login(users["official-wujin"])  # the voucher's district
    listing = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Decide the dispute: uphold it (the provider completes the service again)" in listing
    client.force_login(users["official-yangpu"])  # the provider's district only watches
    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting for the provider to answer the dispute" in page
