"""A write sent to a URL without its trailing slash is redirected with 308 (method and body
kept), never answered 500 or turned into a GET by a 301."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
def test_a_post_without_the_slash_is_redirected_with_308(client, debug):
    with override_settings(DEBUG=debug):
        response = client.post("/api/vouchers", {}, content_type="application/json")

    assert response.status_code == 308
    assert response["Location"] == "/api/vouchers/"


def test_a_get_without_the_slash_keeps_the_usual_301(client):
    response = client.get("/api/vouchers?page=2")

    assert response.status_code == 301
    assert response["Location"] == "/api/vouchers/?page=2"


def test_the_client_following_the_308_reaches_the_view_with_its_post(api_as, make_user):
    client = api_as(make_user("someone"))

    response = client.post("/api/vouchers", {}, format="json", follow=True)

    # The view answered the POST itself (not 301 → GET, which would list vouchers with 200).
    assert response.redirect_chain == [("/api/vouchers/", 308)]
    assert response.status_code in {403, 405}


def test_a_keyed_write_without_the_slash_is_done_once_after_the_redirect(api_as, demo):
    from vouchers.models import VoucherApplication

    client = api_as(demo["users"]["enterprise-jiangnan"])
    body = {"requested_amount": "1000.00", "purpose": "Slash test"}

    first = client.post(
        "/api/voucher-applications", body, format="json", HTTP_IDEMPOTENCY_KEY="slash-1"
    )
    followed = client.post(
        "/api/voucher-applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="slash-1"
    )
    retried = client.post(
        "/api/voucher-applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="slash-1"
    )

    assert first.status_code == 308
    assert followed.status_code == 201, followed.content
    assert retried.status_code == 201 and retried["Idempotent-Replayed"] == "true"
    assert VoucherApplication.objects.filter(purpose="Slash test").count() == 1
