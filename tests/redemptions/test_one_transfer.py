"""One bank transfer paying several approved claims of one provider: recorded together under
its reference by the provider's district (page and API), every claim with its journal entry
and audit row, the provider told once; all of them or none."""

from decimal import Decimal

import pytest
from django.core import mail
from django.http import Http404

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from regions.models import AuditEntry, JournalEntry
from regions.services import reconciliation_run
from tests.providers.conftest import make_provider  # noqa: F401 (a fixture)
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption
from vouchers.services import redemptions_mark_paid
from vouchers.services.payments import CLAIMS_PER_TRANSFER_MAX

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(demo, sit):
    """Three approved claims of the Yangpu institute on a Wujin enterprise's voucher."""
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    return [
        approved_redemption(demo, voucher, sit, amount) for amount in ("800.00", "1200.50", "99.50")
    ]


def _statuses(claims):
    return [Redemption.objects.get(pk=claim.pk).status for claim in claims]


def test_one_transfer_pays_every_claim_with_its_own_entries(
    demo, claims, yangpu, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        paid = redemptions_mark_paid(
            redemption_ids=[claim.pk for claim in claims],
            payment_reference=" ICBC-2026-1207 ",
            actor=yangpu,
        )

    assert [claim.pk for claim in paid] == sorted(claim.pk for claim in claims)
    for claim in claims:
        claim.refresh_from_db()
        assert (claim.status, claim.payment_reference) == ("paid", "ICBC-2026-1207")
        entry = JournalEntry.objects.get(reference=f"redemption:{claim.pk}:pay")
        assert sum(line.debit for line in entry.lines.all()) == claim.amount
        assert AuditEntry.objects.filter(
            object_type="vouchers.redemption",
            object_id=str(claim.pk),
            action=AuditEntry.Action.MARK_PAID,
            reason="ICBC-2026-1207",
        ).exists()
    assert reconciliation_run().ok
    # The provider is told once, with the total and every claim.
    told = [m for m in mail.outbox if "ICBC-2026-1207" in m.subject]
    assert len(told) == 1
    assert "2,100.00" in told[0].body
    assert all(f"#{claim.pk}" in told[0].body for claim in claims)


def test_a_claim_not_waiting_for_payment_records_none(demo, claims, yangpu, sit):
    redemptions_mark_paid(redemption_ids=[claims[0].pk], payment_reference="EARLIER", actor=yangpu)
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    pending = approved_redemption(demo, voucher, sit, "10.00")
    Redemption.objects.filter(pk=pending.pk).update(status="pending")

    with pytest.raises(InvalidTransition) as refused:
        redemptions_mark_paid(
            redemption_ids=[claim.pk for claim in claims] + [pending.pk],
            payment_reference="ICBC-2",
            actor=yangpu,
        )

    # Each named with what it is: paid (under which reference) or not yet approved.
    assert f"#{claims[0].pk} paid already, reference EARLIER; #{pending.pk} pending" in (
        refused.value.message
    )
    assert _statuses(claims[1:]) == ["approved", "approved"]
    assert not JournalEntry.objects.filter(description__contains="ICBC-2").exists()


def test_one_transfer_pays_one_provider(demo, claims, yangpu, make_provider):  # noqa: F811
    lab = make_provider(status="certified", region="YANGPU", categories=("rnd", "testing"))
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    other = approved_redemption(demo, voucher, lab, "50.00")

    with pytest.raises(ValidationFailed) as refused:
        redemptions_mark_paid(
            redemption_ids=[claims[0].pk, other.pk], payment_reference="ICBC-3", actor=yangpu
        )

    assert refused.value.code == "several_providers"
    assert _statuses([claims[0], other]) == ["approved", "approved"]


def test_only_the_providers_district_records_it(demo, claims):
    ids = [claim.pk for claim in claims]
    # The issuing district sees the claims: told whose payment it is.
    with pytest.raises(NotAllowed):
        redemptions_mark_paid(
            redemption_ids=ids, payment_reference="X", actor=demo["users"]["official-wujin"]
        )
    # A district with no part in them learns nothing of them.
    with pytest.raises(Http404):
        redemptions_mark_paid(
            redemption_ids=ids, payment_reference="X", actor=demo["users"]["official-nanhu"]
        )
    with pytest.raises(NotAllowed):
        redemptions_mark_paid(
            redemption_ids=ids, payment_reference="X", actor=demo["users"]["provider-sit"]
        )
    assert _statuses(claims) == ["approved"] * 3


@pytest.mark.parametrize(
    ("ids", "reference"),
    [([], "ICBC-4"), (list(range(1, CLAIMS_PER_TRANSFER_MAX + 2)), "ICBC-4"), (None, "")],
)
def test_no_claims_too_many_or_no_reference_is_refused(claims, yangpu, ids, reference):
    with pytest.raises(ValidationFailed):
        redemptions_mark_paid(
            redemption_ids=[claim.pk for claim in claims] if ids is None else ids,
            payment_reference=reference,
            actor=yangpu,
        )
    assert _statuses(claims) == ["approved"] * 3


# --- the API ------------------------------------------------------------------------------


def test_the_api_records_a_transfer_and_refuses_it_twice(api_as, claims, yangpu, sit):
    api = api_as(yangpu)
    body = {"redemptions": [claims[0].pk, claims[2].pk], "payment_reference": "ICBC-5"}

    response = api.post("/api/redemptions/mark-paid/", body, format="json")

    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["payment_reference"], answer["provider"], answer["count"]) == (
        "ICBC-5",
        sit.pk,
        2,
    )
    assert Decimal(answer["total"]) == Decimal("899.50")
    assert [row["status"] for row in answer["redemptions"]] == ["paid", "paid"]
    assert _statuses(claims) == ["paid", "approved", "paid"]

    again = api.post("/api/redemptions/mark-paid/", body, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


@pytest.mark.parametrize(
    "body",
    [
        {"redemptions": [], "payment_reference": "R"},
        {"redemptions": ["x"], "payment_reference": "R"},
        {"redemptions": "1,2", "payment_reference": "R"},
        {"payment_reference": "R"},
        {"redemptions": [1], "payment_reference": "a\nb"},
        {"redemptions": list(range(1, CLAIMS_PER_TRANSFER_MAX + 2)), "payment_reference": "R"},
    ],
)
def test_the_api_answers_bad_input_with_400(api_as, yangpu, body, claims):
    if body.get("redemptions") == [1]:
        body = {**body, "redemptions": [claims[0].pk]}
    response = api_as(yangpu).post("/api/redemptions/mark-paid/", body, format="json")
    assert response.status_code == 400, response.content
    assert _statuses(claims) == ["approved"] * 3


def test_the_api_refuses_other_roles(api_as, demo, claims):
    response = api_as(demo["users"]["provider-sit"]).post(
        "/api/redemptions/mark-paid/",
        {"redemptions": [claims[0].pk], "payment_reference": "R"},
        format="json",
    )
    assert response.status_code == 403


# --- the pages ----------------------------------------------------------------------------


def test_the_queue_groups_what_each_provider_is_owed(client, claims, yangpu, sit):
    client.force_login(yangpu)
    page = client.get("/official/payments/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "One transfer per provider" in page
    assert "¥2,100.00" in page
    assert f"/official/payments/provider/{sit.pk}/" in page


def test_the_transfer_page_records_the_ticked_claims(client, claims, yangpu, sit):
    client.force_login(yangpu)
    url = f"/official/payments/provider/{sit.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count('name="redemptions"') == 3 and page.count(" checked") == 3
    assert "¥2,100.00 in all" in page
    assert "Ticked: 3 claims, ¥2,100.00 in all." in page

    response = client.post(
        url,
        {"redemptions": [claims[0].pk, claims[1].pk], "payment_reference": "ICBC-6"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/official/payments/"
    assert (
        "Transfer ICBC-6 recorded: 2 claims of Shanghai Institute of Technology, ¥2,000.50 in all."
        in (response.content.decode())
    )
    assert _statuses(claims) == ["paid", "paid", "approved"]


def test_claims_paid_meanwhile_are_named_not_asked_about(client, claims, yangpu, sit):
    """Recorded from another tab first, the same transfer sent again answered with the reuse
    question and "Nothing is ticked" (the paid claims had left the list)."""
    redemptions_mark_paid(
        redemption_ids=[claims[0].pk, claims[1].pk],
        payment_reference="HB2026-0001",
        actor=yangpu,
        provider_id=sit.pk,
    )
    client.force_login(yangpu)

    response = client.post(
        f"/official/payments/provider/{sit.pk}/",
        {"redemptions": [claims[0].pk, claims[1].pk], "payment_reference": "HB2026-0001"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert f"#{claims[0].pk} paid already, reference HB2026-0001" in page
    assert f"#{claims[1].pk} paid already, reference HB2026-0001" in page
    assert "was already recorded for" not in page
    assert _statuses(claims) == ["paid", "paid", "approved"]


def test_the_transfer_page_keeps_what_was_typed_when_refused(client, claims, yangpu, sit):
    client.force_login(yangpu)
    url = f"/official/payments/provider/{sit.pk}/"
    response = client.post(
        url, {"redemptions": [claims[1].pk], "payment_reference": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the payment reference." in page
    assert page.count(" checked") == 1
    # A claim a colleague recorded meanwhile: 409, nothing recorded.
    redemptions_mark_paid(redemption_ids=[claims[0].pk], payment_reference="EARLIER", actor=yangpu)
    response = client.post(
        url,
        {"redemptions": [claims[0].pk, claims[1].pk], "payment_reference": "ICBC-7"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert f"#{claims[0].pk} paid already, reference EARLIER" in response.content.decode()
    assert _statuses(claims) == ["paid", "approved", "approved"]
    # Nothing ticked.
    response = client.post(url, {"payment_reference": "ICBC-8"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose the claims this transfer paid." in response.content.decode()


def test_the_transfer_page_is_for_officials(client, demo, sit):
    client.force_login(demo["users"]["provider-sit"])
    assert client.get(f"/official/payments/provider/{sit.pk}/").status_code == 403
    client.force_login(demo["users"]["official-yangpu"])
    assert client.get("/official/payments/provider/987654/").status_code == 404
    # Nothing to pay: said so.
    page = client.get(f"/official/payments/provider/{sit.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "No approved claim of this provider waits" in page.content.decode()


def test_the_transfer_page_does_not_name_another_districts_provider(client, demo, sit):
    """Any official could read the name of any provider by its id, a rejected one too."""
    client.force_login(demo["users"]["official-hefei"])
    response = client.get(f"/official/payments/provider/{sit.pk}/")
    assert response.status_code == 404
    assert sit.name not in response.content.decode()


def test_the_transfer_page_records_only_its_providers_claims(
    client,
    demo,
    claims,
    yangpu,
    make_provider,  # noqa: F811
):
    """A claim of another provider posted to this provider's page was recorded, and the
    message named the page's provider."""
    lab = make_provider(status="certified", region="YANGPU")
    client.force_login(yangpu)
    response = client.post(
        f"/official/payments/provider/{lab.pk}/",
        {"redemptions": [claims[0].pk], "payment_reference": "TAMPER-1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert f"Not of this provider: #{claims[0].pk}." in response.content.decode()
    assert _statuses(claims) == ["approved"] * 3


def test_a_reference_recorded_before_is_asked_about_first(client, api_as, claims, yangpu, sit):
    client.force_login(yangpu)
    redemptions_mark_paid(redemption_ids=[claims[0].pk], payment_reference="ICBC-9", actor=yangpu)
    response = client.post(
        f"/official/payments/provider/{sit.pk}/",
        {"redemptions": [claims[1].pk], "payment_reference": "ICBC-9"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert f"Reference ICBC-9 was already recorded for #{claims[0].pk}" in (
        response.content.decode()
    )
    assert _statuses(claims) == ["paid", "approved", "approved"]
    # The API records and says so in its answer (API.md), as before.
    answer = api_as(yangpu).post(
        "/api/redemptions/mark-paid/",
        {"redemptions": [claims[2].pk], "payment_reference": "ICBC-9"},
        format="json",
    )
    assert answer.json()["reference_recorded_before"] == [claims[0].pk]


def test_a_reference_with_an_invisible_character_is_refused(api_as, claims, yangpu):
    """Two references that read alike would differ: the bank statement would not match."""
    response = api_as(yangpu).post(
        "/api/redemptions/mark-paid/",
        {"redemptions": [claims[0].pk], "payment_reference": "ICBC\u200b-10"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invisible_characters"
    assert _statuses(claims) == ["approved"] * 3


def test_the_vouchers_export_says_fully_held_as_the_pages_do(client, demo, sit):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "1000.00")
    pending = approved_redemption(demo, voucher, sit, "1000.00")
    Redemption.objects.filter(pk=pending.pk).update(status="pending")
    type(voucher).objects.filter(pk=voucher.pk).update(
        status="exhausted", balance=0, held=1000, redeemed=0
    )
    client.force_login(demo["users"]["official-wujin"])
    response = client.get("/exports/vouchers.csv", HTTP_ACCEPT_LANGUAGE="en")
    rows = b"".join(response.streaming_content).decode("utf-8-sig")
    line = next(row for row in rows.splitlines() if voucher.serial in row)
    assert "Fully held by claims awaiting decision" in line


def test_a_claim_paid_on_its_row_with_a_reference_used_before_is_asked_about_first(
    client, claims, yangpu
):
    redemptions_mark_paid(redemption_ids=[claims[0].pk], payment_reference="ICBC-11", actor=yangpu)
    client.force_login(yangpu)
    row = client.post(
        f"/redemptions/{claims[1].pk}/mark-paid/",
        {"payment_reference": "ICBC-11", "next": "/official/payments/"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "The payment is recorded." not in row
    assert f"Reference ICBC-11 was already recorded for #{claims[0].pk}" in row
    assert _statuses(claims) == ["paid", "approved", "approved"]


def test_a_claim_paid_on_its_row_reloads_what_each_provider_is_owed(client, claims, yangpu):
    client.force_login(yangpu)
    page = client.get("/official/payments/").content.decode()
    assert 'hx-trigger="payment-recorded from:body"' in page
    paid = client.post(
        f"/redemptions/{claims[1].pk}/mark-paid/",
        {"payment_reference": "ICBC-12", "next": "/official/payments/"},
        HTTP_HX_REQUEST="true",
    )
    assert paid["HX-Trigger"] == "payment-recorded"
    refused = client.post(
        f"/redemptions/{claims[1].pk}/mark-paid/",
        {"payment_reference": "ICBC-12", "next": "/official/payments/"},
        HTTP_HX_REQUEST="true",
    )
    assert "HX-Trigger" not in refused
