from decimal import Decimal

import pytest
from django.http import Http404

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from regions.models import JournalEntry
from regions.services import reconciliation_run
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers.services import redemption_mark_paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    return approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "800.00")


def test_the_providers_district_records_the_payment(demo, approved):
    redemption_mark_paid(
        redemption_id=approved.pk,
        payment_reference=" YP-2026-001 ",
        actor=demo["users"]["official-yangpu"],
    )
    approved.refresh_from_db()
    assert approved.status == "paid" and approved.payment_reference == "YP-2026-001"
    entry = JournalEntry.objects.get(reference=f"redemption:{approved.pk}:pay")
    assert sorted((line.account.kind, line.debit, line.credit) for line in entry.lines.all()) == [
        ("cash", Decimal("0.00"), Decimal("800.00")),
        ("payable", Decimal("800.00"), Decimal("0.00")),
    ]
    assert reconciliation_run().ok


def test_the_issuing_district_is_told_whose_payment_it_is(demo, approved, api_as):
    """It sees the claim, so "No such redemption" was wrong: 403, naming who pays."""
    with pytest.raises(NotAllowed):
        redemption_mark_paid(
            redemption_id=approved.pk, payment_reference="X", actor=demo["users"]["official-wujin"]
        )
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/redemptions/{approved.pk}/mark-paid/", {"payment_reference": "X"}, format="json"
    )
    assert response.status_code == 403
    assert "provider's district" in response.json()["detail"]
    # A district with no part in the claim still learns nothing of it.
    response = api_as(demo["users"]["official-nanhu"]).post(
        f"/api/redemptions/{approved.pk}/mark-paid/", {"payment_reference": "X"}, format="json"
    )
    assert response.status_code == 404
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_an_unknown_claim_is_404(demo):
    with pytest.raises(Http404):
        redemption_mark_paid(
            redemption_id=987654, payment_reference="X", actor=demo["users"]["official-wujin"]
        )


def test_the_issuing_district_pays_when_it_is_also_the_providers(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"])
    redemption = approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "10.00")
    redemption_mark_paid(
        redemption_id=redemption.pk, payment_reference="P1", actor=demo["users"]["official-yangpu"]
    )
    redemption.refresh_from_db()
    assert redemption.status == "paid"


def test_it_needs_a_reference(demo, approved):
    with pytest.raises(ValidationFailed):
        redemption_mark_paid(
            redemption_id=approved.pk, payment_reference="", actor=demo["users"]["official-yangpu"]
        )


def test_it_cannot_pay_twice(demo, approved):
    official = demo["users"]["official-yangpu"]
    redemption_mark_paid(redemption_id=approved.pk, payment_reference="A", actor=official)
    with pytest.raises(InvalidTransition):
        redemption_mark_paid(redemption_id=approved.pk, payment_reference="B", actor=official)
    assert JournalEntry.objects.filter(reference__endswith=":pay").count() == 1


@pytest.mark.parametrize("reference", ["\u202e1-YP", "YP\u2066-001", "\u200b"])
def test_a_reference_with_direction_characters_or_nothing_visible_is_400(
    demo, approved, api_as, reference
):
    """A reversed reference was stored and printed on the statements as another one."""
    response = api_as(demo["users"]["official-yangpu"]).post(
        f"/api/redemptions/{approved.pk}/mark-paid/",
        {"payment_reference": reference},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "payment_reference" in response.json()
    approved.refresh_from_db()
    assert approved.status == "approved" and approved.payment_reference == ""


@pytest.mark.parametrize(
    "reference", ["a\nb", "YP-001\r\n2", "YP\t001", "JN-1\u2028EVIL", "a\u2029b"]
)
def test_a_reference_over_two_lines_is_400(demo, approved, api_as, reference):
    """It was stored: the exports' cell ran over two rows and the ledger kept the first line."""
    response = api_as(demo["users"]["official-yangpu"]).post(
        f"/api/redemptions/{approved.pk}/mark-paid/",
        {"payment_reference": reference},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.content
    assert response.json()["payment_reference"] == [
        "A payment reference is one line, without line breaks or tabs."
    ]
    approved.refresh_from_db()
    assert approved.status == "approved" and approved.payment_reference == ""


def test_a_refused_payment_keeps_the_official_on_the_payments_list(client, demo, approved):
    """The row re-rendered after a refusal sent its next form to the claim's page."""
    client.force_login(demo["users"]["official-yangpu"])
    url = f"/redemptions/{approved.pk}/mark-paid/"
    row = client.post(
        url,
        {"payment_reference": "", "next": "/official/payments/"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Enter the payment reference." in row
    assert 'name="next" value="/official/payments/"' in row
    plain = client.post(url, {"payment_reference": "", "next": "/official/payments/"})
    assert plain.status_code == 302 and plain["Location"] == "/official/payments/"
