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


def test_a_confirmed_order_without_its_paperwork_says_what_the_claim_waits_for(
    client, demo, users, django_capture_on_commit_callbacks, mailoutbox
):
    """The enterprise read "Done; the provider claims the voucher" and the provider "You can
    now claim the voucher" while the claim waited for the enterprise's own share."""
    from providers import services as orders
    from tests.redemptions.factories import make_order

    sit = demo["providers"]["provider-sit"]
    order = make_order(demo["voucher"], sit, confirmed=False)
    orders_of = {"enterprise": users["enterprise-jiangnan"], "provider": provider_user(demo, sit)}
    type(order).objects.filter(pk=order.pk).update(status="completed")
    order.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_confirm(order=order, actor=orders_of["enterprise"])
    (told,) = [m for m in mailoutbox if "confirmed delivery" in m.body]
    assert "You can now claim" not in told.body
    assert "the signed contract" in told.body and "own share" in told.body

    client.force_login(orders_of["enterprise"])
    listing = client.get("/orders/", {"status": "confirmed"}, HTTP_ACCEPT_LANGUAGE="en")
    row = next(o for o in listing.context["page"].object_list if o.pk == order.pk)
    expected = "Record your payment of your own share: the provider's claim waits for it"
    assert row.next_step == expected
    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Done; the provider claims the voucher" not in page

    client.force_login(orders_of["provider"])
    listing = client.get("/orders/", {"status": "confirmed"}, HTTP_ACCEPT_LANGUAGE="en")
    row = next(o for o in listing.context["page"].object_list if o.pk == order.pk)
    assert row.next_step.startswith("Before the claim: the signed contract, the invoice")


def test_a_confirmed_order_with_its_paperwork_is_claimed_next(client, demo):
    from tests.redemptions.factories import make_order

    sit = demo["providers"]["provider-sit"]
    order = make_order(demo["voucher"], sit)  # confirmed, with its paperwork
    client.force_login(provider_user(demo, sit))
    listing = client.get("/orders/", {"status": "confirmed"}, HTTP_ACCEPT_LANGUAGE="en")
    row = next(o for o in listing.context["page"].object_list if o.pk == order.pk)
    assert row.next_step == "Claim the voucher"
