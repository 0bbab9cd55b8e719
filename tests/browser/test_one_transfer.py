"""In a real browser, on a phone, in Chinese: the Yangpu official records one bank transfer
that paid two of the institute's three approved claims, from the payments queue."""

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

        page.get_by_label(f"兑付申请 #{claims[2].pk}").uncheck()
        page.get_by_label("转账的付款凭证号").fill("ICBC-2026-1207")
        questions = []
        page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        page.get_by_role("button", name="登记这笔转账").click()

        expect(page.locator(".message-success")).to_contain_text("ICBC-2026-1207")
        expect(page.locator(".message-success")).to_contain_text("¥2,000.50")
        assert len(questions) == 1
        statuses = [Redemption.objects.get(pk=claim.pk).status for claim in claims]
        assert statuses == ["paid", "paid", "approved"]
    finally:
        context.close()
