"""A revoked provider does no more voucher work: its orders not yet delivered are cancelled
with the district's reason and both parties told, as a revoked voucher's are. Delivered
orders stay; a suspended provider's orders stay (it may be reinstated)."""

import pytest
from django.core import mail

from providers.models import ServiceOrder
from regions.models import AuditEntry
from tests.redemptions.factories import make_order, official_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def graphene(demo):
    return demo["providers"]["provider-graphene"]


def open_orders(demo, provider):
    voucher = demo["voucher"]
    requested = make_order(voucher, provider, contract="1000.00", confirmed=False)
    accepted = make_order(voucher, provider, contract="1000.00", confirmed=False)
    ServiceOrder.objects.filter(pk=accepted.pk).update(status=ServiceOrder.Status.ACCEPTED)
    confirmed = make_order(voucher, provider, contract="1000.00")
    return requested, accepted, confirmed


def test_revoking_a_provider_cancels_its_undelivered_orders_and_tells_both_parties(
    api_as, client, demo, graphene, django_capture_on_commit_callbacks
):
    """The orders stayed accepted: the enterprise paid its own share for work whose claim
    was then refused, and a requested order waited for an acceptance that could never come."""
    requested, accepted, confirmed = open_orders(demo, graphene)
    official = official_of(demo, graphene.region.code)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(official).post(
            f"/api/providers/{graphene.pk}/revoke/", {"reason": "Forged reports"}, format="json"
        )
    assert response.status_code == 200, response.content

    for order in (requested, accepted):
        order.refresh_from_db()
        assert order.status == ServiceOrder.Status.CANCELLED
        assert order.status_reason == "Forged reports"
        assert AuditEntry.objects.filter(
            object_type="providers.serviceorder", object_id=str(order.pk), action="cancel",
            actor=official,
        ).exists()  # fmt: skip
    confirmed.refresh_from_db()
    assert confirmed.status == ServiceOrder.Status.CONFIRMED  # the work was done

    told = [m for m in mail.outbox if "certification was revoked" in m.subject]
    recipients = {address for m in told for address in m.to}
    assert "enterprise-jiangnan@example.com" in recipients
    assert any(address.startswith("provider-graphene") for address in recipients), recipients
    assert any(f"Order #{requested.pk}" in m.subject for m in told)
    assert "Forged reports" in told[0].body

    # The enterprise's order page no longer waits for the provider.
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(f"/orders/{requested.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Forged reports" in page


def test_suspending_a_provider_keeps_its_orders(api_as, demo, graphene):
    requested, accepted, _confirmed = open_orders(demo, graphene)
    official = official_of(demo, graphene.region.code)
    response = api_as(official).post(
        f"/api/providers/{graphene.pk}/suspend/", {"reason": "Audit pending"}, format="json"
    )
    assert response.status_code == 200, response.content
    for order in (requested, accepted):
        order.refresh_from_db()
    assert requested.status == ServiceOrder.Status.REQUESTED
    assert accepted.status == ServiceOrder.Status.ACCEPTED
