"""In a real browser: a long form sent back with mistakes puts the focus on the summary that
names them, and the summary's link to a group of boxes moves the focus to its first box."""

import pytest

from tests.browser.conftest import expect

pytestmark = pytest.mark.browser


def test_the_summary_takes_the_focus_and_its_links_reach_the_boxes(site, page):
    page.goto(site.at("/providers/apply/"))
    page.locator("form button[type=submit]").last.click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"

    summary.get_by_role("link", name="Service categories").click()
    assert page.evaluate("document.activeElement.id") == "id_categories_0"
