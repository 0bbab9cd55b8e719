"""A relation declared after an order was placed: the enterprise's vouchers pay that provider
for nothing more, whether the order waits for its claim or its claim waits for approval."""

from decimal import Decimal

import pytest

from portal.errors import InvalidTransition
from tests.redemptions.factories import make_order, official_of, provider_user
from vouchers.models import Redemption, RelatedParty, Voucher
from vouchers.services import redemption_approve, redemption_claim, redemption_reject
from vouchers.services.related_parties import related_party_declare

pytestmark = pytest.mark.django_db


def declare(demo, voucher, provider):
    enterprise_user = next(
        u for u in demo["users"].values() if u.enterprise_id == voucher.enterprise_id
    )
    related_party_declare(actor=enterprise_user, provider=provider, relation="family")


def test_a_claim_after_the_declaration_is_refused_and_holds_nothing(demo):
    voucher = demo["voucher"]
    provider = demo["providers"]["provider-graphene"]
    order = make_order(voucher, provider, contract="1000.00")
    declare(demo, voucher, provider)
    before = Voucher.objects.get(pk=voucher.pk)
    with pytest.raises(InvalidTransition) as refused:
        redemption_claim(
            service_order_id=order.pk, amount="100.00", actor=provider_user(demo, provider)
        )
    assert refused.value.code == "related_party"
    assert provider.display_name in str(refused.value)
    after = Voucher.objects.get(pk=voucher.pk)
    assert (after.balance, after.held) == (before.balance, before.held)
    assert not Redemption.objects.filter(service_order=order).exists()


def test_a_claim_made_before_the_declaration_is_not_approved_but_may_be_rejected(demo):
    voucher = demo["voucher"]
    provider = demo["providers"]["provider-graphene"]
    order = make_order(voucher, provider, contract="1000.00")
    redemption = redemption_claim(
        service_order_id=order.pk, amount="100.00", actor=provider_user(demo, provider)
    )
    declare(demo, voucher, provider)
    official = official_of(demo, voucher.issuing_region.code)
    with pytest.raises(InvalidTransition) as refused:
        redemption_approve(redemption_id=redemption.pk, actor=official)
    assert refused.value.code == "related_party"
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.PENDING
    held = Voucher.objects.get(pk=voucher.pk).held
    redemption_reject(redemption_id=redemption.pk, actor=official, note="Related party.")
    assert Voucher.objects.get(pk=voucher.pk).held == held - Decimal("100.00")


def test_the_api_answers_409_related_party(demo, api_as):
    voucher = demo["voucher"]
    provider = demo["providers"]["provider-graphene"]
    order = make_order(voucher, provider, contract="1000.00")
    declare(demo, voucher, provider)
    assert RelatedParty.objects.filter(enterprise_id=voucher.enterprise_id).exists()
    response = api_as(provider_user(demo, provider)).post(
        "/api/redemptions/", {"service_order": order.pk, "amount": "100.00"}, format="json"
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "related_party"


def test_the_queue_and_the_claim_say_so_before_approve_is_pressed(client, demo):
    """The row and the claim's page offered a plain Approve, saying nothing of the relation
    until the approval was refused."""
    voucher = demo["voucher"]
    provider = demo["providers"]["provider-graphene"]
    order = make_order(voucher, provider, contract="1000.00")
    redemption = redemption_claim(
        service_order_id=order.pk, amount="100.00", actor=provider_user(demo, provider)
    )
    client.force_login(official_of(demo, voucher.issuing_region.code))
    warning = "is a declared related party of the enterprise that ordered"
    queue = client.get("/official/redemptions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert warning not in queue
    declare(demo, voucher, provider)
    for url in ("/official/redemptions/", f"/redemptions/{redemption.pk}/"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"{provider.display_name} {warning}" in page, url
