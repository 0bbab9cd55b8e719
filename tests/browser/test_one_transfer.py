"""In a real browser, on a phone, in Chinese: the Yangpu official records one bank transfer
that paid two of the institute's three approved claims, from the payments queue."""

from decimal import Decimal

import pytest

from tests.browser.conftest import AXE_JS, check_page, expect, log_in
from tests.browser.test_phone_layout import PHONE
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption

pytestmark = pytest.mark.browser


def test_the_official_records_one_transfer_for_two_claims(site, browser, browser_context_args):
    demo = site.demo
    sit = demo["providers"]["provider-sit"]
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    claims = [
        approved_redemption(demo, voucher, sit, amount) for amount in ("800.00", "1200.50", "99.50")
    ]
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE})
    context.add_init_script(path=str(AXE_JS))
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": site.url}])
    page = context.new_page()
    try:
        log_in(page, site.url, "official-yangpu", site.password)
        page.goto(site.at("/official/payments/"))
        transfers = page.locator("section[aria-labelledby=transfers-title]")
        expect(transfers).to_contain_text("¥2,100.00")
        check_page(page, "payments-by-provider-phone")
        transfers.get_by_role("link", name="上海应用技术大学").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("上海应用技术大学")
        check_page(page, "one-transfer-phone")

        questions = []
        page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        ticked = page.locator("[data-ticked-total]")
        expect(ticked).to_have_text("已勾选：3 笔兑付申请，共 ¥2,100.00。")
        page.get_by_label(f"兑付申请 #{claims[2].pk}").uncheck()
        expect(ticked).to_have_text("已勾选：2 笔兑付申请，共 ¥2,000.50。")
        # To a claim's page and back: the sentence follows the boxes as the browser shows
        # them (it said what the page was first served with).
        page.get_by_role("link", name=f"#{claims[0].pk}", exact=True).click()
        page.go_back()
        expect(page.get_by_role("heading", level=1)).to_contain_text("上海应用技术大学")
        shown = page.locator("input[name=redemptions]:checked").evaluate_all(
            "boxes => boxes.map((box) => box.dataset.amount)"
        )
        total = sum((Decimal(amount) for amount in shown), Decimal("0"))
        expect(ticked).to_contain_text(f"¥{total:,.2f}")
        # Nothing ticked: no question, the server says what to do.
        for claim in claims:
            page.get_by_label(f"兑付申请 #{claim.pk}").uncheck()
        expect(ticked).to_have_text("尚未勾选：请勾选这笔转账支付的兑付申请。")
        page.get_by_label("转账的付款凭证号").fill("ICBC-2026-1207")
        page.get_by_role("button", name="登记这笔转账").click()
        expect(page.locator(".form-error")).to_contain_text("请选择这笔转账支付的兑付申请。")
        assert questions == []

        page.get_by_label(f"兑付申请 #{claims[0].pk}").check()
        page.get_by_label(f"兑付申请 #{claims[1].pk}").check()
        expect(ticked).to_have_text("已勾选：2 笔兑付申请，共 ¥2,000.50。")
        page.get_by_label("转账的付款凭证号").fill("ICBC-2026-1207")
        page.get_by_role("button", name="登记这笔转账").click()

        expect(page.locator(".message-success")).to_contain_text("ICBC-2026-1207")
        expect(page.locator(".message-success")).to_contain_text("¥2,000.50")
        assert len(questions) == 1 and "2 笔" in questions[0] and "¥2,000.50" in questions[0]
        statuses = [Redemption.objects.get(pk=claim.pk).status for claim in claims]
        assert statuses == ["paid", "paid", "approved"]
    finally:
        context.close()


def test_the_owed_sum_follows_a_claim_paid_on_its_row(site, page):
    demo = site.demo
    sit = demo["providers"]["provider-sit"]
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    claims = [approved_redemption(demo, voucher, sit, amount) for amount in ("800.00", "99.50")]
    log_in(page, site.url, "official-yangpu", site.password)
    page.goto(site.at("/official/payments/"))
    transfers = page.locator("#transfers")
    expect(transfers).to_contain_text("¥899.50")
    row = page.locator(f"#redemption-{claims[0].pk}")
    row.get_by_label("Payment reference").fill("ICBC-ROW-1")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Record payment").click()
    expect(page.locator(f"#redemption-{claims[0].pk}")).to_contain_text("The payment is recorded.")
    expect(page.locator("#transfers")).to_contain_text("¥99.50")
