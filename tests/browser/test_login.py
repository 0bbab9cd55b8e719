"""Logging in through the form, as each demo role, with the mouse and with the keyboard only."""

import pytest

from tests.browser.conftest import check_page, expect, log_in, tab_to

pytestmark = pytest.mark.browser

ROLES = {
    "enterprise-jiangnan": "Enterprise user",
    "provider-sit": "Provider user",
    "official-wujin": "District official",
    "operator": "Programme operator",
}


def test_it_shows_an_accessible_login_form(site, page):
    response = page.goto(site.at("/login/"))

    assert response.status == 200
    expect(page.get_by_label("Username")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_attribute("type", "password")
    check_page(page, "login")


@pytest.mark.parametrize("username", list(ROLES))
def test_it_lands_each_demo_role_on_a_page(site, page, username):
    page.goto(site.at("/login/"))
    with page.expect_navigation() as landing:
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(site.password)
        page.get_by_role("button", name="Log in").click()

    assert landing.value.status == 200, landing.value.url
    assert "/login/" not in page.url
    expect(page.locator(".user-chip")).to_have_text(f"{username} · {ROLES[username]}")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    check_page(page, f"landing-{username}")


def test_it_refuses_a_wrong_password_with_a_message(site, page):
    log_in(page, site.url, "operator", "not-the-password")

    assert page.url.endswith("/login/")
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
    expect(page.locator(".user-chip")).to_have_count(0)
    check_page(page, "login-refused")


def test_it_leads_the_keyboard_to_the_content_with_the_skip_link(site, page):
    page.goto(site.at("/verify/"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Serial number")).to_be_focused()


def test_it_logs_in_with_the_keyboard_only(site, page):
    page.goto(site.at("/"))
    tab_to(page, page.locator("header").get_by_role("link", name="Log in"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("official-wujin")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(site.password)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Log in")).to_be_focused()
    with page.expect_navigation() as landing:
        page.keyboard.press("Enter")

    assert landing.value.status == 200
    expect(page.locator(".user-chip")).to_contain_text("official-wujin")
    check_page(page, "landing")


def test_it_submits_the_login_form_with_enter_in_the_password_field(site, page):
    page.goto(site.at("/login/"))
    # The page focuses the username field itself; typing before that would lose letters.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("enterprise-jiangnan")
    page.keyboard.press("Tab")
    page.keyboard.type(site.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".user-chip")).to_contain_text("enterprise-jiangnan")


def test_it_sends_a_visitor_to_the_login_and_back_to_the_dashboard(site, page):
    page.goto(site.at("/dashboard/"))
    expect(page).to_have_url(site.at("/login/?next=/dashboard/"))

    page.get_by_label("Username").fill("provider-sit")
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".user-chip")).to_contain_text("provider-sit")
    assert "/login/" not in page.url
    page.goto(site.at("/dashboard/"))
    assert "/login/" not in page.url
