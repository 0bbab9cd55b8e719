"""An enterprise's user adds a colleague and deactivates one who left, in Chinese on a phone."""

import pytest

from regions.models import User
from tests.browser.conftest import check_page, expect, log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_an_enterprise_adds_a_colleague_and_deactivates_one_in_chinese(site, new_context):
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": site.url}])
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.on("dialog", lambda dialog: dialog.accept())  # deactivating asks first
    log_in(page, site.url, "enterprise-jiangnan", site.password)
    page.goto(site.at("/enterprise/"))
    page.get_by_role("link", name="同事").click()
    page.get_by_label("用户名").fill("jiangnan-li")
    page.get_by_label("电子邮箱").fill("li@jiangnan.example.com")
    page.get_by_label("姓", exact=True).fill("李")
    page.get_by_role("button", name="发送邀请").click()
    expect(page.locator(".messages")).to_contain_text("邀请已发送")
    expect(page.locator("table.data")).to_contain_text("已邀请，尚未设置密码")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_page(page, "colleagues")

    page.get_by_label("理由").fill("已离职")
    page.get_by_role("button", name="停用").click()
    expect(page.locator(".messages")).to_contain_text("账号已停用")
    assert not User.objects.get(username="jiangnan-li").is_active
