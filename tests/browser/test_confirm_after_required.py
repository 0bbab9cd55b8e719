"""A form that asks before an irreversible action does not ask while a required field is
empty (static/js/portal.js): the action cannot happen yet, and the server's answer names the
field. Here the technology manager's "Step back", whose reason the enterprise reads."""

import pytest

from providers.models import Demand
from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person

pytestmark = pytest.mark.browser

QUESTION = (
    "Step back from brokering this demand? The enterprise is told your reason and may ask "
    "another manager."
)


def test_step_back_asks_only_once_the_reason_is_given(site, new_context):
    manager = open_person(new_context, site, "en", "manager", username="manager-demo")
    page = manager.page
    demand = Demand.objects.get(technology_manager__user__username="manager-demo")
    manager.go("/manager/")
    withdraw = page.locator(f"#withdraw-{demand.pk}")
    withdraw.locator("summary").click()

    manager.button("Step back", scope=withdraw).click()

    # No question; the server refuses and says what is missing, the demand still brokered.
    expect(page.locator(f"#withdraw-{demand.pk} .form-error, .message-error").first).to_be_visible()
    assert manager.confirmations == []
    demand.refresh_from_db()
    assert demand.technology_manager is not None

    withdraw = page.locator(f"#withdraw-{demand.pk}")
    if not withdraw.evaluate("details => details.open"):
        withdraw.locator("summary").click()
    manager.field("Why you step back (the enterprise reads it)", scope=withdraw).fill(
        "The enterprise now works with its own university partner."
    )
    manager.button("Step back", scope=withdraw).click()

    expect(page.locator(".message-success")).to_contain_text("You no longer broker")
    manager.confirm_was_asked(QUESTION)
    demand.refresh_from_db()
    assert demand.technology_manager is None
