"""/verify/: the public serial check answers THROTTLE_VERIFY checks per client and window,
then 429 with Retry-After; serials are sequential, and the limit bounds walking through them."""

import logging

import pytest
from django.core.cache import cache

from tests.reliability.conftest import cache_away  # noqa: F401 - a fixture of its own there

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def low_rate(settings):
    """Three checks a minute, counted from zero (the counts live in the cache)."""
    settings.THROTTLE_VERIFY = "3/minute"
    cache.clear()


def test_it_answers_the_rate_then_429_with_retry_after(client, demo):
    serial = demo["voucher"].serial
    statuses = [client.get(f"/verify/{serial}/").status_code for _ in range(3)]
    response = client.get(f"/verify/{serial}/")

    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert f"Try again in {response['Retry-After']} seconds." in page
    assert "Too many checks from your address." in page
    assert "Genuine voucher" not in page  # nothing about the serial is told


def test_unknown_serials_count_too(client, demo):
    for number in range(3):
        assert client.get(f"/verify/WJ-2026-99999{number}-0/").status_code == 404
    assert client.get("/verify/WJ-2026-999993-0/").status_code == 429


def test_the_lookup_form_counts_too(client, demo):
    serial = demo["voucher"].serial
    for _ in range(3):
        assert client.get("/verify/", {"serial": serial}, follow=True).status_code == 200
    response = client.get("/verify/", {"serial": serial}, follow=True)

    assert response.status_code == 429
    assert "Too many checks from your address." in response.content.decode()


def test_the_lookup_forms_own_answers_count_too(client, demo):
    for _ in range(3):
        assert client.get("/verify/", {"serial": "WJ/2026"}).status_code == 404
    response = client.get("/verify/", {"serial": "WJ/2026"})

    assert response.status_code == 429
    assert "Retry-After" in response
    # The empty form itself is no check.
    assert client.get("/verify/").status_code == 200


def test_two_addresses_are_counted_apart(client, demo):
    serial = demo["voucher"].serial
    for _ in range(3):
        assert client.get(f"/verify/{serial}/", REMOTE_ADDR="203.0.113.7").status_code == 200
    assert client.get(f"/verify/{serial}/", REMOTE_ADDR="203.0.113.7").status_code == 429

    assert client.get(f"/verify/{serial}/", REMOTE_ADDR="198.51.100.9").status_code == 200


def test_a_signed_in_user_is_counted_by_account_not_address(client, demo):
    serial = demo["voucher"].serial
    for _ in range(3):
        assert client.get(f"/verify/{serial}/").status_code == 200
    assert client.get(f"/verify/{serial}/").status_code == 429

    client.force_login(demo["users"]["official-wujin"])
    assert client.get(f"/verify/{serial}/").status_code == 200


@pytest.mark.usefixtures("cache_away")
def test_a_cache_that_is_away_lets_the_checks_through(client, demo, caplog):
    serial = demo["voucher"].serial
    with caplog.at_level(logging.WARNING, logger="portal.throttling"):
        statuses = [client.get(f"/verify/{serial}/").status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert "throttle verify: cache unavailable, request allowed" in caplog.text


def test_the_apis_serial_check_has_the_same_allowance(api_client, demo):
    serial = demo["voucher"].serial
    statuses = [api_client.get(f"/api/certificates/{serial}/").status_code for _ in range(3)]
    response = api_client.get(f"/api/certificates/{serial}/")

    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "holder" not in response.json()


def test_the_page_and_the_api_count_in_one_window(client, api_client, demo):
    serial = demo["voucher"].serial
    for _ in range(2):
        assert client.get(f"/verify/{serial}/").status_code == 200
    assert api_client.get(f"/api/certificates/{serial}/").status_code == 200

    assert api_client.get(f"/api/certificates/{serial}/").status_code == 429
    assert client.get(f"/verify/{serial}/").status_code == 429
