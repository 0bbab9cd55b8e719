"""In a real browser, in Chinese on a 390 px phone: on a confirmed order the enterprise uploads
the signed contract, the provider the invoice (code and number); the enterprise records its
own share and the provider confirms it; then the claim goes through, and the Wujin official's
redemption page shows the contract, the invoice and the confirmed own share."""

import re

import pytest

from providers import services as orders
from providers.models import OrderDocument, OwnSharePayment
from tests.browser.conftest import check_page, expect
from tests.browser.story_helpers import evidence_pdf, open_person
from tests.providers.conftest import pdf_upload
from vouchers.models import Redemption

pytestmark = [
    pytest.mark.browser,
    pytest.mark.browser_context_args(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    ),
]
LANGUAGE = "zh-hans"


def test_contract_invoice_own_share_then_the_claim(site, new_context, tmp_path):
    demo = site.demo
    sit, jiangnan = demo["users"]["provider-sit"], demo["users"]["enterprise-jiangnan"]
    order = orders.order_accept(order=demo["order"], actor=sit)
    orders.order_complete(order=order, actor=sit, summary="Done.", evidence=[pdf_upload()])
    orders.order_confirm(order=order, actor=jiangnan)
    path = f"/orders/{order.pk}/"

    # The enterprise uploads the signed contract.
    enterprise = open_person(new_context, site, LANGUAGE, "enterprise", username=jiangnan.username)
    e = enterprise.page
    enterprise.go(path)
    upload = e.get_by_role("group", name=enterprise.t("Upload the signed contract"))
    enterprise.field("Document", upload).select_option("contract")
    enterprise.field("File", upload).set_input_files(evidence_pdf(tmp_path, "contract.pdf"))
    enterprise.button("Upload", upload).click()
    expect(e.locator("#documents")).to_contain_text("contract.pdf")
    check_page(enterprise.page, "own-share-order-with-contract")
    assert OrderDocument.objects.get(service_order=order).kind == "contract"

    # The provider uploads its invoice with code and number.
    provider = open_person(new_context, site, LANGUAGE, "provider", username=sit.username)
    p = provider.page
    provider.go(path)
    upload = p.get_by_role("group", name=provider.t("Upload the signed contract or the invoice"))
    provider.field("Document", upload).select_option("invoice")
    provider.field("File", upload).set_input_files(evidence_pdf(tmp_path, "invoice.pdf"))
    provider.field("Invoice code", upload).fill("031001900111")
    provider.field("Invoice number", upload).fill("20260001")
    provider.button("Upload", upload).click()
    expect(p.locator("#documents")).to_contain_text("20260001")

    # The enterprise records its own share (the form offers the share due), the provider
    # confirms it.
    enterprise.go(path)
    record = e.get_by_role("group", name=enterprise.t("Record your payment"))
    expect(enterprise.field("Amount paid (yuan)", record)).to_have_value("150000.00")
    enterprise.field("Payment reference", record).fill("ICBC-20260412-0088")
    enterprise.button("Record the payment", record).click()
    expect(e.locator("#own-share")).to_contain_text("ICBC-20260412-0088")
    check_page(enterprise.page, "own-share-order-own-share-recorded")

    provider.go(path)
    provider.button("Confirm the payment").click()
    expect(p.locator("#own-share")).to_contain_text(provider.t("Confirmed"))
    check_page(provider.page, "own-share-order-own-share-confirmed")
    assert OwnSharePayment.objects.get(service_order=order).confirmed_by == sit
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the order page is {width} px wide on a 390 px phone"

    # Now the claim goes through.
    provider.go(f"/redemptions/claim/{order.pk}/")
    provider.field("Amount to claim (CNY)").fill("1000.00")
    provider.button("Submit claim").click()
    expect(p).to_have_url(re.compile(r"/redemptions/\d+/$"))
    redemption = Redemption.objects.get(service_order=order)

    # The official's redemption page shows the three next to the evidence.
    official = open_person(new_context, site, LANGUAGE, "official", username="official-wujin")
    official.go(f"/redemptions/{redemption.pk}/")
    evidence = official.page.locator("section.evidence-first")
    expect(evidence).to_contain_text("contract.pdf")
    expect(evidence).to_contain_text("20260001")
    expect(evidence).to_contain_text("ICBC-20260412-0088")
    check_page(official.page, "own-share-redemption-with-paperwork")
