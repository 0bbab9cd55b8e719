"""In a real browser, a second click on "Send the order" while the first POST is on its way
sends nothing (static/js/portal.js). Without JavaScript the server makes the second POST of
the same form land on the first one's order (its submission key, portal/submissions.py):
tests/providers/test_submitted_once.py."""

import pytest

from providers.models import ServiceOrder
from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person

pytestmark = pytest.mark.browser

TITLE = "Thermal conductivity of ten graphene films"


def test_a_second_click_on_send_while_the_first_is_on_its_way_sends_nothing(site, new_context):
    enterprise = open_person(new_context, site, "en", "enterprise", username="enterprise-jiangnan")
    page = enterprise.page
    sit = site.demo["providers"]["provider-sit"]
    enterprise.go(f"/orders/new/?provider={sit.pk}")
    enterprise.field("Title").fill(TITLE)
    enterprise.field("What you need").fill("Laser flash on ten films, 25 and 80 degrees.")
    enterprise.field("Contract amount (CNY)").fill("30000")
    # Count the submissions the page lets through, and keep the page where it is, as a slow
    # phone connection would while the first POST is on its way. (A window listener hears the
    # event after the page's own, on the document.)
    page.evaluate(
        """() => {
          window.sentForms = 0;
          window.addEventListener("submit", (event) => {
            if (!event.defaultPrevented) { window.sentForms += 1; }
            event.preventDefault();
          });
        }"""
    )
    send = enterprise.button("Send the order")

    send.click()
    send.click()
    send.dblclick()
    assert page.evaluate("window.sentForms") == 1

    # An answer that never comes: after a few seconds the form sends again.
    page.evaluate(
        "document.querySelector('form[data-sent-at]').setAttribute('data-sent-at', Date.now() - 6000)"
    )
    send.click()
    assert page.evaluate("window.sentForms") == 2

    # And the real thing: one click, one order.
    enterprise.go(f"/orders/new/?provider={sit.pk}")
    enterprise.field("Title").fill(TITLE)
    enterprise.field("What you need").fill("Laser flash on ten films, 25 and 80 degrees.")
    enterprise.field("Contract amount (CNY)").fill("30000")
    send.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    order = ServiceOrder.objects.get(title=TITLE)
    assert page.url == site.at(f"/orders/{order.pk}/")


def test_a_second_tap_on_a_confirmed_action_does_not_ask_again(site, new_context):
    enterprise = open_person(new_context, site, "en", "enterprise", username="enterprise-jiangnan")
    page = enterprise.page
    enterprise.go("/dashboard/")
    # A form that asks before it sends, as "Cancel the order" does; the page stays where it
    # is, as on a slow connection.
    page.evaluate(
        """() => {
          const form = document.createElement("form");
          form.method = "post";
          form.action = "/nowhere/";
          form.setAttribute("data-confirm", "Cancel the order?");
          form.innerHTML = '<button type="submit" id="tap">Cancel</button>';
          document.body.appendChild(form);
          window.sentForms = 0;
          window.addEventListener("submit", (event) => {
            if (!event.defaultPrevented) { window.sentForms += 1; }
            event.preventDefault();
          });
        }"""
    )
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))

    page.locator("#tap").click()
    page.locator("#tap").click()

    assert questions == ["Cancel the order?"]
    assert page.evaluate("window.sentForms") == 1
