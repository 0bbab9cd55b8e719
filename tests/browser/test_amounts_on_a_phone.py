"""On a 390 px phone an amount in a page's fact list stays on one line: a long label beside it
had left the amount a column too narrow, and "¥123,456,789.00" broke inside the number. The
order page carries the longest labels and amounts ("The voucher pays at most")."""

import pytest

from tests.browser.conftest import check_page, log_in
from tests.redemptions.factories import make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.browser_context_args(viewport={"width": 390, "height": 844}, is_mobile=True),
]

# Each amount (¥ and digits) in a fact list, and the lines its characters fall on.
BROKEN_AMOUNTS_JS = r"""() => {
  const broken = [];
  for (const dd of document.querySelectorAll(".facts dd")) {
    const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/¥[\d,]+\.\d\d/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((box) => Math.round(box.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_amounts_in_fact_lists_do_not_break_on_a_phone(site, page, password, language):
    demo = site.demo
    order = make_order(
        demo["voucher"], demo["providers"]["provider-sit"], "123456789.00", confirmed=False
    )
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
    log_in(page, site.url, "enterprise-jiangnan", password)
    page.goto(site.at(f"/orders/{order.pk}/"))

    assert page.locator(".facts dd").filter(has_text="¥123,456,789.00").count() == 1
    assert page.locator(".voucher-short").count() == 1  # the long warning is there too
    assert page.evaluate(BROKEN_AMOUNTS_JS) == []
    check_page(page, f"order-long-amounts-{language}")
