"""In a real browser: the Wujin graphene company publishes a technology demand, the Shanghai
Institute of Technology proposes, the company compares the proposals side by side and accepts,
and the service order appears, pre-filled from the proposal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from providers.models import Demand, ServiceOrder
from tests.browser.conftest import expect
from tests.browser.story_helpers import BROWSER_LOCALES, open_person

pytestmark = pytest.mark.browser

TITLE = "Graphene slurry viscosity control"


def language_param(language):
    return pytest.param(
        language,
        id=language,
        marks=pytest.mark.browser_context_args(locale=BROWSER_LOCALES[language]),
    )


@pytest.mark.parametrize("language", [language_param("en"), language_param("zh-hans")])
def test_a_demand_becomes_an_order(site, new_context, language):
    enterprise = open_person(
        new_context, site, language, "enterprise-jiangnan", username="enterprise-jiangnan"
    )
    page = enterprise.page
    enterprise.nav("My demands")
    enterprise.check("my-demands", heading="My demands")
    enterprise.link("Publish a demand").first.click()
    enterprise.check("publish", heading="Publish a technology demand")
    enterprise.field("Title").fill(TITLE)
    enterprise.field("The technical problem").fill(
        "Our water-based graphene slurry thickens within a week; keep it stable for 30 days."
    )
    category = enterprise.field("Service category")
    category.select_option(index=2)
    enterprise.field("Lowest budget (CNY)").fill("100000")
    enterprise.field("Highest budget (CNY)").fill("250000")
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    enterprise.field("Deadline for proposals").fill(deadline)
    enterprise.button("Publish the demand").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    demand = Demand.objects.get(title=TITLE)
    enterprise.check("demand")

    provider = open_person(new_context, site, language, "provider-sit", username="provider-sit")
    provider.nav("Demands")
    provider.check("demands", heading="Technology demands")
    provider.page.get_by_role("link", name=TITLE).click()
    provider.link("Propose a solution").click()
    provider.check("propose", heading="Propose a solution")
    provider.field("Your approach").fill("Dispersant screen and high-shear mixing trials.")
    provider.field("Price (CNY)").fill("180000")
    provider.field("Duration (days)").fill("75")
    provider.button("Send the proposal").click()
    expect(provider.button("Withdraw the proposal")).to_be_visible()

    enterprise.go(f"/demands/{demand.pk}/")
    table = page.locator("table.compare")
    expect(table).to_contain_text("¥180,000.00")
    enterprise.check("compare")
    enterprise.button("Accept this proposal", table).click()
    order = ServiceOrder.objects.get(proposal__demand=demand)
    expect(page).to_have_url(site.at(f"/orders/{order.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.locator("main")).to_contain_text("¥180,000.00")
    assert order.provider.users.filter(username="provider-sit").exists()
    assert order.status == "requested"
