"""The libraries in a real browser: a visitor finds an expert and a manager; the Wujin company
books hours of Weikai's shared microscope on its calendar and gets the service order; the
demo expert comments on the assignment; at a phone's width nothing scrolls sideways."""

import re

import pytest

from providers.models import ExpertComment, InstrumentBooking, ServiceOffering
from tests.browser.conftest import check_page, expect, log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_visitor_finds_experts_and_managers(site, page):
    page.set_viewport_size(PHONE)
    page.goto(site.at("/experts/?q=graphene"))
    expect(page.locator(".expert-card h3")).to_contain_text(["Li Wei"])
    assert fits(page)
    page.locator(".expert-card h3 a").first.click()
    expect(page.locator("main")).to_contain_text("Graphene")
    expect(page.locator("main")).not_to_contain_text("@example.com")
    check_page(page, "libraries-expert")
    page.goto(site.at("/technology-managers/?region=NANHU"))
    expect(page.locator(".manager-card h3")).to_contain_text(["Zhao Lei"])
    assert fits(page)


def test_an_enterprise_books_the_shared_microscope(site, page):
    sem = ServiceOffering.objects.get(
        is_instrument=True, provider__users__username="provider-weikai"
    )
    log_in(page, site.url, "enterprise-jiangnan", site.password)
    page.set_viewport_size(PHONE)
    page.goto(site.at(f"/instruments/{sem.pk}/"))
    assert page.locator(".calendar .slot-booked").count() == 0
    assert fits(page)
    check_page(page, "libraries-instrument")
    # A free slot on the last day prefills the form.
    page.locator(".calendar-day").last.locator("a.slot-free").first.click()
    page.locator("#id_hours").fill("2")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/"))
    booking = InstrumentBooking.objects.order_by("-id").first()
    assert booking.hours == 2 and booking.service_order.contract_amount == 2 * sem.hourly_rate
    page.goto(site.at(f"/instruments/{sem.pk}/"))
    assert page.locator(".calendar .slot-booked").count() == 2


def test_the_expert_comments_in_chinese(site, new_context):
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": site.url}])
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, site.url, "expert-demo", site.password)
    page.goto(site.at("/dashboard/"))
    expect(page.locator("h1")).to_have_text("我的指派")
    page.locator(".card h3 a").first.click()
    page.get_by_label("您的意见").fill("建议补充 Zeta 电位数据。")
    page.get_by_role("button", name="提交意见").click()
    expect(page.locator("main")).to_contain_text("建议补充 Zeta 电位数据。")
    assert ExpertComment.objects.filter(body="建议补充 Zeta 电位数据。").exists()
    assert fits(page)


def test_the_operator_adds_an_expert_and_withdraws_them_in_chinese(site, new_context):
    from providers.models import Expert

    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": site.url}])
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.on("dialog", lambda dialog: dialog.accept())  # the withdrawal asks first
    log_in(page, site.url, "operator", site.password)
    page.goto(site.at("/experts/"))
    page.get_by_role("link", name="添加专家").click()
    page.get_by_label("姓名", exact=True).fill("Zhou Min")
    page.get_by_label("中文名称").fill("周敏")
    page.get_by_label("专业领域").fill("薄膜计量")
    page.get_by_label("所在区").select_option(label="合肥高新区")
    assert fits(page)
    check_page(page, "libraries-expert-add")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("档案已加入库中。")
    expert = Expert.objects.get(name="Zhou Min")
    assert expert.field == "薄膜计量" and expert.region.code == "HEFEI_HT"

    page.get_by_label("下架理由").fill("本人申请退出。")
    page.get_by_role("button", name="从库中下架").click()
    expect(page.locator(".messages")).to_contain_text("档案已从库中下架。")
    assert not Expert.objects.get(pk=expert.pk).active
    assert fits(page)
