"""Actions that cannot be undone ask first (portal.js asks the form's `data-confirm`): closing
a demand without choosing, accepting or withdrawing a proposal, deactivating an account,
withdrawing a rules version that waits for its date."""

import re
from datetime import date

import pytest

from regions.rules import rules_version_publish
from regions.selectors import current_year, programme_today
from tests.providers.demand_factories import propose, publish

pytestmark = pytest.mark.django_db


def _form_asks(page: str, action: str) -> str:
    """The question of the form posting to `action`; fails when it asks none."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>', page)
    assert form, action
    question = re.search(r'data-confirm="([^"]+)"', form.group(0))
    assert question, form.group(0)
    return question.group(1)


def test_the_demands_irreversible_actions_ask_first(client, users):
    demand = publish(users["enterprise-jiangnan"])
    proposal = propose(users["provider-sit"], demand, price="90000.00")

    client.force_login(users["enterprise-jiangnan"])
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Every proposal is declined" in _form_asks(page, f"/demands/{demand.pk}/close/")
    assert "other proposals are declined" in _form_asks(page, f"/proposals/{proposal.pk}/accept/")

    client.force_login(users["provider-sit"])
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "撤回" in _form_asks(page, f"/proposals/{proposal.pk}/withdraw/")


def test_deactivating_an_account_asks_first_and_the_list_is_cards_on_a_phone(client, demo):
    client.force_login(demo["users"]["operator"])
    page = client.get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    official = demo["users"]["official-wujin"]
    assert "signed out everywhere" in _form_asks(page, f"/people/{official.pk}/deactivate/")
    assert '<table class="data stack">' in page and 'data-label="Role"' in page


def test_withdrawing_a_waiting_rules_version_asks_first(client, demo):
    year = current_year()
    today = programme_today()
    later = date(year, 12, 31) if today < date(year, 12, 31) else None
    if later is None:
        pytest.skip("no later day left in the year to publish for")
    version = rules_version_publish(
        actor=demo["users"]["operator"],
        region=demo["regions"]["WUJIN"],
        year=year,
        effective_from=later,
        annual_budget="12000000.00",
        max_voucher_per_enterprise="300000.00",
        co_funding_ratio="0.500",
    )
    client.force_login(demo["users"]["operator"])
    page = client.get("/rules/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "will not take effect" in _form_asks(page, f"/rules/{version.pk}/withdraw/")


def _row_asks(page: str, action: str) -> str:
    """The question htmx asks (`hx-confirm`) before the queue row's form posting to `action`."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>', page)
    assert form, action
    question = re.search(r'hx-confirm="([^"]+)"', form.group(0))
    assert question, form.group(0)
    return question.group(1)


def test_deciding_a_dispute_asks_first(client, users, order_in):
    order = order_in("disputed")
    client.force_login(users["official-wujin"])
    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    question = _form_asks(page, f"/orders/{order.pk}/resolve-dispute/#resolve")
    assert "Both parties are told" in question and "cannot be undone" in question


def test_recording_a_related_party_asks_first(client, demo):
    enterprise = demo["enterprises"]["enterprise-jiangnan"]
    action = f"/enterprises/{enterprise.pk}/related-parties/"

    client.force_login(demo["users"]["official-wujin"])
    page = client.get(f"/enterprises/{enterprise.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "It is permanent" in _form_asks(page, action)

    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get("/enterprise/profile/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "It is permanent" in _form_asks(page, action)


def test_clearing_a_risk_flag_asks_first(client, demo, order_in):
    from providers.models import RiskFlag

    flag = RiskFlag.objects.create(
        kind=RiskFlag.Kind.SPLIT_CONTRACT, service_order=order_in("accepted")
    )
    client.force_login(demo["users"]["official-wujin"])
    page = client.get("/official/risk-queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    question = _form_asks(page, f"/risk-flags/{flag.pk}/clear/")
    assert "Clear this risk flag?" in question and "cannot be undone" in question


SPENT = "Approve this redemption? The held amount will be spent."
FIRST_OF_TWO = "A second official of the district must approve before the held amount is spent."


def _approve_questions(client, redemption) -> tuple[str, str]:
    """The approve question on the approval queue's row (htmx) and on the redemption's page."""
    action = f"/redemptions/{redemption.pk}/approve/"
    queue = client.get("/official/redemptions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page = client.get(f"/redemptions/{redemption.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    return _row_asks(queue, action), _form_asks(page.content.decode(), action)


def test_a_first_approval_of_four_eyes_does_not_promise_the_spending(client, demo):
    from tests.vouchers.four_eyes import large_redemption, set_threshold_of_voucher
    from vouchers.services import redemption_approve

    large = large_redemption(demo)  # 250,000 on a Yangpu voucher
    set_threshold_of_voucher(large.voucher, "200000.00")
    small = large_redemption(demo, amount="1000.00")
    set_threshold_of_voucher(small.voucher, "200000.00")
    client.force_login(demo["users"]["official-yangpu"])

    for question in _approve_questions(client, large):
        assert FIRST_OF_TWO in question and "Record your approval?" in question
    assert _approve_questions(client, small) == (SPENT, SPENT)

    # The second official's approval spends the held amount: the question says so.
    redemption_approve(redemption_id=large.pk, actor=demo["users"]["official-yangpu"])
    client.force_login(demo["users"]["official-yangpu-2"])
    assert _approve_questions(client, large) == (SPENT, SPENT)


def test_without_a_threshold_one_approval_spends(client, demo):
    from tests.vouchers.four_eyes import large_redemption, set_threshold_of_voucher

    redemption = large_redemption(demo)
    set_threshold_of_voucher(redemption.voucher, None)
    client.force_login(demo["users"]["official-yangpu"])
    assert _approve_questions(client, redemption) == (SPENT, SPENT)
