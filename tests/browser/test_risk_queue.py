"""In a real browser: an order that splits a contract is flagged; the Wujin official finds the
flag beside the redemption waiting for approval, cannot approve it yet, clears the flag in the
risk queue with a reason, and then approves the redemption."""

import re

import pytest

from providers import services as orders
from providers.models import RiskFlag
from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person
from tests.redemptions.factories import delivered_claim
from vouchers.models import Redemption

pytestmark = pytest.mark.browser


def test_a_split_contract_is_cleared_in_the_queue_then_approved(site, new_context):
    demo = site.demo
    # The seed order (¥300,000, the voucher pays half: ¥150,000) is delivered and claimed; a
    # second order with the same provider (¥120,000, ¥60,000 payable) brings what the voucher
    # would pay to ¥210,000, over the demo's four-eyes threshold of ¥200,000 that each order
    # alone stays below: both orders are flagged.
    claim = delivered_claim(demo, "1000.00")
    second = orders.order_create(
        actor=demo["users"]["enterprise-jiangnan"],
        provider=demo["providers"]["provider-sit"],
        voucher=demo["voucher"],
        title="Graphene dispersion follow-up study",
        contract_amount="120000.00",
    )
    flag = RiskFlag.objects.get(service_order_id=claim.service_order_id, cleared_at__isnull=True)
    assert flag.kind == "split_contract"
    assert RiskFlag.objects.filter(service_order=second, cleared_at__isnull=True).exists()

    official = open_person(new_context, site, "en", "official-wujin", username="official-wujin")
    page = official.page

    # The redemption's row shows the open flag and cannot be approved yet.
    official.nav("Redemptions to approve")
    row = page.locator(f"#redemption-{claim.pk}")
    expect(row).to_contain_text("Open risk flags: Split contract suspected")
    row.get_by_role("link", name=f"#{claim.pk}").click()
    official.check("flagged-redemption", heading="Redemption #%(id)s", id=claim.pk)
    # No Approve while the flag is open (it asked "the held amount will be spent?" and was
    # then refused): the notice says to clear the flags first and links the queue.
    expect(page.get_by_role("group", name="Approve the claim")).to_have_count(0)
    expect(page.get_by_role("group", name="Reject the claim")).to_be_visible()
    expect(page.locator(".risk-flags")).to_contain_text("Clear them before approving.")
    claim.refresh_from_db()
    assert claim.status == Redemption.Status.PENDING

    # The queue, from the menu with its count, shows what raised the flag.
    menu = page.get_by_role("navigation", name="Main")
    queue_link = menu.get_by_role("link", name=re.compile(r"^\s*Risk queue\s+2\s*$"))
    expect(queue_link).to_be_visible()
    queue_link.click()
    official.check("risk-queue", heading="Risk queue")
    card = page.locator(f"#flag-{flag.pk}")
    expect(card).to_contain_text("Split contract suspected")
    expect(card).to_contain_text("¥210,000.00")
    expect(card).to_contain_text("¥200,000.00")
    expect(card.get_by_role("link", name=f"#{second.pk}")).to_be_visible()

    # A reason is required; with one, the flag is cleared.
    card.get_by_label("Why the flag can be cleared").fill(
        "Two separate projects: process optimisation, then a dispersion study."
    )
    official.button("Clear the flag", card).click()
    expect(page.locator(".message-success")).to_contain_text("The flag is cleared.")
    expect(page.locator(f"#flag-{flag.pk}")).to_have_count(0)
    flag.refresh_from_db()
    assert flag.cleared_by.username == "official-wujin" and not flag.is_open

    # Back on the redemption: no open flag is left on its order, and it is approved.
    official.go(f"/redemptions/{claim.pk}/")
    expect(page.locator(".risk-flags")).to_have_count(0)
    official.button("Approve", page.get_by_role("group", name="Approve the claim")).click()
    expect(page.locator("h1 .badge")).to_have_text("Approved")
    claim.refresh_from_db()
    assert claim.status == Redemption.Status.APPROVED
