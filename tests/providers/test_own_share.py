"""The enterprise's own share: the enterprise records its payment of the part the voucher does
not cover, the provider confirms it; a claim before contract, invoice and confirmed own share
is refused (409 `own_share_missing`, saying what is missing) where the rules require it."""

from decimal import Decimal

import pytest

from providers.models import OwnSharePayment
from providers.selectors import own_share_due
from regions.models import AuditEntry, ProgrammeRules, ProgrammeRulesVersion
from tests.paperwork import complete_paperwork, fresh_invoice_number, pdf
from tests.redemptions.factories import confirm
from vouchers.models import Redemption

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

RECORD = "/api/service-orders/{}/own-share/"
CONFIRM = "/api/service-orders/{}/own-share/confirm/"


def record(client, order, amount="150000.00", reference="BANK-2026-0001"):
    return client.post(
        RECORD.format(order.pk), {"amount": amount, "payment_reference": reference}, format="json"
    )


def claim(api_as, demo, order, amount="1000.00"):
    return api_as(demo["users"]["provider-sit"]).post(
        "/api/redemptions/", {"service_order": order.pk, "amount": amount}, format="json"
    )


def test_the_share_due_is_the_part_the_voucher_does_not_cover(demo):
    # 300,000 contract at the demo ratio of 0.5.
    assert own_share_due(demo["order"]) == Decimal("150000.00")


def test_the_enterprise_records_and_the_provider_confirms(api_as, demo):
    order = demo["order"]

    recorded = record(api_as(demo["users"]["enterprise-jiangnan"]), order)
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["confirmed_at"] is None

    confirmed = api_as(demo["users"]["provider-sit"]).post(CONFIRM.format(order.pk))
    assert confirmed.status_code == 200, confirmed.content
    payment = OwnSharePayment.objects.get(service_order=order)
    assert payment.amount == Decimal("150000.00")
    assert payment.payment_reference == "BANK-2026-0001"
    assert payment.confirmed_by == demo["users"]["provider-sit"]
    actions = set(
        AuditEntry.objects.filter(
            object_type="providers.ownsharepayment", object_id=str(payment.pk)
        ).values_list("action", flat=True)
    )
    assert actions == {AuditEntry.Action.RECORD, AuditEntry.Action.CONFIRM}


def test_the_enterprise_corrects_its_record_until_it_is_confirmed(api_as, demo):
    client = api_as(demo["users"]["enterprise-jiangnan"])
    assert record(client, demo["order"], reference="WRONG").status_code == 201
    assert record(client, demo["order"], amount="160000.00").status_code == 201
    assert OwnSharePayment.objects.get().amount == Decimal("160000.00")
    api_as(demo["users"]["provider-sit"]).post(CONFIRM.format(demo["order"].pk))

    late = record(client, demo["order"], amount="170000.00")

    assert late.status_code == 409
    assert late.json()["code"] == "own_share_confirmed"
    assert OwnSharePayment.objects.get().amount == Decimal("160000.00")


@pytest.mark.parametrize(
    "amount", ["149999.99", "300000.01", "0", "-5", "abc", "1e5", "", "１５万"]
)
def test_an_amount_outside_the_share_is_a_400(api_as, demo, amount):
    response = record(api_as(demo["users"]["enterprise-jiangnan"]), demo["order"], amount=amount)

    assert response.status_code == 400
    assert not OwnSharePayment.objects.exists()


def test_a_payment_reference_is_required(api_as, demo):
    response = record(api_as(demo["users"]["enterprise-jiangnan"]), demo["order"], reference=" ")

    assert response.status_code == 400
    assert not OwnSharePayment.objects.exists()


@pytest.mark.parametrize(("username", "status"), [("provider-sit", 403), ("official-wujin", 403)])
def test_only_the_enterprise_records(api_as, demo, username, status):
    assert record(api_as(demo["users"][username]), demo["order"]).status_code == status


def test_only_the_provider_confirms_and_only_what_was_recorded(api_as, demo):
    order = demo["order"]
    nothing = api_as(demo["users"]["provider-sit"]).post(CONFIRM.format(order.pk))
    assert nothing.status_code == 409
    assert nothing.json()["code"] == "own_share_not_recorded"
    record(api_as(demo["users"]["enterprise-jiangnan"]), order)

    by_enterprise = api_as(demo["users"]["enterprise-jiangnan"]).post(CONFIRM.format(order.pk))

    assert by_enterprise.status_code == 403
    assert OwnSharePayment.objects.get().confirmed_at is None
    provider = api_as(demo["users"]["provider-sit"])
    assert provider.post(CONFIRM.format(order.pk)).status_code == 200
    assert provider.post(CONFIRM.format(order.pk)).json()["code"] == "own_share_confirmed"


def test_a_claim_without_the_paperwork_says_what_is_missing(api_as, demo):
    order = confirm(demo["order"], paperwork=False)

    response = claim(api_as, demo, order)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "own_share_missing"
    for missing in ("contract", "invoice", "own share"):
        assert missing in body["detail"]
    assert not Redemption.objects.exists()


def test_each_missing_piece_alone_refuses_the_claim(api_as, demo):
    from providers.services import documents

    order = confirm(demo["order"], paperwork=False)
    enterprise, provider = demo["users"]["enterprise-jiangnan"], demo["users"]["provider-sit"]
    documents.order_document_upload(
        order=order, kind="contract", file=pdf("c.pdf"), actor=enterprise
    )
    documents.order_document_upload(
        order=order,
        kind="invoice",
        file=pdf("i.pdf"),
        invoice_code="031001900111",
        invoice_number=fresh_invoice_number(order),
        actor=provider,
    )
    documents.own_share_record(
        order=order, amount="150000.00", payment_reference="B-1", actor=enterprise
    )

    unconfirmed = claim(api_as, demo, order)

    assert unconfirmed.status_code == 409
    assert "own share" in unconfirmed.json()["detail"]
    assert "contract" not in unconfirmed.json()["detail"]
    documents.own_share_confirm(order=order, actor=provider)
    assert claim(api_as, demo, order).status_code == 201


def test_a_claim_with_the_paperwork_goes_through(api_as, demo):
    order = confirm(demo["order"])

    assert claim(api_as, demo, order).status_code == 201


def test_a_district_that_does_not_require_it_claims_without(api_as, demo):
    order = confirm(demo["order"], paperwork=False)
    # The voucher's own rules decide: a district that turns the rule off publishes a new
    # version; vouchers issued under it carry it. Here the demo voucher's version is changed.
    ProgrammeRules.objects.filter(region__code="WUJIN").update(requires_own_share=False)
    ProgrammeRulesVersion.objects.filter(region__code="WUJIN").update(requires_own_share=False)

    assert claim(api_as, demo, order).status_code == 201


def test_the_order_page_records_and_confirms(client, demo, password):
    order = demo["order"]
    client.login(username="enterprise-jiangnan", password=password)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "150000.00" in page  # the form offers the share due

    response = client.post(
        f"/orders/{order.pk}/own-share/",
        {"own_share-amount": "150000.00", "own_share-payment_reference": "BANK-77"},
    )
    assert response.status_code == 302
    client.logout()
    client.login(username="provider-sit", password=password)
    assert client.post(f"/orders/{order.pk}/own-share/confirm/").status_code == 302

    assert OwnSharePayment.objects.get(service_order=order).confirmed_at is not None


def test_a_page_opened_before_the_enterprise_corrected_its_record_does_not_confirm_it(
    client, api_as, demo, password
):
    """The provider's confirm carried nothing: a page showing ¥150,000 confirmed the
    ¥300,000 the enterprise had recorded since, leaving the voucher nothing to pay."""
    order = demo["order"]
    enterprise = api_as(demo["users"]["enterprise-jiangnan"])
    assert record(enterprise, order).status_code == 201
    client.login(username="provider-sit", password=password)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'name="amount" value="150000.00"' in page
    assert 'name="payment_reference" value="BANK-2026-0001"' in page

    assert record(enterprise, order, amount="300000.00").status_code == 201
    stale = client.post(
        f"/orders/{order.pk}/own-share/confirm/",
        {"amount": "150000.00", "payment_reference": "BANK-2026-0001"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert stale.status_code == 409
    assert "now reads ¥300,000.00" in stale.content.decode()
    assert OwnSharePayment.objects.get(service_order=order).confirmed_at is None

    provider = api_as(demo["users"]["provider-sit"])
    url = CONFIRM.format(order.pk)
    changed = provider.post(url, {"payment_reference": "BANK-2026-0001", "amount": "150000.00"})
    assert changed.status_code == 409 and changed.json()["code"] == "own_share_changed"
    assert provider.post(url, {"amount": "-1"}, format="json").status_code == 400
    seen = provider.post(
        url, {"amount": "300000.00", "payment_reference": "BANK-2026-0001"}, format="json"
    )
    assert seen.status_code == 200, seen.content
    assert OwnSharePayment.objects.get(service_order=order).confirmed_by is not None


def test_a_bad_amount_on_the_page_comes_back_beside_the_field(client, demo, password):
    client.login(username="enterprise-jiangnan", password=password)

    response = client.post(
        f"/orders/{demo['order'].pk}/own-share/",
        {"own_share-amount": "10.00", "own_share-payment_reference": "BANK-77"},
    )

    assert response.status_code == 400
    assert "at least" in response.content.decode()


def test_the_officials_redemption_page_shows_contract_invoice_and_own_share(
    api_as, client, demo, password
):
    order = confirm(demo["order"])
    redemption_id = claim(api_as, demo, order).json()["id"]
    client.login(username="official-wujin", password=password)

    body = client.get(f"/redemptions/{redemption_id}/").content.decode()

    assert "contract.pdf" in body
    assert "031001900111" in body
    assert "OWN-" in body
    assert "confirmed by the provider" in body


def test_the_factory_helper_completes_an_order(demo):
    order = confirm(demo["order"], paperwork=False)
    complete_paperwork(order)
    complete_paperwork(order)  # idempotent

    assert order.documents.count() == 2


def test_an_own_share_reference_with_a_direction_override_is_400(api_as, demo):
    response = record(
        api_as(demo["users"]["enterprise-jiangnan"]), demo["order"], reference="\u202eR7"
    )
    assert response.status_code == 400, response.content
    assert response.json()["payment_reference"]
    assert not OwnSharePayment.objects.filter(service_order=demo["order"]).exists()
