"""API tokens are read from the cache after the first request (portal/authentication.py),
and what would make the cached user wrong drops it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _token_queries(client, path="/api/vouchers/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q["sql"] for q in queries if "authtoken_token" in q["sql"]]


def test_the_second_request_reads_no_token(demo, api_as):
    client = api_as(demo["users"]["operator"])

    first, first_reads = _token_queries(client)
    second, second_reads = _token_queries(client)

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(first_reads) == 1
    assert second_reads == []


def test_a_post_with_an_idempotency_key_reads_the_token_once(demo, api_as, monkeypatch):
    """The idempotency middleware and then the view authenticate: one cache read, not two."""
    import portal.authentication

    real = portal.authentication.cache
    reads = []

    class CountingCache:
        def __getattr__(self, name):
            return getattr(real, name)

        def get(self, key, *args, **kwargs):
            reads.append(key)
            return real.get(key, *args, **kwargs)

    monkeypatch.setattr(portal.authentication, "cache", CountingCache())
    client = api_as(demo["users"]["official-wujin"])

    first = client.post(
        "/api/redemptions/", {}, format="json", HTTP_IDEMPOTENCY_KEY="one-read-first"
    )
    second = client.post(
        "/api/redemptions/", {}, format="json", HTTP_IDEMPOTENCY_KEY="one-read-second"
    )

    # An official may not claim: both reach the view, which refuses.
    assert (first.status_code, second.status_code) == (403, 403)
    assert len([key for key in reads if key.startswith("api-token:")]) == 2


def test_a_deactivated_user_is_refused_at_once(demo, api_as):
    user = demo["users"]["official-wujin"]
    client = api_as(user)
    assert client.get("/api/vouchers/").status_code == 200

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert client.get("/api/vouchers/").status_code == 401


def test_a_deleted_token_is_refused_at_once(demo, api_as):
    from rest_framework.authtoken.models import Token

    user = demo["users"]["official-wujin"]
    client = api_as(user)
    assert client.get("/api/vouchers/").status_code == 200

    Token.objects.filter(user=user).delete()

    assert client.get("/api/vouchers/").status_code == 401


def test_a_changed_role_is_seen_at_once(demo, api_as):
    user = demo["users"]["enterprise-jiangnan"]
    client = api_as(user)
    assert client.get("/api/vouchers/").json()["count"] >= 1

    user.enterprise = None
    user.save(update_fields=["enterprise"])

    assert client.get("/api/vouchers/").json()["count"] == 0
