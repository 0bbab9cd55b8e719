"""The client address behind the lock-out and the throttles: X-Forwarded-For only from a
trusted proxy."""

import pytest
from django.test import RequestFactory

from portal.security import client_ip


def request(remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_it_ignores_x_forwarded_for_by_default():
    assert client_ip(request("192.0.2.1", "203.0.113.9")) == "192.0.2.1"


def test_it_reads_x_forwarded_for_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.0/8"]

    assert client_ip(request("10.0.0.2", "203.0.113.9")) == "203.0.113.9"


def test_it_takes_the_address_the_proxy_saw_not_the_clients_claim(settings):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.2"]

    assert client_ip(request("10.0.0.2", "198.51.100.1, 203.0.113.9")) == "203.0.113.9"


def test_it_ignores_x_forwarded_for_from_an_untrusted_address(settings):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.2"]

    assert client_ip(request("192.0.2.1", "203.0.113.9")) == "192.0.2.1"


def test_a_garbled_header_falls_back_to_the_proxy(settings):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.2"]

    assert client_ip(request("10.0.0.2", "not-an-address")) == "10.0.0.2"


@pytest.mark.django_db
def test_a_new_x_forwarded_for_does_not_reset_the_api_throttle(api_client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }
    statuses = [
        api_client.get("/api/regions/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
