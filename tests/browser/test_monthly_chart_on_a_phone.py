"""On a phone a year's monthly chart scrolls sideways inside its card; the card opens on the
latest months, where the figures are (it opened on January: six empty months, December with
all the data out of view)."""

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_phone_layout import PHONE

pytestmark = pytest.mark.browser


def test_the_monthly_chart_opens_on_the_latest_months(site, browser, browser_context_args):
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE})
    page = context.new_page()
    log_in(page, site.url, "official-wujin", site.password)
    try:
        page.goto(site.url + "/official/")
        card = page.locator(".chart-card[data-opens-at-end]")
        scroll, room = card.evaluate("c => [c.scrollLeft, c.scrollWidth - c.clientWidth]")
        assert room > 0  # it does scroll on a phone
        assert scroll >= room - 1
    finally:
        context.close()
