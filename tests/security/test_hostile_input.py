"""Hostile input gets a 4xx, never a 500: deep JSON, NUL characters, odd serials."""

import json

import pytest

from providers.models import ServiceOrder
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.fixture
def official(demo):
    return demo["users"]["official-yangpu"]


@pytest.fixture
def official_api(api_as, official):
    return api_as(official)


@pytest.mark.parametrize("body", [DEEP_JSON, DEEP_OBJECT], ids=["array", "object"])
def test_deep_json_to_the_token_endpoint_is_a_400(client, body):
    response = client.post("/api/auth/token/", body, content_type="application/json")

    assert response.status_code == 400
    assert "nests deeper than" in response.json()["detail"]


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("enterprise-jiangnan", "/api/voucher-applications/"),
        ("enterprise-jiangnan", "/api/service-orders/"),
        ("operator", "/api/settlement-batches/"),
    ],
)
def test_deep_json_to_an_authenticated_endpoint_is_a_400(api_as, demo, username, path):
    response = api_as(demo["users"][username]).post(
        path, DEEP_JSON, content_type="application/json"
    )

    assert response.status_code == 400


def test_json_nested_within_the_limit_still_parses(client, alice):
    body = json.dumps({"username": "alice", "password": PASSWORD, "extra": []})
    body = body.replace("[]", "[" * 20 + "]" * 20)

    response = client.post("/api/auth/token/", body, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["token"]


def test_brackets_inside_strings_do_not_count(client, alice):
    body = json.dumps({"username": "alice", "password": PASSWORD, "note": "[" * 5000})

    response = client.post("/api/auth/token/", body, content_type="application/json")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/verify/ab%00c/",
        "/api/regions/ab%00c/",
        "/api/vouchers/ab%00c/",
        "/api/certificates/ab%00c/",
        "/vouchers/ab%00c/",
    ],
)
def test_a_nul_in_the_path_is_a_4xx(client, official, path):
    client.force_login(official)

    response = client.get(path)

    assert response.status_code in (400, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/providers/?q=a%00b",
        "/vouchers/?q=a%00b&status=a%00b",
        "/official/applications/?q=a%00b",
        "/redemptions/?status=a%00b",
        "/orders/?status=a%00b",
        "/verify/?serial=a%00b",
        "/api/vouchers/?status=a%00b",
        "/api/providers/?search=a%00b&region=a%00b",
        "/api/service-orders/?status=a%00b",
        "/api/redemptions/?status=a%00b",
        "/exports/vouchers.csv?status=a%00b",
    ],
)
def test_a_nul_in_the_query_is_a_400(client, official, path):
    client.force_login(official)

    response = client.get(path)

    assert response.status_code == 400


def test_a_nul_in_a_form_value_is_a_400(client):
    response = client.post(
        "/login/", "username=al%00ice&password=x", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400


def test_a_person_sending_a_nul_is_told_in_their_language_how_to_go_on(client):
    response = client.post(
        "/login/",
        "username=al%00ice&password=x",
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page and "NUL" in page and "返回" in page


def test_a_nul_in_a_json_value_is_a_400(client):
    response = client.post(
        "/api/auth/token/",
        '{"username": "al\\u0000ice", "password": "x"}',
        content_type="application/json",
    )

    assert response.status_code == 400


@pytest.mark.parametrize("serial", ["a/b", "<script>", "../../admin", "WJ_2026", "x" * 500])
def test_an_odd_serial_to_the_lookup_is_the_not_found_page(client, serial):
    response = client.get("/verify/", {"serial": serial})

    assert response.status_code == 404
    assert "<script>" not in response.text


def test_a_well_formed_serial_still_goes_to_its_page(client):
    response = client.get("/verify/", {"serial": "WJ-2026-000001-7"})

    assert response.status_code == 302
    assert response["Location"] == "/verify/WJ-2026-000001-7/"


def test_a_request_refused_before_the_portal_still_carries_the_security_headers(client, settings):
    nul = client.get("/api/vouchers/?q=%00")
    assert nul.status_code == 400
    settings.ALLOWED_HOSTS = ["portal.example"]
    bad_host = client.get("/api/vouchers/", HTTP_HOST="evil.example")
    assert bad_host.status_code == 400
    for response in (nul, bad_host):
        assert response["X-Frame-Options"] == "DENY"
        assert "default-src" in response["Content-Security-Policy"]


def test_drfs_nul_message_reads_right_in_chinese(client):
    response = client.post(
        "/api/auth/token/",
        '{"username": "a\\u0000b", "password": "x"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert "空字符（NUL）" in response.content.decode()


def test_visiting_an_address_that_takes_a_button_says_so(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])

    response = client.get("/settlement/run/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "按钮" in response.content.decode()
    # The length sent is the page's (a browser refused the answer when it said 0).
    assert int(response["Content-Length"]) == len(response.content)


def test_a_buttons_address_links_to_the_page_the_button_is_on(client, demo):
    # A form refused on the order page leaves its address in the bar; opened again later,
    # the 405 leads back to the order, not to the home page.
    order = ServiceOrder.objects.order_by("pk").first()
    client.force_login(demo["users"]["enterprise-jiangnan"])

    response = client.get(f"/orders/{order.pk}/documents/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 405
    assert f'<a href="/orders/{order.pk}/">' in response.content.decode()
    assert int(response["Content-Length"]) == len(response.content)
