"""The public pages in a real browser, in English and Chinese: home, verify, API docs."""


import pytest

from tests.browser.conftest import check_page, expect

pytestmark = pytest.mark.browser

DISTRICTS_EN = ["Yangpu District", "Wujin District", "Nanhu District", "Hefei High-tech Zone"]
DISTRICTS_ZH = ["杨浦区", "武进区", "南湖区", "合肥高新区"]


def test_it_lists_the_four_districts_in_english(site, page):
    response = page.goto(site.at("/"))
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "en")
    cards = page.locator(".district-card h3")
    expect(cards).to_have_text(DISTRICTS_EN)
    expect(page.locator(".district-card").first).to_contain_text("¥10,000,000.00")
    check_page(page, "home")
