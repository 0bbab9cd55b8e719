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
