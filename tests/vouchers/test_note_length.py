"""Officials' notes and reasons (application decisions, revocations, redemption decisions)
longer than 2000 characters are refused on the page and in the API, changing nothing."""

import pytest

from tests.redemptions.factories import confirm
from vouchers.services import redemption_claim

pytestmark = pytest.mark.django_db

TOO_LONG = "长" * 2001


def test_the_revoke_page_refuses_a_too_long_reason(client, demo):
    voucher = demo["voucher"]
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(f"/vouchers/{voucher.serial}/revoke/", {"reason": TOO_LONG})
    assert response.status_code == 400
    assert "2000" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == "active"


def test_the_revoke_api_refuses_a_too_long_reason(api_as, demo):
    voucher = demo["voucher"]
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/vouchers/{voucher.serial}/revoke/", {"reason": TOO_LONG}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    voucher.refresh_from_db()
    assert voucher.status == "active"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_the_application_api_refuses_a_too_long_note(api_as, demo, submit, action):
    application = submit("enterprise-hefei", "1000.00")
    response = api_as(demo["users"]["official-hefei"]).post(
        f"/api/voucher-applications/{application.pk}/{action}/",
        {"approved_amount": "1000.00", "note": TOO_LONG},
        format="json",
    )
    assert response.status_code == 400
    assert "note" in response.json()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_the_application_page_refuses_a_too_long_rejection(client, demo, submit):
    application = submit("enterprise-hefei")
    client.force_login(demo["users"]["official-hefei"])
    client.post(f"/applications/{application.pk}/reject/", {"note": TOO_LONG})
    application.refresh_from_db()
    assert application.status == "submitted"


def test_the_redemption_page_refuses_a_too_long_note(client, demo):
    confirm(demo["order"])
    pending = redemption_claim(
        service_order_id=demo["order"].pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )
    client.force_login(demo["users"]["official-wujin"])
    client.post(f"/redemptions/{pending.pk}/reject/", {"note": TOO_LONG})
    pending.refresh_from_db()
    assert pending.status == "pending"
