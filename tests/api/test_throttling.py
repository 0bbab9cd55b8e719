"""Per-client and per-user throttles answer 429 with Retry-After, through our handler."""

import pytest

from portal.throttling import AnonThrottle, UserThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }


def test_every_api_view_is_throttled_per_client_and_per_user():
    from regions.api import RegionViewSet

    assert {type(t) for t in RegionViewSet().get_throttles()} == {AnonThrottle, UserThrottle}


def test_it_throttles_an_anonymous_client(api_client, low_rates):
    statuses = [api_client.get("/api/regions/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_the_429_says_when_to_retry(api_client, low_rates):
    for _ in range(3):
        api_client.get("/api/regions/")
    response = api_client.get("/api/regions/")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()


def test_it_throttles_a_user_by_account_not_address(api_as, make_user, low_rates):
    alice = api_as(make_user("alice"))
    bob = api_as(make_user("bob"))
    statuses = [alice.get("/api/regions/").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    # Same address, another account: its own budget.
    assert bob.get("/api/regions/").status_code == 200


def test_a_throttled_post_is_not_stored_for_its_idempotency_key(api_as, make_user, settings):
    from portal.models import IdempotencyRecord

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "1/minute"},
    }
    user = make_user("alice")
    client = api_as(user)
    client.get("/api/regions/")

    response = client.post("/api/regions/", {}, format="json", HTTP_IDEMPOTENCY_KEY="throttled-key")

    assert response.status_code == 429
    assert not IdempotencyRecord.objects.filter(key="throttled-key").exists()
