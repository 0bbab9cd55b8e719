"""The claim form asks "Submit this claim?" only for an amount the server can accept
(static/js/portal.js, `data-max`): above the "at most" it showed, nothing, a negative amount,
three decimals or no number at all, the
question promised an action that could not happen, and the server then refused. Now the form
goes straight to the server's refusal; the claim within the maximum is asked about and made."""

import pytest

from tests.browser.conftest import expect
from tests.browser.story_helpers import open_person
from tests.redemptions.factories import make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption
from vouchers.selectors import max_claim_for

pytestmark = pytest.mark.browser

QUESTION = "Submit this claim? The amount will be held on the voucher until the district decides."


def test_the_claim_form_asks_only_for_an_amount_it_can_take(site, new_context):
    demo = site.demo
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "50000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], "30000.00")
    maximum = max_claim_for(order)
    provider = open_person(new_context, site, "en", "provider", username="provider-sit")
    page = provider.page
    provider.go(f"/redemptions/claim/{order.pk}/")
    amount = provider.field("Amount to claim (CNY)")

    for refused in (f"{maximum + 1:.2f}", "0", "-5", "abc", f"{maximum:.2f}1"):
        amount.fill(refused)
        provider.button("Submit claim").click()
        expect(page.locator("#amount-errors")).to_be_visible()
        assert provider.confirmations == [], refused
        amount = provider.field("Amount to claim (CNY)")
    assert not Redemption.objects.filter(service_order=order).exists()

    amount.fill(f"{maximum:,.2f}")
    provider.button("Submit claim").click()
    expect(page.locator(".message-success")).to_be_visible()
    provider.confirm_was_asked(QUESTION)
    assert Redemption.objects.get(service_order=order).amount == maximum
