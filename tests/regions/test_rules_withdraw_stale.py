"""A version of the rules withdrawn in one tab and withdrawn again from another, stale tab:
the operator is sent back to the district's rules saying it is withdrawn already (it was a
bare 404); the API keeps its 404 and says why. And next year's first version, in force once
published, is not labelled "upcoming" on the rules page."""

import re
from datetime import date

import pytest

from regions.models import ProgrammeRulesVersion
from regions.rules import rules_version_publish
from regions.selectors import current_year

pytestmark = pytest.mark.django_db

WITHDRAWN_ALREADY = "This version was withdrawn already."


def next_year() -> int:
    return current_year() + 1


def publish(demo, *, effective_from, region="NANHU"):
    return rules_version_publish(
        actor=demo["users"]["operator"],
        region=demo["regions"][region],
        year=effective_from.year,
        effective_from=effective_from,
        annual_budget="9000000.00",
        max_voucher_per_enterprise="400000.00",
        co_funding_ratio="0.400",
    )


@pytest.fixture
def waiting(demo):
    """Nanhu's first rules of next year (in force at once) and a version waiting for March."""
    publish(demo, effective_from=date(next_year(), 1, 1))
    return publish(demo, effective_from=date(next_year(), 3, 1))


def test_it_sends_a_stale_second_withdrawal_back_to_the_districts_rules(client, demo, waiting):
    client.force_login(demo["users"]["operator"])
    url = f"/rules/{waiting.pk}/withdraw/"
    assert client.post(url, {"reason": "Budget typed wrong"}).status_code == 302  # tab A

    again = client.post(url, {"reason": "Budget typed wrong"})  # tab B, stale

    assert again.status_code == 302
    assert again["Location"] == "/rules/?region=NANHU"
    page = client.get(again["Location"]).content.decode()
    assert WITHDRAWN_ALREADY in page
    assert not ProgrammeRulesVersion.objects.filter(pk=waiting.pk).exists()
    # A version never published is still not found.
    assert client.post("/rules/999999/withdraw/", {"reason": "x"}).status_code == 404


def test_the_api_answers_a_second_withdrawal_404_saying_why(api_as, demo, waiting):
    operator = api_as(demo["users"]["operator"])
    url = f"/api/programme-rules/{waiting.pk}/withdraw/"
    assert operator.post(url, {"reason": "Typo"}, format="json").status_code == 204

    again = operator.post(url, {"reason": "Typo"}, format="json")

    assert again.status_code == 404
    assert again.json() == {"detail": WITHDRAWN_ALREADY, "code": "not_found"}
    never = operator.post("/api/programme-rules/999999/withdraw/", {"reason": "x"}, format="json")
    assert never.status_code == 404 and never.json()["detail"] != WITHDRAWN_ALREADY


def _history_rows(page: str) -> dict[str, str]:
    """The rules history's rows, by the date in their "In force from" cell."""
    body = page.split('class="data stack rules-history"', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    dated = {}
    for row in rows:
        found = re.search(r'data-label="In force from">(\d{4}-\d{2}-\d{2})', row)
        if found:
            dated[found.group(1)] = row
    return dated


def test_next_years_first_version_in_force_is_not_labelled_upcoming(client, demo, waiting):
    client.force_login(demo["users"]["operator"])

    rows = _history_rows(client.get("/rules/", {"region": "NANHU"}).content.decode())

    first = rows[f"{next_year()}-01-01"]
    assert "upcoming" not in first
    assert "in force since published" in first
    assert "in place since published: cannot be withdrawn" in first
    # The version waiting for March is upcoming still.
    assert "upcoming" in rows[f"{next_year()}-03-01"]
