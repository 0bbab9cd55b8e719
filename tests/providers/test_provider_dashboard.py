from decimal import Decimal

import pytest

from providers.selectors import own_share_due
from providers.services import documents
from tests.paperwork import complete_paperwork, fresh_invoice_number, parties, pdf
from vouchers import services as redemptions

pytestmark = pytest.mark.django_db


def test_it_shows_incoming_orders_and_orders_to_complete(client, users, demo, sit):
    from providers import services

    other = services.order_create(
        actor=users["enterprise-jiangnan"],
        provider=sit,
        voucher=demo["voucher"],
        title="Accepted thing",
        contract_amount="5000.00",
    )
    services.order_accept(order=other, actor=users["provider-sit"])
    client.force_login(users["provider-sit"])
    response = client.get("/provider/")
    assert response.status_code == 200
    assert [o.pk for o in response.context["incoming"]] == [demo["order"].pk]
    assert [o.pk for o in response.context["to_complete"]] == [other.pk]
    html = response.content.decode()
    assert sit.certificates.get().serial in html
    assert "/provider/offerings/" in html


def test_a_provider_user_without_provider_is_sent_to_apply(client, demo):
    from regions.models import User

    user = User.objects.create_user(username="lab-new", password="p-2026-xx", role="provider")
    client.force_login(user)
    assert client.get("/provider/")["Location"] == "/providers/apply/"


def test_it_is_for_providers(client, users):
    client.force_login(users["enterprise-jiangnan"])
    assert client.get("/provider/").status_code == 403


def test_the_dashboard_redirect_lands_here(client, users):
    client.force_login(users["provider-sit"])
    assert client.get("/dashboard/")["Location"] == "/provider/"


def test_a_confirmed_order_waits_on_the_dashboard_until_it_is_claimed(client, users, order_in):
    # Once the enterprise confirmed, the order left every list of the dashboard: the
    # provider's money waited on a claim nothing pointed to.
    order = order_in("confirmed")
    client.force_login(users["provider-sit"])
    response = client.get("/provider/")
    assert [o.pk for o in response.context["to_claim"]] == [order.pk]
    body = response.content.decode()
    assert "Confirmed: claim the voucher" in body
    # The paperwork first: the link goes to where it is given, not to the claim.
    assert f"/orders/{order.pk}/#documents" in body
    assert f"/redemptions/claim/{order.pk}/" not in body

    complete_paperwork(order)
    body = client.get("/provider/").content.decode()
    assert f"/redemptions/claim/{order.pk}/" in body

    redemptions.redemption_claim(
        service_order_id=order.pk, amount=Decimal("100.00"), actor=users["provider-sit"]
    )
    assert client.get("/provider/").context["to_claim"] == []


def test_an_unconfirmed_own_share_sends_the_provider_to_confirm_it(client, users, order_in):
    order = order_in("confirmed")
    enterprise_user, provider_user = parties(order)
    documents.order_document_upload(
        order=order, kind="contract", file=pdf("c.pdf", b"%c"), actor=enterprise_user
    )
    documents.order_document_upload(
        order=order, kind="invoice", file=pdf("i.pdf", f"%i{order.pk}".encode()), invoice_code="031001900111",
        invoice_number=fresh_invoice_number(order), actor=provider_user,
    )  # fmt: skip
    client.force_login(provider_user)
    claim_page = client.get(f"/redemptions/claim/{order.pk}/").content.decode()
    assert "the enterprise records its payment" in claim_page
    assert f"/orders/{order.pk}/#own-share" in claim_page

    documents.own_share_record(
        order=order, amount=own_share_due(order), payment_reference="OWN-1", actor=enterprise_user
    )
    claim_page = client.get(f"/redemptions/claim/{order.pk}/").content.decode()
    assert "confirmation that the enterprise&#x27;s own share was received" in claim_page
    assert f"/orders/{order.pk}/#own-share" in claim_page
    assert f"/orders/{order.pk}/#own-share" in client.get("/provider/").content.decode()
