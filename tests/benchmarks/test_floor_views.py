"""The benchmarks' floor views answer what they stand in for (benchmarks/floor_urls.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.vouchers.factories import make_voucher

pytestmark = [pytest.mark.django_db, pytest.mark.urls("benchmarks.floor_urls")]


def test_it_lists_the_same_vouchers_as_the_api(demo, api_as):
    for _ in range(12):
        make_voucher(demo["enterprises"]["enterprise-jiangnan"], "1000.00")
    query = "?issuing_region=WUJIN&status=active&page_size=10"
    api = api_as(demo["users"]["official-wujin"]).get("/api/vouchers/" + query)
    floor = api_as(demo["users"]["official-wujin"]).get(reverse("bench-floor-vouchers") + query)
    assert api.status_code == floor.status_code == 200
    serials = [row["serial"] for row in api.json()["results"]]
    assert len(serials) == 10
    assert [row["serial"] for row in floor.json()["results"]] == serials


def test_the_page_floor_renders_the_site_frame_for_a_logged_in_user(client, demo):
    client.force_login(demo["users"]["operator"])
    response = client.get(reverse("bench-floor-page"))
    assert response.status_code == 200
    assert b"<html" in response.content


def test_the_page_floor_sends_strangers_to_the_login(client):
    assert client.get(reverse("bench-floor-page")).status_code == 302


def test_the_portal_urls_are_all_still_there(client, demo):
    client.force_login(demo["users"]["operator"])
    assert client.get(reverse("operator-dashboard")).status_code == 200


@pytest.mark.postgres  # the floor's SQL is PostgreSQL's, as is every benchmark database
def test_the_claim_floor_does_a_claims_three_writes(client, demo):
    """Guarded voucher update, redemption and audit row (a claim queues no e-mail: the
    officials' claim notice lists it later); 409 when short."""
    from portal.models import OutboxMessage
    from regions.models import AuditEntry
    from tests.redemptions.factories import make_order

    provider = demo["providers"]["provider-graphene"]
    voucher = demo["voucher"]
    order = make_order(voucher, provider, contract="1000.00")
    item = {"order": order.pk, "voucher": voucher.pk, "provider": provider.pk, "amount": "250.00"}
    outbox_before = OutboxMessage.objects.count()

    response = client.post(reverse("bench-floor-claim"), item, content_type="application/json")

    assert response.status_code == 201
    redemption = order.redemptions.get()
    assert (redemption.amount, redemption.status) == (Decimal("250.00"), "pending")
    balance, held = voucher.balance, voucher.held
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.held) == (balance - Decimal("250.00"), held + 250)
    assert AuditEntry.objects.filter(object_id=str(redemption.pk), action="claim").exists()
    assert OutboxMessage.objects.count() == outbox_before
    short = {**item, "amount": str(voucher.balance + 1)}
    answer = client.post(reverse("bench-floor-claim"), short, content_type="application/json")
    assert answer.status_code == 409
