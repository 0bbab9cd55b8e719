"""A title typed without spaces (200 characters, or a long URL) wraps on a phone: the pages
that show it do not scroll sideways."""

import pytest

from providers.models import ServiceOrder
from tests.browser.conftest import log_in
from tests.browser.test_phone_layout import PHONE, overflow
from tests.providers.demand_factories import publish

pytestmark = pytest.mark.browser

LONG = "x" * 200
URL = "https://example.com/" + "a" * 180


def test_long_unbroken_titles_wrap_on_a_phone(site, browser, browser_context_args):
    enterprise = site.demo["users"]["enterprise-jiangnan"]
    demand = publish(enterprise, title=LONG, description=URL)
    order = site.demo["order"]
    ServiceOrder.objects.filter(pk=order.pk).update(title=LONG, description=URL)
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE})
    page = context.new_page()
    log_in(page, site.url, "enterprise-jiangnan", site.password)
    try:
        for path in ("/demands/", f"/demands/{demand.pk}/", f"/orders/{order.pk}/", "/enterprise/"):
            page.goto(site.url + path)
            assert LONG[:50] in page.content()
            assert overflow(page) == [], path
    finally:
        context.close()
