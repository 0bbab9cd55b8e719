"""A smaller budget waiting for its date, noted beside the budget in force on the operator's
and the official's dashboards: both showed ¥10,000,000.00 alone while approvals already kept
within the smaller one."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from regions.models import ProgrammeRules
from regions.rules import rules_version_publish
from regions.selectors import current_year, programme_today

pytestmark = pytest.mark.django_db


def publish(demo, *, budget: str, days: int, region="WUJIN"):
    """Rules for the district from `days` from now, with `budget`; the rest as in force."""
    today = programme_today()
    later = today + timedelta(days=days)
    if later.year != today.year or current_year() != today.year:
        pytest.skip("the year ends before the version's date")
    rules = ProgrammeRules.objects.get(region__code=region, year=today.year)
    rules_version_publish(
        actor=demo["users"]["operator"],
        region=demo["regions"][region],
        year=today.year,
        effective_from=later,
        annual_budget=budget,
        max_voucher_per_enterprise=rules.max_voucher_per_enterprise,
        co_funding_ratio=rules.co_funding_ratio,
    )
    return later, rules


def note(later, budget: str, committed: Decimal) -> str:
    return f"From {later:%Y-%m-%d}: ¥{Decimal(budget):,.2f} (smaller; already committed ¥{committed:,.2f})"


def test_the_operator_dashboard_notes_a_smaller_budget_waiting(client, demo):
    later, rules = publish(demo, budget="6000000.00", days=2)
    client.force_login(demo["users"]["operator"])

    body = client.get(reverse("operator-dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert note(later, "6000000.00", rules.committed) in body
    # Only beside Wujin's budget: the other districts have nothing waiting.
    assert body.count("budget-waiting") == 1


def test_the_official_dashboard_notes_its_own_districts_smaller_budget(client, demo):
    later, rules = publish(demo, budget="6000000.00", days=2)
    client.force_login(demo["users"]["official-wujin"])

    body = client.get(reverse("official-dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert note(later, "6000000.00", rules.committed) in body
    client.force_login(demo["users"]["official-nanhu"])
    body = client.get(reverse("official-dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "budget-waiting" not in body


def test_each_smaller_budget_waiting_is_noted_in_date_order_and_a_larger_one_not(client, demo):
    first, rules = publish(demo, budget="8000000.00", days=3)
    larger, _rules = publish(demo, budget="12000000.00", days=4)
    second, _rules = publish(demo, budget="7000000.00", days=5)
    client.force_login(demo["users"]["operator"])

    body = client.get(reverse("operator-dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    earlier = body.index(note(first, "8000000.00", rules.committed))
    assert earlier < body.index(note(second, "7000000.00", rules.committed))
    assert f"From {larger:%Y-%m-%d}" not in body
    assert body.count("budget-waiting") == 2


def test_the_notes_cost_no_query_per_district(client, demo, django_assert_max_num_queries):
    for region in ("WUJIN", "YANGPU", "NANHU", "HEFEI_HT"):
        publish(demo, budget="6000000.00", days=2, region=region)
    client.force_login(demo["users"]["operator"])
    with django_assert_max_num_queries(20):
        body = client.get(reverse("operator-dashboard")).content.decode()
    assert body.count("budget-waiting") == 4
    client.force_login(demo["users"]["official-wujin"])
    with django_assert_max_num_queries(18):
        assert "budget-waiting" in client.get(reverse("official-dashboard")).content.decode()
