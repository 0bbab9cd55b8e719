"""A load balancer or a kubelet probes a process by its address
(http://10.0.0.5:8000/healthz/), which ALLOWED_HOSTS does not list, and Prometheus scrapes it
the same way: /healthz/, /readyz/ and /metrics answer whatever the Host header names (they
answered 400 DisallowedHost), while every other path still refuses a host it does not know."""

import pytest

BY_ADDRESS = "10.0.0.5:8000"


def test_healthz_answers_a_probe_by_address(client):
    response = client.get("/healthz/", headers={"host": BY_ADDRESS})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_a_probe_by_address_as_it_answers_by_name(client, db):
    by_name = client.get("/readyz/")
    by_address = client.get("/readyz/", headers={"host": BY_ADDRESS})
    assert by_address.status_code == by_name.status_code
    assert by_address.status_code in (200, 503)
    assert by_address.json()["checks"] == by_name.json()["checks"]


def test_metrics_answers_a_scrape_by_address_within_its_own_allowlist(client, db, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.METRICS_TOKEN = "scrape-token"
    response = client.get("/metrics", headers={"host": BY_ADDRESS})
    assert response.status_code == 200
    assert b"portal_" in response.content
    # Its own refusals stand, whatever the host: another network without the token, a wrong one.
    outside = {"host": BY_ADDRESS}
    assert client.get("/metrics", headers=outside, REMOTE_ADDR="192.0.2.7").status_code == 404
    wrong = {"host": BY_ADDRESS, "authorization": "Bearer nope"}
    assert client.get("/metrics", headers=wrong, REMOTE_ADDR="192.0.2.7").status_code == 403


@pytest.mark.parametrize(
    "path", ["/", "/api/", "/healthz/extra/", "/healthz", "/metrics/", "/metricsx"]
)
def test_every_other_path_still_refuses_a_host_it_does_not_know(client, db, path):
    assert client.get(path, headers={"host": BY_ADDRESS}).status_code == 400


def test_a_probe_by_address_carries_the_request_id_and_the_security_headers(client):
    response = client.get("/healthz/", headers={"host": BY_ADDRESS})
    assert response["X-Request-ID"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
    assert "no-cache" in response["Cache-Control"]
