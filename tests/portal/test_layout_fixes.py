"""The pages' layout, checked without a browser: the 405
page in the portal's layout, robots.txt, the lock-out page's way to a new password, and the
amounts on the home page held in one piece (tests/browser/test_layout_widths.py measures
them in a browser)."""

import re

import pytest

from providers.models import ServiceOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(demo):
    return ServiceOrder.objects.order_by("pk").first()


def test_it_shows_a_buttons_address_in_the_portals_layout(client, demo, order):
    client.force_login(demo["users"]["enterprise-jiangnan"])

    response = client.get(f"/orders/{order.pk}/own-share/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert 'name="viewport"' in page and 'class="main-nav"' in page  # base.html's header
    assert "Not an address to visit" in page
    assert f'<a href="/orders/{order.pk}/">' in page  # the page the button sits on
    assert int(response["Content-Length"]) == len(response.content)


def test_it_shows_the_405_page_in_the_readers_language(client, demo, order):
    client.force_login(demo["users"]["enterprise-jiangnan"])

    response = client.get(f"/orders/{order.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 405
    assert "Allow" in response
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "按钮" in page


def test_it_shows_the_405_page_to_a_visitor_with_a_csrf_cookie(client, demo):
    # The layout's language switch is a form: its token must come with a cookie to match.
    response = client.get("/logout/")

    assert response.status_code == 405
    assert "Log in" in response.content.decode()
    assert "csrftoken" in response.cookies


def test_it_leaves_the_apis_405_as_json(api_client, demo):
    response = api_client.get("/api/auth/token/")

    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert "Allow" in response


def test_it_serves_robots_txt_as_plain_text(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for private in ["/api/", "/admin/", "/account/", "/dashboard/", "/orders/", "/settlement/"]:
        assert f"Disallow: {private}" in lines
    assert "Allow: /" in lines


def test_robots_txt_leaves_the_public_pages_open(client):
    disallowed = [
        line.removeprefix("Disallow: ")
        for line in client.get("/robots.txt").content.decode().splitlines()
        if line.startswith("Disallow: ")
    ]
    public = ["/", "/statistics/", "/rules/", "/notices/", "/providers/", "/providers/7/"]
    public += ["/experts/", "/technology-managers/", "/verify/", "/how-to-apply/", "/signup/"]
    for path in public:
        assert not [prefix for prefix in disallowed if path.startswith(prefix)], path


def test_the_lockout_page_links_to_a_new_password(client, demo):
    for _ in range(5):
        response = client.post("/login/", {"username": "operator", "password": "wrong"})

    assert response.status_code == 429
    assert '<a href="/account/forgot-password/">' in response.content.decode()


def test_the_home_pages_amounts_are_held_in_one_piece(client, demo):
    page = client.get("/").content.decode()

    amounts = re.findall(r"¥[\d,]+\.\d\d", page)
    wrapped = re.findall(r'<span class="money">(¥[\d,]+\.\d\d)</span>', page)
    assert amounts and wrapped == amounts
