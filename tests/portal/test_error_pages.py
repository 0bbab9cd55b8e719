"""A refused or missing page is the portal's own page (its menu, the reader's language, a
phone's viewport), saying why when the portal knows."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_refused_page_says_why_inside_the_portals_layout(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    response = client.get("/settlement/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'name="viewport"' in page and "main-nav" in page
    assert "此页面仅供平台运营方使用。" in page
    assert "/dashboard/" in page


def test_a_missing_page_is_the_portals_own(client, demo):
    response = client.get("/nonexistent/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'name="viewport"' in page
    assert "/login/" in page  # the layout's header, for a visitor
