"""The layout at the widths where it broke, measured in the browser: amounts
on the home page in one piece from 320 to 1920 px, the operator's header at 1280 px a header
and not a column of links, a disabled button that looks disabled, and the statistics charts'
text readable on a 390 px phone."""

import pytest

from tests.browser.conftest import assert_accessible, expect, log_in, shot
from tests.browser.test_phone_layout import DESKTOP, PHONE, overflow

pytestmark = pytest.mark.browser

WIDTHS = [320, 390, 600, 761, 1024, 1080, 1280, 1440, 1920]

# Each amount (¥ and digits) in the page's main part whose characters fall on more than one
# line, and each .money element taller than one line of its own text.
BROKEN_AMOUNTS_JS = r"""() => {
  const broken = [];
  const main = document.querySelector("main");
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/¥[\d,]+\.\d\d/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map((box) => Math.round(box.top)));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  for (const money of main.querySelectorAll(".money")) {
    const line = parseFloat(getComputedStyle(money).lineHeight);
    if (money.getClientRects().length > 1 || money.getBoundingClientRect().height > line * 1.2) {
      broken.push(`.money ${money.textContent}`);
    }
  }
  return broken;
}"""


def _in_language(page, site, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_amounts_on_the_home_page_never_break(site, page, language):
    _in_language(page, site, language)
    page.goto(site.at("/"))
    expect(page.locator(".district-card .money").first).to_be_visible()
    assert page.locator(".district-card .money").count() >= 16  # four amounts a district

    broken = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found = page.evaluate(BROKEN_AMOUNTS_JS)
        if found:
            broken[width] = found
        if width == 1280:
            shot(page, "home-1280")
    assert broken == {}


def test_the_operators_header_is_a_header_at_desktop_width(site, page):
    page.set_viewport_size(DESKTOP)
    log_in(page, site.url, "operator", site.password)
    page.goto(site.at("/people/"))

    header = page.locator("header.site-header").bounding_box()
    assert header["height"] < 140, header
    nav = page.get_by_role("navigation", name="Main")
    assert nav.bounding_box()["width"] > 900  # across the width, not a column
    # Every link on one line: the menu wraps between links, never inside one.
    links = nav.locator("a")
    wrapped = links.evaluate_all(
        "links => links.filter((a) => a.getClientRects().length > 1).map((a) => a.textContent)"
    )
    assert wrapped == []
    assert overflow(page) == []
    shot(page, "operator-header-1280")

    # A phone still folds the same menu behind its button.
    page.set_viewport_size(PHONE)
    expect(nav).to_be_hidden()
    page.locator(".nav-toggle").click()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Publish rules")).to_be_visible()
    assert overflow(page) == []


def test_a_disabled_button_looks_disabled(site, page):
    log_in(page, site.url, "operator", site.password)
    page.goto(site.at("/settlement/"))

    run = page.get_by_role("button", name="Run settlement now")
    expect(run).to_be_disabled()
    enabled = page.locator("form.lang-form button").first  # an enabled button of the page
    looks = "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.color, s.cursor]; }"
    background, color, cursor = run.evaluate(looks)
    assert cursor == "not-allowed"
    assert background != "rgb(11, 92, 171)" and color != "rgb(255, 255, 255)"  # not .btn's
    assert enabled.evaluate(looks)[2] == "pointer"
    run.hover()
    assert run.evaluate(looks)[0] == background  # no hover colour either
    shot(page, "settlement-disabled")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_statistics_charts_text_is_readable_on_a_phone(site, page, language):
    _in_language(page, site, language)
    page.set_viewport_size(PHONE)
    page.goto(site.at("/statistics/"))
    expect(page.locator("svg.chart")).to_have_count(2)

    heights = page.locator("svg.chart text").evaluate_all(
        "texts => texts.map((t) => [t.textContent, t.getBoundingClientRect().height])"
    )
    assert heights
    small = [(text, round(height, 1)) for text, height in heights if height < 10]
    assert small == []
    # The charts scroll inside their cards, not the page; a keyboard can scroll them too.
    assert overflow(page) == []
    expect(page.locator(".chart-card").first).to_have_attribute("tabindex", "0")
    shot(page, "statistics-phone")
    assert_accessible(page, "statistics-phone")


REFLOW_PAGES = [
    "/",
    "/providers/",
    "/statistics/",
    "/experts/",
    "/technology-managers/",
    "/demands/",
    "/rules/",
    "/notices/",
    "/verify/",
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_public_pages_reflow_at_200_percent_zoom_on_a_phone(site, page, language):
    """WCAG reflow: a 390 px phone zoomed to 200% lays pages out in 195 CSS px; the cards'
    250 px minimum made every card list scroll sideways."""
    _in_language(page, site, language)
    page.set_viewport_size({"width": 195, "height": 422})
    wide = {}
    for path in REFLOW_PAGES:
        page.goto(site.at(path))
        found = overflow(page)
        if found:
            wide[path] = found
    assert wide == {}


def test_a_fully_held_vouchers_page_reflows_at_200_percent_zoom(site, page):
    """The badge "Fully held by claims awaiting decision" (Chinese: one long word) kept to
    one line and widened the public check's page past 195 px."""
    from tests.redemptions.factories import approved_redemption
    from tests.vouchers.factories import make_voucher
    from vouchers.models import Redemption, Voucher

    demo = site.demo
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "1000.00")
    claim = approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "1000.00")
    Redemption.objects.filter(pk=claim.pk).update(status="pending")
    Voucher.objects.filter(pk=voucher.pk).update(
        status="exhausted", balance=0, held=1000, redeemed=0
    )
    _in_language(page, site, "zh-hans")
    page.set_viewport_size({"width": 195, "height": 422})
    page.goto(site.at(f"/verify/{voucher.serial}/"))
    expect(page.locator(".badge-held")).to_have_text("已被待审核的兑付申请全部冻结")
    assert overflow(page) == []
