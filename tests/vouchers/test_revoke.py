from decimal import Decimal

import pytest
from django.core import mail

from regions.models import AuditEntry
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db


def test_it_revokes_and_releases_the_balance(
    api_as, demo, rules_of, django_capture_on_commit_callbacks
):
    voucher = demo["voucher"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(demo["users"]["official-wujin"]).post(
            f"/api/vouchers/{voucher.serial}/revoke/", {"reason": "Company closed"}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    voucher.refresh_from_db()
    assert voucher.status == "revoked"
    assert voucher.balance == Decimal("0.00")
    assert voucher.released == Decimal("200000.00")
    assert voucher.status_reason == "Company closed"
    assert rules_of("WUJIN").committed == Decimal("0.00")
    entry = AuditEntry.objects.get(object_type="vouchers.voucher", action="revoke")
    assert (entry.from_status, entry.to_status, entry.reason) == (
        "active",
        "revoked",
        "Company closed",
    )
    # The voucher's own e-mail; its open orders' cancellations are tested beside it
    # (test_ended_voucher_orders.py).
    voucher_mail = [m for m in mail.outbox if "Order #" not in m.subject]
    assert [m.to for m in voucher_mail] == [["enterprise-jiangnan@example.com"]]


def test_pending_holds_stay_on_the_voucher(api_as, demo, rules_of):
    voucher = demo["voucher"]
    # A pending claim holds 50,000: only the other 150,000 goes back to the budget.
    Voucher.objects.filter(pk=voucher.pk).update(
        held=Decimal("50000.00"), balance=Decimal("150000.00")
    )
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/vouchers/{voucher.serial}/revoke/", {"reason": "Fraud suspected"}
    )
    assert response.status_code == 200
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.held, voucher.released) == (
        Decimal("0.00"),
        Decimal("50000.00"),
        Decimal("150000.00"),
    )
    assert rules_of("WUJIN").committed == Decimal("50000.00")


def test_an_exhausted_voucher_may_be_revoked(api_as, demo, rules_of):
    voucher = demo["voucher"]
    Voucher.objects.filter(pk=voucher.pk).update(
        held=Decimal("200000.00"), balance=Decimal("0.00"), status="exhausted"
    )
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/vouchers/{voucher.serial}/revoke/", {"reason": "Fraud suspected"}
    )
    assert response.status_code == 200
    assert rules_of("WUJIN").committed == Decimal("200000.00")


def test_a_reason_is_required(api_as, client, demo):
    voucher = demo["voucher"]
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/vouchers/{voucher.serial}/revoke/", {"reason": ""}
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    client.force_login(demo["users"]["official-wujin"])
    page = client.post(f"/vouchers/{voucher.serial}/revoke/", {"reason": ""})
    assert page.status_code == 400
    assert page.context["revoke_form"].errors["reason"]
    voucher.refresh_from_db()
    assert voucher.status == "active"


def test_it_revokes_on_the_page(client, demo, rules_of):
    voucher = demo["voucher"]
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(f"/vouchers/{voucher.serial}/revoke/", {"reason": "Closed"})
    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.status == "revoked"
    page = client.get(f"/vouchers/{voucher.serial}/").content.decode()
    assert "revoke" in page and "Closed" in page
    # The same form sent again from a second tab says why nothing happened.
    again = client.post(f"/vouchers/{voucher.serial}/revoke/", {"reason": "Closed twice"})
    assert again.status_code == 409
    assert "This is already revoked." in again.content.decode()


def test_a_revoked_voucher_cannot_be_revoked_again(api_as, demo, rules_of):
    voucher = demo["voucher"]
    client = api_as(demo["users"]["official-wujin"])
    client.post(f"/api/vouchers/{voucher.serial}/revoke/", {"reason": "Closed"})
    response = client.post(f"/api/vouchers/{voucher.serial}/revoke/", {"reason": "Again"})
    assert response.status_code == 409
    assert rules_of("WUJIN").committed == Decimal("0.00")


def test_the_holder_gets_403_and_another_district_404(api_as, demo):
    voucher = demo["voucher"]
    url = f"/api/vouchers/{voucher.serial}/revoke/"
    assert (
        api_as(demo["users"]["enterprise-jiangnan"]).post(url, {"reason": "x"}).status_code == 403
    )
    assert api_as(demo["users"]["operator"]).post(url, {"reason": "x"}).status_code == 403
    assert api_as(demo["users"]["official-yangpu"]).post(url, {"reason": "x"}).status_code == 404
    voucher.refresh_from_db()
    assert voucher.status == "active"


def test_the_voucher_list_says_when_a_state_does_not_exist(client, demo):
    client.force_login(demo["users"]["official-wujin"])

    bogus = client.get("/vouchers/", {"status": "bogus"}, HTTP_ACCEPT_LANGUAGE="en")

    assert bogus.status_code == 400
    assert list(bogus.context["vouchers"]) == []
    assert "No voucher is ever in a state called" in bogus.content.decode()
    assert client.get("/vouchers/", {"status": "active"}).status_code == 200
