"""The open statistics page in a real browser: in Chinese, on a phone (390 px), with its
charts, figures that change when a redemption is approved, and nothing left in English."""

import pytest

from tests.browser.conftest import AXE_JS, check_page, expect
from tests.browser.test_chinese_pages import typed_content
from tests.browser.test_phone_layout import PHONE, overflow
from tests.browser.translation_scan import untranslated_words

pytestmark = pytest.mark.browser


def test_it_reads_in_chinese_with_charts_on_a_phone(site, browser, browser_context_args):
    from tests.redemptions.factories import approved_redemption

    demo = site.demo
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE})
    context.add_init_script(path=str(AXE_JS))
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": site.url}])
    page = context.new_page()
    try:
        page.goto(site.at("/"))
        page.get_by_role("link", name="公开统计：创新券在各区的成效").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("公开统计")
        redeemed = page.locator("[data-figure=vouchers_redeemed] .figure")
        expect(redeemed).to_contain_text("¥0.00")

        # A cross-region redemption approved (committed): the next reader sees it at once.
        approved_redemption(demo, demo["voucher"], demo["providers"]["provider-sit"], "30000.00")
        page.goto(site.at("/statistics/?region=WUJIN"))
        expect(redeemed).to_contain_text("¥30,000.00")
        expect(page.locator("[data-figure=cross_region] .figure")).to_contain_text("100%")
        expect(page.locator("#flows tr[data-from=WUJIN][data-to=YANGPU]")).to_contain_text("杨浦区")
        expect(page.locator("svg.chart")).to_have_count(2)
        expect(page.locator("svg.chart").first).to_contain_text("万")
        # The months are readable on the phone (11 units in a 640-unit chart drew 6 px).
        month = page.locator("svg.chart text.axis-label").first
        assert month.bounding_box()["height"] >= 9, month.bounding_box()
        page.get_by_text("数据", exact=True).first.click()  # the monthly figures unfold

        assert overflow(page) == []
        assert untranslated_words(page, typed_content()) == []
        check_page(page, "statistics-zh-phone")
    finally:
        context.close()
