"""What the next settlement batch would take, for the official who watches it: the
statements page says it for the district, and the redemptions API filters on it. The
dashboard pointed to "the settlement pages", which listed only batches."""

from decimal import Decimal

import pytest

from tests.settlement.factories import spread

pytestmark = pytest.mark.django_db


def test_the_statements_page_says_what_is_not_yet_settled(client, demo, computed):
    later = spread(demo, 16)  # approved after the batch: in none yet
    owes = sum((a for (f, _t), a in later.items() if f == "YANGPU"), Decimal("0"))
    owed = sum((a for (_f, t), a in later.items() if t == "YANGPU"), Decimal("0"))
    assert owes and owed
    client.force_login(demo["users"]["official-yangpu"])
    response = client.get("/official/statements/", HTTP_ACCEPT_LANGUAGE="en")
    unsettled = response.context["unsettled"]
    assert (unsettled["owes"], unsettled["owed"], unsettled["net"]) == (owes, owed, owed - owes)
    page = response.content.decode()
    assert "Not yet settled" in page and f"¥{owes:,.2f}" in page


def test_the_api_filters_redemptions_settled_or_not(demo, api_as, computed):
    batch, _expected = computed
    spread(demo, 16)
    client = api_as(demo["users"]["operator"])

    def ids(query):
        body = client.get(f"/api/redemptions/?page_size=200&{query}").json()
        return {row["id"] for row in body["results"]}

    settled = ids("settled=true")
    unsettled_cross = ids("settled=false&cross_region=true")
    assert settled == ids(f"settlement_batch={batch.pk}")
    assert unsettled_cross and not (settled & unsettled_cross)
    assert client.get("/api/redemptions/?settled=maybe").status_code == 400
