"""A payment reference recorded before is pointed out however the official typed it: spaced
or not, in capitals or not, in full-width characters (a Chinese input method's) or not. The
reference is stored as typed; the comparison is one indexed lookup."""

import importlib

import pytest
from django.apps import apps

from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers import selectors
from vouchers.models import Redemption
from vouchers.services import redemption_mark_paid, redemptions_mark_paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(demo, sit):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    return [approved_redemption(demo, voucher, sit, "100.00") for _ in range(4)]


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("hb2026-0001", "HB 2026-0001"),
        ("ＨＢ２０２６－０００１", "HB 2026-0001"),  # full-width letters, digits and hyphen
        ("ｈｂ　２０２６-０００１", "HB2026-0001"),  # a full-width (ideographic) space
        ("Hb 2026 - 0001", "HB2026-0001"),
        ("STRASSE-1", "straße-1"),  # case-folded, not just lowered
    ],
)
def test_references_typed_otherwise_have_one_key(typed, same_as):
    assert Redemption.reference_key(typed) == Redemption.reference_key(same_as)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("HB-2026-01-1", "HB-2026-011"),  # a hyphen separates a reference's parts
        ("HB2026-0001", "HB2026-0002"),
        ("HB2026/0001", "HB2026-0001"),
    ],
)
def test_references_that_differ_in_more_than_spacing_and_case_differ(one, other):
    assert Redemption.reference_key(one) != Redemption.reference_key(other)


def test_the_api_points_out_a_reference_typed_otherwise(api_as, claims, yangpu):
    redemption_mark_paid(redemption_id=claims[0].pk, payment_reference="HB 2026-0001", actor=yangpu)

    answer = api_as(yangpu).post(
        "/api/redemptions/mark-paid/",
        {"redemptions": [claims[1].pk], "payment_reference": "hb2026-0001"},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["reference_recorded_before"] == [claims[0].pk]
    # Each stored as the official typed it.
    claims[0].refresh_from_db()
    claims[1].refresh_from_db()
    assert (claims[0].payment_reference, claims[1].payment_reference) == (
        "HB 2026-0001",
        "hb2026-0001",
    )


def test_the_transfer_page_asks_about_a_full_width_reference_before_recording(
    client, claims, yangpu, sit
):
    redemption_mark_paid(redemption_id=claims[0].pk, payment_reference="HB 2026-0001", actor=yangpu)
    client.force_login(yangpu)
    url = f"/official/payments/provider/{sit.pk}/"
    typed = {
        "redemptions": [claims[1].pk, claims[2].pk],
        "payment_reference": "ＨＢ２０２６－０００１",
    }

    asked = client.post(url, typed, HTTP_ACCEPT_LANGUAGE="en")

    assert asked.status_code == 409
    page = asked.content.decode()
    assert f"Reference ＨＢ２０２６－０００１ was already recorded for #{claims[0].pk}" in page
    assert 'name="confirm_reused_reference" value="ＨＢ２０２６－０００１"' in page
    assert _statuses(claims[1:3]) == ["approved", "approved"]
    # Confirmed for another reference than the one typed: asked again.
    again = client.post(url, {**typed, "confirm_reused_reference": "HB-OTHER"})
    assert again.status_code == 409
    confirmed = client.post(url, {**typed, "confirm_reused_reference": "ＨＢ２０２６－０００１"})
    assert confirmed.status_code == 302
    assert _statuses(claims[1:3]) == ["paid", "paid"]


def test_the_row_asks_about_a_reference_in_other_case_before_recording(client, claims, yangpu):
    redemptions_mark_paid(
        redemption_ids=[claims[0].pk, claims[1].pk], payment_reference="icbc 77", actor=yangpu
    )
    client.force_login(yangpu)
    url = f"/redemptions/{claims[2].pk}/mark-paid/"
    typed = {"payment_reference": "ICBC77", "next": "/official/payments/"}

    row = client.post(url, typed, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")

    page = row.content.decode()
    assert f"Reference ICBC77 was already recorded for #{claims[0].pk}, #{claims[1].pk}" in page
    assert 'name="confirm_reused_reference" value="ICBC77"' in page
    assert _statuses([claims[2]]) == ["approved"]
    paid = client.post(url, {**typed, "confirm_reused_reference": "ICBC77"}, HTTP_HX_REQUEST="true")
    assert "The payment is recorded." in paid.content.decode()
    assert _statuses([claims[2]]) == ["paid"]


def test_without_javascript_the_page_it_returns_to_offers_the_confirmation(client, claims, yangpu):
    redemption_mark_paid(redemption_id=claims[0].pk, payment_reference="ABC-1", actor=yangpu)
    client.force_login(yangpu)

    back = client.post(
        f"/redemptions/{claims[1].pk}/mark-paid/",
        {"payment_reference": "abc-1", "next": "/official/payments/"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    page = back.content.decode()
    assert f"was already recorded for #{claims[0].pk}" in page
    assert f'id="reuse-{claims[1].pk}" name="confirm_reused_reference" value="abc-1"' in page
    assert f'id="reuse-{claims[2].pk}"' not in page  # the other rows are not asked about
    client.post(
        f"/redemptions/{claims[1].pk}/mark-paid/",
        {"payment_reference": "abc-1", "confirm_reused_reference": "abc-1"},
    )
    assert _statuses([claims[1]]) == ["paid"]
    assert (
        'name="confirm_reused_reference"' not in client.get("/official/payments/").content.decode()
    )


def _statuses(claims) -> list[str]:
    return [Redemption.objects.get(pk=claim.pk).status for claim in claims]


def test_another_districts_reference_is_not_pointed_out(demo, claims, yangpu):
    redemption_mark_paid(redemption_id=claims[0].pk, payment_reference="HB-1", actor=yangpu)

    assert (
        selectors.claims_paid_with_reference(demo["users"]["official-wujin"], "hb-1", besides=[])
        == []
    )
    assert selectors.claims_paid_with_reference(yangpu, "hb-1", besides=[]) == [claims[0].pk]


def test_the_lookup_is_one_query(claims, yangpu, django_assert_num_queries):
    redemption_mark_paid(redemption_id=claims[0].pk, payment_reference="HB-2", actor=yangpu)

    with django_assert_num_queries(1):
        assert selectors.claims_paid_with_reference(yangpu, "hb 2", besides=[]) == []
    with django_assert_num_queries(1):
        found = selectors.claims_paid_with_reference(yangpu, " H B - 2 ", besides=[])
    assert found == [claims[0].pk]


def test_the_migration_fills_the_key_of_claims_paid_before(claims, yangpu):
    redemptions_mark_paid(
        redemption_ids=[claims[0].pk, claims[1].pk], payment_reference="Ｐａｙ 9", actor=yangpu
    )
    Redemption.objects.update(payment_reference_key="")  # as the column was added
    migration = importlib.import_module("vouchers.migrations.0011_redemption_payment_reference_key")

    migration.fill_keys(apps, None)

    keys = dict(Redemption.objects.values_list("pk", "payment_reference_key"))
    assert (keys[claims[0].pk], keys[claims[1].pk], keys[claims[2].pk]) == ("pay9", "pay9", "")
    assert selectors.claims_paid_with_reference(yangpu, "PAY9", besides=[]) == [
        claims[0].pk,
        claims[1].pk,
    ]
