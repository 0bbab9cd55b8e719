"""The public pages in a real browser, in English and Chinese: home, verify, API docs."""

import pytest

from tests.browser.conftest import check_page, expect

pytestmark = pytest.mark.browser

DISTRICTS_EN = ["Yangpu District", "Wujin District", "Nanhu District", "Hefei High-tech Zone"]
DISTRICTS_ZH = ["杨浦区", "武进区", "南湖区", "合肥高新区"]


def chinese(site, new_context):
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": site.url}])
    return context.new_page()


def test_it_lists_the_four_districts_in_english(site, page):
    response = page.goto(site.at("/"))

    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".district-card h3")).to_have_text(DISTRICTS_EN)
    wujin = page.locator(".district-card[data-region=WUJIN]")
    expect(wujin).to_contain_text("Annual budget")
    expect(wujin).to_contain_text("¥10,000,000.00")
    check_page(page, "home")


def test_it_lists_the_four_districts_in_chinese(site, new_context):
    page = chinese(site, new_context)
    response = page.goto(site.at("/"))

    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".district-card h3")).to_have_text(DISTRICTS_ZH)
    wujin = page.locator(".district-card[data-region=WUJIN]")
    expect(wujin).to_contain_text("江苏省常州市")
    expect(wujin).to_contain_text("年度预算")
    expect(wujin).to_contain_text("¥10,000,000.00")
    expect(page.get_by_role("heading", level=1)).to_have_text("四区通用通兑的创新券")
    check_page(page, "home")


def test_it_shows_the_seed_voucher_as_genuine(site, page):
    serial = site.demo["voucher"].serial
    page.goto(site.at("/verify/"))
    check_page(page, "verify-form")

    page.get_by_label("Serial number").fill(serial.lower())
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(site.at(f"/verify/{serial.lower()}/"))
    result = page.locator(".verify-result")
    expect(result).to_contain_text("Genuine voucher")
    expect(result).to_contain_text(serial)
    # A visitor reads the holder masked (tests/regions/test_verify_page.py: in full to those
    # a voucher is shown to).
    expect(result).to_contain_text("Ch****d.")
    check_page(page, "verify-genuine")


def test_it_says_a_forged_serial_is_not_found(site, page, new_context):
    # Well formed, check digit included: only the lookup can tell it is not genuine. (A wrong
    # check digit is answered as mistyped: tests/regions/test_verify_page.py.)
    forged = "WJ-2026-999999-9"
    response = page.goto(site.at(f"/verify/{forged}/"))

    assert response.status == 404
    expect(page.locator(".verify-bad")).to_contain_text("Not found")
    expect(page.locator(".verify-bad")).to_contain_text(forged)
    expect(page.locator(".verify-ok")).to_have_count(0)
    check_page(page, "verify-forged")

    page = chinese(site, new_context)
    response = page.goto(site.at(f"/verify/{forged}/"))
    assert response.status == 404
    expect(page.locator(".verify-bad")).to_contain_text("未找到")
    check_page(page, "verify-forged")


def test_it_serves_the_api_docs_page(site, page):
    # Swagger UI's files are served by the portal itself: any other host is refused.
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(site.url) else route.abort()
        ),
    )
    response = page.goto(site.at("/api/docs/"))

    assert response.status == 200
    expect(page).to_have_title("Innovation Voucher Portal API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert page.request.get(site.at("/api/schema/")).ok
    # Swagger UI is third-party developer tooling: it nests buttons inside its operation
    # toggles and greys some of its labels. Our own pages get the full check.
    check_page(page, "api-docs", ignore=("nested-interactive", "color-contrast"))
