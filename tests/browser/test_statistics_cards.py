"""The statistics page's narrow cards keep each figure on one line on a desktop: "0.0 days"
was squeezed into a column one letter wide beside its long label, the card 432 px tall."""

import pytest

pytestmark = pytest.mark.browser


def test_the_average_waits_stay_on_one_line(site, browser, browser_context_args):
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": 1366, "height": 900}}
    )
    page = context.new_page()
    try:
        page.goto(site.url + "/statistics/")
        figures = page.locator('[data-figure="average_days"] dd')
        assert figures.count() == 2
        for index in range(2):
            # The lines its text is laid out on: one rectangle per line.
            lines = figures.nth(index).evaluate(
                """el => { const r = document.createRange(); r.selectNodeContents(el);
                           return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"""
            )
            assert lines == 1, (index, lines)
    finally:
        context.close()
