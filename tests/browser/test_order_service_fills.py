"""In a real browser, choosing a published service on the order form fills the order's title
and contract amount from it (static/js/portal.js), but never over what the enterprise wrote."""

import pytest

from providers.models import ServiceOffering
from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person

pytestmark = pytest.mark.browser


def test_choosing_a_service_fills_the_title_and_its_reference_price(site, new_context):
    sit = site.demo["providers"]["provider-sit"]
    first = sit.offerings.filter(active=True).order_by("pk").first()
    first.indicative_price = "8000.00"
    first.save(update_fields=["indicative_price"])
    second = ServiceOffering.objects.create(
        provider=sit, category=first.category, title="Humidity ageing, 500 hours"
    )
    enterprise = open_person(new_context, site, "en", "enterprise", username="enterprise-jiangnan")
    enterprise.go(f"/orders/new/?provider={sit.pk}")
    service = enterprise.field("Service")
    title = enterprise.field("Title")
    amount = enterprise.field("Contract amount (CNY)")

    service.select_option(str(first.pk))
    expect(title).to_have_value(first.title)
    expect(amount).to_have_value("8000.00")

    # Another service replaces what the first one filled in (it has no reference price).
    service.select_option(str(second.pk))
    expect(title).to_have_value(second.title)
    expect(amount).to_have_value("")

    # What the enterprise wrote itself stays.
    title.fill("Our own words")
    service.select_option(str(first.pk))
    expect(title).to_have_value("Our own words")
    expect(amount).to_have_value("8000.00")
