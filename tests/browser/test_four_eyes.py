"""In a real browser: a redemption at or above Yangpu's four-eyes threshold. The first
official's approval only records itself ("awaiting second approval", with who gave it); the
same official cannot give the second; another official of the district approves and the money
moves once."""

from decimal import Decimal

import pytest

from regions.models import JournalEntry
from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person
from tests.vouchers.four_eyes import large_redemption, set_threshold
from vouchers.models import Redemption

pytestmark = pytest.mark.browser


def test_a_redemption_is_approved_by_two_officials(site, new_context):
    set_threshold("YANGPU", Decimal("200000.00"))
    claim = large_redemption(site.demo, amount="250000.00")

    first = open_person(new_context, site, "en", "official-yangpu", username="official-yangpu")
    # Named as people read it: the demo's officials have names.
    first_name = site.demo["users"]["official-yangpu"].get_full_name()
    assert first_name
    first.go(f"/redemptions/{claim.pk}/")
    approve = first.page.get_by_role("group", name="Approve the claim")
    first.button("Approve", approve).click()
    expect(first.page.locator(".messages")).to_contain_text("First approval recorded")
    expect(first.page.locator(".four-eyes")).to_contain_text("Awaiting second approval")
    expect(first.page.locator(".four-eyes")).to_contain_text(first_name)
    expect(first.page.locator("h1 .badge")).to_have_text("Pending")
    first.check("first approval", heading="Redemption #%(id)s", id=claim.pk)

    # The same official cannot give the second: offered Reject, no second Approve.
    expect(first.page.get_by_role("group", name="Approve the claim")).to_have_count(0)
    expect(first.page.get_by_role("group", name="Reject the claim")).to_have_count(1)
    assert Redemption.objects.get(pk=claim.pk).status == "pending"

    second = open_person(new_context, site, "en", "official-yangpu-2", username="official-yangpu-2")
    second.go(f"/redemptions/{claim.pk}/")
    expect(second.page.locator(".four-eyes")).to_contain_text(first_name)
    second.button("Approve", second.page.get_by_role("group", name="Approve the claim")).click()
    expect(second.page.locator("h1 .badge")).to_have_text("Approved")

    claim.refresh_from_db()
    assert claim.status == "approved" and claim.decided_by.username == "official-yangpu-2"
    assert claim.first_approved_by.username == "official-yangpu"
    claim.voucher.refresh_from_db()
    assert claim.voucher.redeemed == Decimal("250000.00")
    assert JournalEntry.objects.filter(redemption=claim).count() == 1
