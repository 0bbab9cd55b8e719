from decimal import Decimal

import pytest

from tests.redemptions.factories import approved_redemption, confirm, make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption, Voucher
from vouchers.services import redemption_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client, password):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def pending(demo):
    confirm(demo["order"])
    return redemption_claim(
        service_order_id=demo["order"].pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )


def test_the_provider_sees_its_claimable_orders(demo, login):
    confirm(demo["order"])
    body = login(demo["users"]["provider-sit"]).get("/redemptions/").content.decode()
    assert f"/redemptions/claim/{demo['order'].pk}/" in body


def test_the_claim_page_holds_the_amount(demo, login):
    confirm(demo["order"])
    client = login(demo["users"]["provider-sit"])
    page = client.get(f"/redemptions/claim/{demo['order'].pk}/")
    assert page.status_code == 200 and "150,000.00" in page.content.decode()
    response = client.post(f"/redemptions/claim/{demo['order'].pk}/", {"amount": "1200.50"})
    redemption = Redemption.objects.get()
    assert response.status_code == 302 and response.url == f"/redemptions/{redemption.pk}/"
    assert Voucher.objects.get(pk=demo["voucher"].pk).held == Decimal("1200.50")


@pytest.mark.parametrize("amount", ["abc", "0", "-1", "150000.01"])
def test_the_claim_page_shows_a_bad_amount_next_to_the_field(demo, login, amount):
    confirm(demo["order"])
    response = login(demo["users"]["provider-sit"]).post(
        f"/redemptions/claim/{demo['order'].pk}/", {"amount": amount}
    )
    assert response.status_code == 400
    assert 'id="amount-errors"' in response.content.decode()
    assert not Redemption.objects.exists()


def test_the_claim_page_of_another_providers_order_is_404(demo, login):
    confirm(demo["order"])
    assert (
        login(demo["users"]["provider-graphene"])
        .get(f"/redemptions/claim/{demo['order'].pk}/")
        .status_code
        == 404
    )


def test_the_claim_page_is_403_for_an_enterprise(demo, login):
    response = login(demo["users"]["enterprise-jiangnan"]).get(
        f"/redemptions/claim/{demo['order'].pk}/"
    )
    assert response.status_code == 403


def test_the_official_approves_with_a_plain_post(demo, login, pending):
    response = login(demo["users"]["official-wujin"]).post(
        f"/redemptions/{pending.pk}/approve/", {"note": "ok", "next": "/official/redemptions/"}
    )
    assert response.status_code == 302 and response.url == "/official/redemptions/"
    pending.refresh_from_db()
    assert pending.status == "approved"


def test_the_official_rejects_inline_with_htmx(demo, login, pending):
    response = login(demo["users"]["official-wujin"]).post(
        f"/redemptions/{pending.pk}/reject/", {"note": "No evidence"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith("<tr")
    pending.refresh_from_db()
    assert pending.status == "rejected"


def test_a_reject_without_reason_shows_the_error_in_the_row(demo, login, pending):
    response = login(demo["users"]["official-wujin"]).post(
        f"/redemptions/{pending.pk}/reject/", {"note": ""}, HTTP_HX_REQUEST="true"
    )
    assert "form-error" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_an_official_of_another_district_gets_404(demo, login, pending):
    response = login(demo["users"]["official-nanhu"]).post(f"/redemptions/{pending.pk}/approve/")
    assert response.status_code == 404


def test_the_paying_district_cannot_approve(demo, login, pending):
    client = login(demo["users"]["official-yangpu"])
    client.post(f"/redemptions/{pending.pk}/approve/")
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_the_paying_district_records_the_payment(demo, login):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    redemption = approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "50.00")
    client = login(demo["users"]["official-yangpu"])
    assert f"redemption-{redemption.pk}" in client.get("/official/payments/").content.decode()
    client.post(f"/redemptions/{redemption.pk}/mark-paid/", {"payment_reference": "YP-9"})
    redemption.refresh_from_db()
    assert redemption.status == "paid" and redemption.payment_reference == "YP-9"


def test_the_queue_runs_a_constant_number_of_queries(demo, login, django_assert_max_num_queries):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    for _ in range(12):
        order = make_order(voucher, demo["providers"]["provider-sit"], "100.00")
        redemption_claim(
            service_order_id=order.pk, amount="10.00", actor=demo["users"]["provider-sit"]
        )
    client = login(demo["users"]["official-wujin"])
    # 13: one of them reads the claims rejected before on the rows' orders, for all rows.
    with django_assert_max_num_queries(13):
        body = client.get("/official/redemptions/").content.decode()
    assert body.count('class="decision"') == 12


def test_the_list_runs_a_constant_number_of_queries(demo, login, django_assert_max_num_queries):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    for _ in range(12):
        approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "10.00")
    client = login(demo["users"]["provider-sit"])
    with django_assert_max_num_queries(12):
        assert client.get("/redemptions/").status_code == 200


def test_the_detail_page_shows_the_audit_trail(demo, login, pending):
    body = login(demo["users"]["enterprise-jiangnan"]).get(f"/redemptions/{pending.pk}/")
    assert body.status_code == 200 and "claim" in body.content.decode()


def test_the_queue_is_403_for_a_provider(demo, login):
    assert login(demo["users"]["provider-sit"]).get("/official/redemptions/").status_code == 403


def test_what_an_order_needs_before_its_claim_is_said_before_the_claim(
    demo, login, django_assert_max_num_queries
):
    # Confirmed without its contract, invoice and own share: the list and the claim page say
    # so and lead to the order's documents, instead of a form the service would refuse.
    confirm(demo["order"], paperwork=False)
    client = login(demo["users"]["provider-sit"])
    listing = client.get("/redemptions/").content.decode()
    assert "Needs before a claim:" in listing and "the signed contract" in listing
    assert f"/orders/{demo['order'].pk}/#documents" in listing
    assert f"/redemptions/claim/{demo['order'].pk}/" not in listing
    page = client.get(f"/redemptions/claim/{demo['order'].pk}/").content.decode()
    assert "Before a claim the order needs:" in page and "the invoice" in page
    assert 'name="amount"' not in page
    # Orders of the same voucher ask its rules once.
    for _ in range(5):
        make_order(demo["voucher"], demo["providers"]["provider-sit"], paperwork=False)
    with django_assert_max_num_queries(14):
        client.get("/redemptions/")


def test_a_complete_order_shows_its_claim_form(demo, login):
    confirm(demo["order"])
    page = login(demo["users"]["provider-sit"]).get(f"/redemptions/claim/{demo['order'].pk}/")
    assert 'name="amount"' in page.content.decode()
    assert "Before a claim the order needs" not in page.content.decode()


def test_the_claim_page_of_a_claimed_order_says_the_claim_not_what_may_be_claimed(
    demo, login, pending
):
    page = login(demo["users"]["provider-sit"]).get(f"/redemptions/claim/{demo['order'].pk}/")
    body = page.content.decode()

    assert "This order is already claimed." in body
    assert "You may claim at most" not in body
    assert "Amount claimed" in body and "¥1,000.00" in body


def test_a_rejected_cross_district_claim_is_not_waiting_for_settlement(demo, login, pending):
    Redemption.objects.filter(pk=pending.pk).update(cross_region=True)
    client = login(demo["users"]["provider-sit"])
    row = client.get("/redemptions/").content.decode()
    assert ">not yet<" in row.replace("</td>", "<")
    Redemption.objects.filter(pk=pending.pk).update(status=Redemption.Status.REJECTED)
    listing = client.get("/redemptions/").content.decode()
    assert ">not yet<" not in listing.replace("</td>", "<")
    detail = client.get(f"/redemptions/{pending.pk}/").content.decode()
    assert "not yet settled" not in detail
