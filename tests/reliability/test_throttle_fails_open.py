"""A cache that is away (CACHE_URL on a Redis that is down) lets API requests through."""

import pytest

pytestmark = pytest.mark.django_db


def test_api_requests_are_answered_when_the_throttle_cache_is_down(cache_away, api_as, demo):
    client = api_as(demo["users"]["official-wujin"])
    for _ in range(3):
        response = client.get("/api/voucher-applications/")
        assert response.status_code == 200, response.content


def test_readyz_names_the_cache_when_it_is_down(cache_away, client, demo):
    response = client.get("/readyz/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("down: ")
    assert body["outbox"] == {"pending": 0, "oldest_seconds": 0}


def test_readyz_is_ok_when_everything_answers(client, demo):
    """The tests run Celery eagerly: no broker or worker is asked, and readyz says so."""
    response = client.get("/readyz/")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "eager",
        "cache": "ok",
        "celery": "eager",
        "migrations": "ok",
        "static": "ok",
    }
