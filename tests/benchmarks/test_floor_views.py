"""The benchmarks' floor views answer what they stand in for (benchmarks/floor_urls.py)."""

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
