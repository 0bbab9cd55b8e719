"""An order title of 255 characters typed without a space wraps inside its card row on the
provider's dashboard on a phone; it ran past the card's right edge (the card's link is an
inline-block, which grew to the word's width)."""

import pytest

from providers.models import ServiceOrder
from tests.browser.conftest import log_in
from tests.browser.test_phone_layout import PHONE

pytestmark = pytest.mark.browser

LONG = "A" * 255

# Each card row's cells and what they hold, past the row's right edge.
OUTSIDE_THEIR_CARD_JS = """() => {
  const found = [];
  for (const row of document.querySelectorAll("table.data.stack tbody tr")) {
    const edge = row.getBoundingClientRect().right;
    for (const el of row.querySelectorAll("td, td *")) {
      const box = el.getBoundingClientRect();
      if (box.width && box.right > edge + 1) found.push(`${el.tagName} ${Math.round(box.right)} > ${Math.round(edge)}`);
    }
  }
  return found;
}"""


def test_a_long_order_title_wraps_in_its_card_on_the_dashboard(site, browser, browser_context_args):
    ServiceOrder.objects.filter(pk=site.demo["order"].pk).update(title=LONG)
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE})
    page = context.new_page()
    log_in(page, site.url, "provider-sit", site.password)
    try:
        page.goto(site.url + "/provider/")
        assert LONG in page.content()
        assert page.evaluate(OUTSIDE_THEIR_CARD_JS) == []
    finally:
        context.close()
