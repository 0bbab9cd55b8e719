"""In a real browser: the operator opens "Publish rules" from the menu, finds the form filled
with the district's rules in force, publishes a new version with a larger budget, and a
visitor's public rules page shows it in force and in the history."""

import pytest

from regions.models import ProgrammeRules, ProgrammeRulesVersion
from regions.selectors import current_year
from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person

pytestmark = pytest.mark.browser


def test_the_operator_publishes_rules_and_the_public_page_shows_them(site, new_context):
    operator = open_person(new_context, site, "en", "operator", username="operator")
    page = operator.page

    operator.nav("Publish rules")
    operator.check("rules-publish", heading="Publish rules")
    page.get_by_label("District").select_option("WUJIN")
    operator.button("Show").click()
    budget = operator.field("Annual budget (yuan)")
    expect(budget).to_have_value("10000000.00")
    expect(operator.field("Co-funding ratio (%)")).to_have_value("50")

    budget.fill("12500000.00")
    operator.field("Validity (days)").fill("300")
    operator.button("Publish").click()

    expect(page.locator(".messages")).to_contain_text("The rules are published.")
    operator.check("rules", heading="Programme rules")
    card = page.locator('.district-card[data-region="WUJIN"]')
    expect(card).to_contain_text("¥12,500,000.00")
    expect(page.locator("table.rules-history")).to_contain_text("¥12,500,000.00")

    rules = ProgrammeRules.objects.get(region__code="WUJIN", year=current_year())
    assert str(rules.annual_budget) == "12500000.00"
    assert rules.validity_days == 300
    assert ProgrammeRulesVersion.objects.filter(region__code="WUJIN").count() == 2

    # A visitor, not logged in, reads the same on the public rules page.
    visitor = open_person(new_context, site, "en", "visitor")
    visitor.go("/rules/")
    visitor.check("rules-public", heading="Programme rules")
    expect(visitor.page.locator('.district-card[data-region="WUJIN"]')).to_contain_text(
        "¥12,500,000.00"
    )
