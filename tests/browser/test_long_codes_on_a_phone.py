"""In Chinese on a 390 px phone a long code (a 32-character bank reference of the own share) wraps in
the order's facts instead of widening the page; a short one (the voucher's serial) stays on
one line."""

import pytest

from providers import services as orders
from providers.selectors.orders import own_share_due
from providers.services.documents import own_share_record
from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person
from tests.providers.conftest import pdf_upload

pytestmark = [
    pytest.mark.browser,
    pytest.mark.browser_context_args(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    ),
]
LANGUAGE = "zh-hans"

REFERENCE = "ICBC-20261207-000123456789012345"

# The lines a code's text takes: its boxes on distinct rows.
LINES_JS = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}"""


def test_a_long_payment_reference_wraps_on_a_phone(site, new_context):
    demo = site.demo
    sit, jiangnan = demo["users"]["provider-sit"], demo["users"]["enterprise-jiangnan"]
    order = orders.order_accept(order=demo["order"], actor=sit)
    orders.order_complete(order=order, actor=sit, summary="Done.", evidence=[pdf_upload()])
    orders.order_confirm(order=order, actor=jiangnan)
    own_share_record(
        order=order, amount=own_share_due(order), payment_reference=REFERENCE, actor=jiangnan
    )

    enterprise = open_person(new_context, site, LANGUAGE, "enterprise", username=jiangnan.username)
    page = enterprise.page
    enterprise.go(f"/orders/{order.pk}/")
    reference = page.locator("#own-share code", has_text="ICBC-")
    expect(reference).to_be_visible()

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the order page is {width} px wide on a 390 px phone"
    box = reference.bounding_box()
    assert box["x"] + box["width"] <= 390
    assert reference.evaluate(LINES_JS) > 1  # it had to break: it is wider than the card
    assert reference.evaluate("(el) => el.textContent") == REFERENCE

    serial = page.locator("dd code", has_text=order.voucher.serial).first
    expect(serial).to_be_visible()
    assert serial.evaluate(LINES_JS) == 1
