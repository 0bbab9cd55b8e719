"""Recording a settlement transfer under a bank reference that the paying district's transfers
were recorded under before: refused, naming the earlier transfer, until the operator confirms
that the bank gave the reference again. The user's case: WUJIN paid YANGPU ¥140,000 for
batch #1 under WJ2YP-20261208; the ¥30,000 of batch #2 was recorded under the same reference
without a word, and batch #2 closed. The API answers 409 `reference_recorded_before` until
its body says `"confirm_reused_reference": true`."""

from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from regions.models import AuditEntry, SettlementBatch
from regions.settlement.selectors import normalised_reference
from regions.settlement.services import (
    settlement_batch_create,
    settlement_run,
)
from regions.settlement.transfers import ReferenceRecordedBefore, settlement_transfer_confirm
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher

pytestmark = pytest.mark.django_db

REFERENCE = "WJ2YP-20261208"


def computed_batch(demo, *claims) -> SettlementBatch:
    """A computed batch over approved claims given as (enterprise, provider, amount)."""
    for enterprise, provider, amount in claims:
        voucher = make_voucher(demo["enterprises"][enterprise], amount)
        approved_redemption(demo, voucher, demo["providers"][provider], amount)
    batch = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == SettlementBatch.Status.COMPUTED
    return batch


def record(demo, batch, reference=REFERENCE, *, debtor="WUJIN", **kwargs):
    return settlement_transfer_confirm(
        batch_id=batch.pk,
        from_region=debtor,
        to_region="YANGPU",
        payment_reference=reference,
        actor=demo["users"]["operator"],
        **kwargs,
    )


@pytest.fixture
def two_batches(demo):
    """Batch #1 (WUJIN -> YANGPU ¥140,000) recorded under REFERENCE; batch #2 (WUJIN ->
    YANGPU ¥30,000) computed, its transfer still to record."""
    first = computed_batch(demo, ("enterprise-jiangnan", "provider-sit", "140000.00"))
    record(demo, first)
    second = computed_batch(demo, ("enterprise-jiangnan", "provider-sit", "30000.00"))
    first.refresh_from_db()
    assert first.status == SettlementBatch.Status.CLOSED
    return first, second


def recorded_on(batch) -> str:
    confirmed_at = batch.transfers.get().confirmed_at
    return f"{timezone.localtime(confirmed_at, ZoneInfo(settings.TIME_ZONE)):%Y-%m-%d}"


@pytest.fixture
def operator_page(client, demo):
    client.force_login(demo["users"]["operator"])
    return client


def test_it_refuses_the_reference_on_the_page_naming_the_earlier_transfer(
    two_batches, operator_page
):
    first, second = two_batches
    transfer = second.transfers.get()
    response = operator_page.post(
        f"/settlement/{second.pk}/transfers/{transfer.pk}/confirm/",
        {"payment_reference": REFERENCE},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert (
        f"This reference was already recorded for batch #{first.pk}&#x27;s transfer "
        f"Wujin District→Yangpu District of ¥140,000.00 on {recorded_on(first)}." in body
    )
    # The form comes back with what was typed and the box that records it anyway.
    assert f'value="{REFERENCE}"' in body
    assert 'name="confirm_reused_reference"' in body
    assert "Record it anyway: the bank gave this reference again" in body
    transfer.refresh_from_db()
    second.refresh_from_db()
    assert transfer.payment_reference == "" and transfer.confirmed_at is None
    assert second.status == SettlementBatch.Status.COMPUTED


def test_it_records_the_reference_again_when_the_operator_confirms(two_batches, operator_page):
    first, second = two_batches
    transfer = second.transfers.get()
    response = operator_page.post(
        f"/settlement/{second.pk}/transfers/{transfer.pk}/confirm/",
        {"payment_reference": REFERENCE, "confirm_reused_reference": REFERENCE},
    )
    assert response.status_code == 302 and response.url == f"/settlement/{second.pk}/"
    transfer.refresh_from_db()
    second.refresh_from_db()
    assert transfer.payment_reference == REFERENCE
    assert second.status == SettlementBatch.Status.CLOSED
    # The audit entry says it was recorded again on the operator's word, and over which.
    entry = AuditEntry.objects.get(object_id=second.pk, action=AuditEntry.Action.CONFIRM_TRANSFER)
    assert entry.data["reference_recorded_before"] == [first.transfers.get().pk]


def test_a_confirmation_of_another_reference_confirms_nothing(two_batches, operator_page):
    _first, second = two_batches
    transfer = second.transfers.get()
    # The box ticked for one reference, the field then changed to the one recorded before.
    response = operator_page.post(
        f"/settlement/{second.pk}/transfers/{transfer.pk}/confirm/",
        {"payment_reference": REFERENCE, "confirm_reused_reference": "WJ2YP-20261209"},
    )
    assert response.status_code == 409
    transfer.refresh_from_db()
    assert transfer.payment_reference == ""


def test_the_api_answers_409_then_records_with_the_confirmation(two_batches, demo, api_as):
    first, second = two_batches
    client = api_as(demo["users"]["operator"])
    url = f"/api/settlement-batches/{second.pk}/confirm-transfer/"
    body = {"from_region": "WUJIN", "to_region": "YANGPU", "payment_reference": "wj2yp-20261208"}

    refused = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409, refused.content
    answer = refused.json()
    assert answer["code"] == "reference_recorded_before"
    assert answer["detail"].startswith(
        f"This reference was already recorded for batch #{first.pk}'s transfer Wujin District→Yangpu District "
        f"of ¥140,000.00 on {recorded_on(first)}."
    )
    assert answer["earlier_transfers"] == [
        {
            "batch": first.pk,
            "from_region": "WUJIN",
            "to_region": "YANGPU",
            "amount": "140000.00",
            "payment_reference": REFERENCE,
            "confirmed_at": first.transfers.get().confirmed_at.isoformat(),
        }
    ]
    second.refresh_from_db()
    assert second.status == SettlementBatch.Status.COMPUTED

    unconfirmed = client.post(url, {**body, "confirm_reused_reference": False}, format="json")
    assert unconfirmed.status_code == 409

    recorded = client.post(url, {**body, "confirm_reused_reference": True}, format="json")
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["status"] == "closed"
    assert recorded.json()["transfers"][0]["payment_reference"] == "wj2yp-20261208"


def test_the_api_records_a_fresh_reference_without_confirmation(two_batches, demo, api_as):
    _first, second = two_batches
    response = api_as(demo["users"]["operator"]).post(
        f"/api/settlement-batches/{second.pk}/confirm-transfer/",
        {"from_region": "WUJIN", "to_region": "YANGPU", "payment_reference": "WJ2YP-20261209"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"


@pytest.mark.parametrize(
    "variant",
    ["wj2yp-20261208", " WJ2YP - 2026 1208 ", "ＷＪ２ＹＰ－２０２６１２０８", "Wj2Yp-20261208"],
)
def test_it_catches_a_variant_in_case_spacing_or_width(two_batches, demo, variant):
    first, second = two_batches
    with pytest.raises(ReferenceRecordedBefore) as refused:
        record(demo, second, variant)
    assert refused.value.status == 409 and refused.value.code == "reference_recorded_before"
    transfer = "transfer Wujin District→Yangpu District of ¥140,000.00"
    assert f"batch #{first.pk}'s {transfer}" in refused.value.message
    assert second.transfers.get().payment_reference == ""


def test_a_chinese_reader_reads_the_districts_names(two_batches, demo):
    """The refusal named the pair by its codes, WUJIN→YANGPU, in a Chinese sentence."""
    from django.utils import translation

    first, second = two_batches
    with translation.override("zh-hans"), pytest.raises(ReferenceRecordedBefore) as refused:
        record(demo, second, REFERENCE)
    assert f"结算批次 #{first.pk} 的划款 武进区→杨浦区" in refused.value.message


def test_a_reference_that_differs_in_its_punctuation_is_another_transfer(two_batches, demo):
    _first, second = two_batches
    record(demo, second, "WJ2YP-2026120-8")
    second.refresh_from_db()
    assert second.status == SettlementBatch.Status.CLOSED


def test_another_paying_districts_same_reference_is_not_flagged(demo):
    """A bank reference is unique per paying account, so per paying district: Nanhu's bank
    may well print the string Wujin's printed."""
    batch = computed_batch(
        demo,
        ("enterprise-jiangnan", "provider-sit", "140000.00"),
        ("enterprise-nanhu", "provider-sit", "20000.00"),
    )
    assert {(t.from_region.code, t.to_region.code) for t in batch.transfers.all()} == {
        ("WUJIN", "YANGPU"),
        ("NANHU", "YANGPU"),
    }
    record(demo, batch, debtor="WUJIN")
    record(demo, batch, debtor="NANHU")
    batch.refresh_from_db()
    assert batch.status == SettlementBatch.Status.CLOSED
    assert {t.payment_reference for t in batch.transfers.all()} == {REFERENCE}


def test_the_reference_normalises_as_the_claims_do():
    from vouchers.models import Redemption

    for reference in ("HB 2026-0001", "ＨＢ２０２６－０００１", "hb-2026\u00a00001", "Straße-1"):
        assert normalised_reference(reference) == Redemption.reference_key(reference)
