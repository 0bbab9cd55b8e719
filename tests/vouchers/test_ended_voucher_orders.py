"""A revoked or expired voucher pays for no more work: its orders not yet delivered are
cancelled and both parties told; a provider cannot accept an order on it, and a delivered
order on it is not offered for a claim."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.errors import InvalidTransition
from providers.models import ServiceOrder
from providers.services import order_accept
from regions.models import AuditEntry
from tests.redemptions.factories import make_order, provider_user
from vouchers.models import Voucher
from vouchers.selectors import claimable_orders_for
from vouchers.services import redemptions
from vouchers.tasks import expire_vouchers

pytestmark = pytest.mark.django_db


@pytest.fixture
def graphene(demo):
    return demo["providers"]["provider-graphene"]


def orders_on(voucher, provider):
    requested = make_order(voucher, provider, contract="1000.00", confirmed=False)
    accepted = make_order(voucher, provider, contract="1000.00", confirmed=False)
    ServiceOrder.objects.filter(pk=accepted.pk).update(status=ServiceOrder.Status.ACCEPTED)
    confirmed = make_order(voucher, provider, contract="1000.00")
    return requested, accepted, confirmed


def test_revoking_cancels_the_orders_not_yet_delivered_and_tells_both_parties(
    api_as, demo, graphene, django_capture_on_commit_callbacks
):
    voucher = demo["voucher"]
    already_open = ServiceOrder.objects.filter(
        voucher=voucher, status__in=["requested", "accepted"]
    ).count()
    requested, accepted, confirmed = orders_on(voucher, graphene)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(demo["users"]["official-wujin"]).post(
            f"/api/vouchers/{voucher.serial}/revoke/", {"reason": "Company closed"}, format="json"
        )
    assert response.status_code == 200
    for order in (requested, accepted):
        order.refresh_from_db()
        assert order.status == ServiceOrder.Status.CANCELLED
        assert order.status_reason == "Company closed"
        entry = AuditEntry.objects.get(
            object_type="providers.serviceorder", object_id=str(order.pk), action="cancel"
        )
        assert entry.actor == demo["users"]["official-wujin"]
        assert entry.data["voucher"] == voucher.serial
    confirmed.refresh_from_db()
    assert confirmed.status == ServiceOrder.Status.CONFIRMED  # the work was done
    told = [m for m in mail.outbox if "revoked" in m.subject and "Order #" in m.subject]
    recipients = {address for m in told for address in m.to}
    assert "enterprise-jiangnan@example.com" in recipients
    assert any(address.startswith("provider-graphene") for address in recipients), recipients
    assert len(told) == 2 * (already_open + 2)  # each order to both parties
    assert "Company closed" in told[0].body


def test_a_provider_cannot_accept_an_order_on_a_revoked_voucher(demo, graphene):
    voucher = demo["voucher"]
    order = make_order(voucher, graphene, contract="1000.00", confirmed=False)
    # Revoked before this change cancelled its orders: the accept itself refuses.
    Voucher.objects.filter(pk=voucher.pk).update(status=Voucher.Status.REVOKED)
    with pytest.raises(InvalidTransition) as refused:
        order_accept(order=order, actor=provider_user(demo, graphene))
    assert refused.value.code == "voucher_not_active"
    assert voucher.serial in str(refused.value)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.REQUESTED


def test_a_voucher_past_its_expiry_refuses_the_accept_before_the_nightly_task(demo, graphene):
    voucher = demo["voucher"]
    order = make_order(voucher, graphene, contract="1000.00", confirmed=False)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(InvalidTransition):
        order_accept(order=order, actor=provider_user(demo, graphene))


def test_expiry_cancels_the_orders_not_yet_delivered(demo, graphene):
    voucher = demo["voucher"]
    requested, accepted, confirmed = orders_on(voucher, graphene)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_vouchers.delay().get() == 1
    for order in (requested, accepted):
        order.refresh_from_db()
        assert order.status == ServiceOrder.Status.CANCELLED
        assert order.status_reason
    confirmed.refresh_from_db()
    assert confirmed.status == ServiceOrder.Status.CONFIRMED


def test_a_delivered_order_on_a_revoked_voucher_is_not_offered_for_a_claim(client, demo, graphene):
    voucher = demo["voucher"]
    order = make_order(voucher, graphene, contract="1000.00")
    user = provider_user(demo, graphene)
    assert order in claimable_orders_for(user)
    Voucher.objects.filter(pk=voucher.pk).update(status=Voucher.Status.REVOKED)
    assert order not in claimable_orders_for(user)
    client.force_login(user)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Revoked: the voucher pays for no more work" in page
    assert f"/redemptions/claim/{order.pk}/" not in page
    assert "Claim the voucher" not in page  # no "Next:" that the line beside contradicts
    # The claim page, opened directly, says so instead of offering a form.
    claim = client.get(f"/redemptions/claim/{order.pk}/").content.decode()
    assert "Revoked: the voucher pays for no more work" in claim and 'name="amount"' not in claim


def test_an_order_on_a_used_up_voucher_is_not_accepted_while_nothing_can_come_back(
    api_as, demo, graphene
):
    """A voucher spent to the last yuan still let its provider accept an order that could
    never be claimed. While a claim is pending (held), its rejection may give some back."""
    voucher = demo["voucher"]
    order = make_order(voucher, graphene, contract="1000.00", confirmed=False)
    Voucher.objects.filter(pk=voucher.pk).update(
        status=Voucher.Status.EXHAUSTED, balance=0, held=0, redeemed=voucher.face_value
    )
    provider = api_as(provider_user(demo, graphene))
    response = provider.post(f"/api/service-orders/{order.pk}/accept/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "voucher_used_up"
    assert voucher.serial in str(response.json())
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.REQUESTED

    Voucher.objects.filter(pk=voucher.pk).update(held=100, redeemed=voucher.face_value - 100)
    assert provider.post(f"/api/service-orders/{order.pk}/accept/").status_code == 200
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.ACCEPTED


def test_a_claim_on_a_revoked_voucher_is_409_voucher_not_active(api_as, demo, graphene):
    voucher = demo["voucher"]
    order = make_order(voucher, graphene, contract="1000.00")
    Voucher.objects.filter(pk=voucher.pk).update(status=Voucher.Status.REVOKED)
    response = api_as(provider_user(demo, graphene)).post(
        "/api/redemptions/", {"service_order": order.pk, "amount": "100.00"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "voucher_not_active"
    assert "The voucher is revoked and cannot be spent." in response.json()["detail"]


def test_an_order_whose_voucher_has_nothing_left_offers_no_claim(client, demo, graphene):
    """Its balance all held by another order's pending claim, the order was offered for a
    claim prefilled at 0.00, which could only be refused."""
    voucher = demo["voucher"]
    order = make_order(voucher, graphene, contract="1000.00")
    Voucher.objects.filter(pk=voucher.pk).update(
        status=Voucher.Status.EXHAUSTED, balance=0, held=voucher.face_value, redeemed=0
    )
    client.force_login(provider_user(demo, graphene))
    listing = client.get("/redemptions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing is left on its voucher" in listing
    assert f'href="/redemptions/claim/{order.pk}/"' not in listing
    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing is left on the voucher" in page

    Voucher.objects.filter(pk=voucher.pk).update(
        status=Voucher.Status.ACTIVE, balance=100, held=voucher.face_value - 100
    )
    listing = client.get("/redemptions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="/redemptions/claim/{order.pk}/"' in listing


def test_an_order_whose_voucher_is_used_up_says_so_and_offers_no_claim(client, demo, graphene):
    """Spent to the last yuan with no claim pending, the order read "held by claims waiting
    for the official" (there were none) and still offered a claim form at 0.00."""
    voucher = demo["voucher"]
    order = make_order(voucher, graphene, contract="1000.00")
    Voucher.objects.filter(pk=voucher.pk).update(
        status=Voucher.Status.EXHAUSTED, balance=0, held=0, redeemed=voucher.face_value
    )
    client.force_login(provider_user(demo, graphene))
    used_up = "No claim: the voucher is used up"
    for path in (
        "/redemptions/",
        f"/orders/{order.pk}/",
        "/orders/",
        f"/redemptions/claim/{order.pk}/",
    ):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert used_up in page, path
        assert "held by claims waiting" not in page, path
        assert f'href="/redemptions/claim/{order.pk}/"' not in page, path
    claim_page = client.get(f"/redemptions/claim/{order.pk}/").content.decode()
    assert 'name="amount"' not in claim_page


@pytest.mark.parametrize("orders", [2, 12])
def test_the_order_list_tells_nothing_is_left_in_a_constant_number_of_queries(
    client, demo, graphene, orders, django_assert_max_num_queries
):
    """The list asked, per confirmed order on a used-up voucher, whether the order had a
    claim of its own."""
    voucher = demo["voucher"]
    for _ in range(orders):
        make_order(voucher, graphene, contract="1000.00")
    claimed = make_order(voucher, graphene, contract="1000.00")
    redemptions.redemption_claim(
        service_order_id=claimed.pk, amount="500.00", actor=provider_user(demo, graphene)
    )
    Voucher.objects.filter(pk=voucher.pk).update(
        status=Voucher.Status.EXHAUSTED, balance=0, held=voucher.face_value, redeemed=0
    )
    client.force_login(provider_user(demo, graphene))
    with django_assert_max_num_queries(8):
        html = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count("Nothing is left on the voucher") == orders
