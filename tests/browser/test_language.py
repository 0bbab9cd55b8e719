"""English and Simplified Chinese: the switch (mouse and keyboard), the cookie that keeps the
choice across pages, and the browser's own language as the default."""

import pytest

from tests.browser.conftest import check_page, expect, tab_to

pytestmark = pytest.mark.browser


def language_cookie(page):
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("django_language")


def test_it_switches_to_chinese_and_keeps_it_across_pages(site, page):
    page.goto(site.at("/verify/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="简体中文").click()

    expect(page).to_have_url(site.at("/verify/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("查验创新券或服务机构证书")
    assert language_cookie(page) == "zh-hans"
    check_page(page, "verify")

    page.get_by_role("link", name="项目介绍").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("四个试点区")
    page.get_by_role("link", name="登录").first.click()
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    check_page(page, "login")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Username")).to_be_visible()
    assert language_cookie(page) == "en"


def test_it_keeps_chinese_after_logging_in(site, page):
    page.goto(site.at("/login/"))
    page.get_by_role("button", name="简体中文").click()
    page.get_by_label("用户名").fill("official-wujin")
    page.get_by_label("密码").fill(site.password)
    page.get_by_role("button", name="登录").click()

    expect(page.locator(".user-chip")).to_have_text("official-wujin · 区级管理员")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    check_page(page, "landing")


def test_it_switches_language_with_the_keyboard(site, page):
    page.goto(site.at("/"))
    tab_to(page, page.get_by_role("button", name="简体中文"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert language_cookie(page) == "zh-hans"
    tab_to(page, page.get_by_role("button", name="English"))
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.browser_context_args(locale="zh-CN")
def test_it_serves_chinese_to_a_browser_that_asks_for_it(site, page):
    page.goto(site.at("/"))

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("四区通用通兑的创新券")
    expect(page.get_by_role("navigation", name="主导航")).to_contain_text("真伪查验")
    assert language_cookie(page) is None
    check_page(page, "home")


@pytest.mark.browser_context_args(locale="en-US")
def test_it_serves_english_to_a_browser_that_asks_for_english(site, page):
    page.goto(site.at("/"))

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="简体中文")).to_have_attribute("lang", "zh-Hans")
