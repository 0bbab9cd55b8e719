"""In a real browser: the Wujin official opens a redemption waiting for approval and
sees the evidence, the contract amount and the enterprise's confirmation before anything else,
opens the evidence file and approves; the enterprise's order page offers "confirm delivery"
and "dispute" as two separate choices, the dispute asking for a reason."""

import pytest

from providers import services as orders
from providers.models import ServiceOrder
from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person
from tests.redemptions.factories import delivered_claim
from vouchers.models import Redemption

pytestmark = pytest.mark.browser


def test_the_official_reads_the_evidence_first_opens_it_and_approves(site, new_context):
    claim = delivered_claim(site.demo, "1000.00")
    order = ServiceOrder.objects.get(pk=claim.service_order_id)
    official = open_person(new_context, site, "en", "official-wujin", username="official-wujin")
    page = official.page

    # The queue's row already carries the evidence link, the contract amount and who confirmed.
    official.nav("Redemptions to approve")
    row = page.locator(f"#redemption-{claim.pk}")
    expect(row.get_by_role("link", name="process-report.pdf")).to_be_visible()
    expect(row).to_contain_text("¥300,000.00")
    # The enterprise's account has no name: its enterprise, then its user name.
    confirmed = f"Delivery confirmed by {order.enterprise.name} (enterprise-jiangnan)"
    expect(row).to_contain_text(confirmed)
    official.check("queue", heading="Redemptions to approve")

    row.get_by_role("link", name=f"#{claim.pk}").click()
    official.check("redemption", heading="Redemption #%(id)s", id=claim.pk)

    # The first thing under the heading: the evidence, the confirmation, the contract amount.
    first = page.locator("main h1 + section")
    expect(first).to_have_class("card evidence-first")
    evidence_link = first.get_by_role("link", name="process-report.pdf")
    expect(evidence_link).to_be_visible()
    expect(first).to_contain_text(confirmed)
    expect(first).to_contain_text("¥300,000.00")
    expect(first).to_contain_text("few-layer yield up from 41% to 63%")
    decision = page.get_by_role("heading", name="Decision", exact=True)
    assert evidence_link.bounding_box()["y"] < decision.bounding_box()["y"]
    assert evidence_link.bounding_box()["y"] < 900  # within the first screen, no scrolling

    # The evidence opens (the permission-checked download of the provider's PDF).
    with page.expect_download() as download:
        evidence_link.click()
    assert download.value.suggested_filename == "process-report.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    approve = page.get_by_role("group", name="Approve the claim")
    expect(page.get_by_role("group", name="Reject the claim").get_by_role("button")).to_have_text(
        "Reject"
    )
    official.button("Approve", approve).click()
    official.confirm_was_asked("Approve this redemption? The held amount will be spent.")
    expect(page.locator("h1 .badge")).to_have_text("Approved")
    assert Redemption.objects.get(pk=claim.pk).status == "approved"
    assert order.evidence.count() == 1


def test_the_enterprise_confirms_or_disputes_as_two_separate_choices(site, new_context):
    demo = site.demo
    sit = demo["users"]["provider-sit"]
    order = orders.order_accept(order=demo["order"], actor=sit)
    from tests.providers.conftest import pdf_upload

    orders.order_complete(order=order, actor=sit, summary="Done.", evidence=[pdf_upload()])
    enterprise = open_person(
        new_context, site, "en", "enterprise-jiangnan", username="enterprise-jiangnan"
    )
    page = enterprise.page
    enterprise.go(f"/orders/{order.pk}/")

    delivered = page.get_by_role("group", name="The service was delivered")
    not_delivered = page.get_by_role("group", name="The service was not delivered as agreed")
    expect(delivered.get_by_role("button", name="Confirm delivery")).to_be_visible()
    expect(delivered.get_by_role("textbox")).to_have_count(0)
    expect(not_delivered.get_by_role("button", name="Dispute the delivery")).to_be_visible()
    reason = not_delivered.get_by_role("textbox", name="What was not delivered as agreed?")
    expect(reason).to_be_visible()
    expect(not_delivered.get_by_role("button", name="Confirm delivery")).to_have_count(0)
    enterprise.check("order-to-confirm", heading=order.title)

    # A dispute without a reason is not sent: the browser asks for the reason first.
    not_delivered.get_by_role("button", name="Dispute the delivery").click()
    assert reason.evaluate("el => !el.validity.valid")
    assert ServiceOrder.objects.get(pk=order.pk).status == "completed"

    reason.fill("The report misses the yield measurements.")
    not_delivered.get_by_role("button", name="Dispute the delivery").click()
    enterprise.confirm_was_asked("Dispute the delivery?")
    expect(page.locator("h1 .badge")).to_have_text("Disputed")
    order.refresh_from_db()
    assert order.status == "disputed"
    assert order.dispute_reason == "The report misses the yield measurements."
