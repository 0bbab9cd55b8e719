"""The rules pages in the browser's terms: the publishing form (prefilled with the rules in
force, the ratio in per cent as every page shows it, its bounds said), the public rules page
and its history."""

from decimal import Decimal

import pytest
from django.utils import timezone

from providers.models import ServiceCategory
from regions.models import ProgrammeRulesVersion
from regions.selectors import current_year, programme_today
from tests.regions.test_rules_versions import publish, snapshot, wujin

pytestmark = pytest.mark.django_db


def page_form(region: str, **fields) -> dict:
    """The publish page's form as a person fills it in, for `region`."""
    return {
        "region": region,
        "year": current_year(),
        "effective_from": programme_today().isoformat(),
        "annual_budget": "13000000.00",
        "max_voucher_per_enterprise": "300000.00",
        "co_funding_percent": "50",
        "validity_days": "365",
        "provider_notice_days": "7",
        "split_window_days": "90",
        "service_level_days": "5",
        **fields,
    }


def test_the_publish_page_prefills_and_publishes(client, demo):
    client.force_login(demo["users"]["operator"])
    page = client.get("/rules/publish/?region=WUJIN")
    assert page.status_code == 200
    assert b'value="10000000.00"' in page.content or b"10000000" in page.content

    form = page_form("WUJIN", cross_region="on")
    response = client.post("/rules/publish/", form)
    assert response.status_code == 302
    assert wujin().annual_budget == Decimal("13000000.00")

    before = snapshot()
    refused = client.post("/rules/publish/", {**form, "annual_budget": "1.00"})
    assert refused.status_code == 409
    assert snapshot() == before


def test_an_unknown_district_on_the_publish_page_says_so(client, demo):
    """?region=WJ showed Yangpu's rules under no word of it: the operator published over
    Yangpu's budget meaning Wujin's."""
    client.force_login(demo["users"]["operator"])
    page = client.get("/rules/publish/?region=WJ", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "There is no district WJ" in page.content.decode()
    # The publish form asks before it publishes.
    assert "Publish these rules?" in page.content.decode()


def test_the_publish_page_holds_the_chosen_districts_rules_and_counts_once(client, demo):
    from portal.submissions import FIELD

    client.force_login(demo["users"]["operator"])
    page = client.get("/rules/publish/?region=NANHU").content.decode()
    # The district is the one chosen above the form, not a choice inside it.
    assert 'type="hidden" name="region" value="NANHU"' in page
    assert '<select name="region"' not in page

    form = page_form("NANHU", **{FIELD: "publish-once-key-0001"})
    before = ProgrammeRulesVersion.objects.filter(region__code="NANHU").count()
    assert client.post("/rules/publish/", form).status_code == 302
    # Back, and Publish again with the same form: one version.
    client.post("/rules/publish/", form)
    assert ProgrammeRulesVersion.objects.filter(region__code="NANHU").count() == before + 1


def test_the_publish_page_is_the_operators(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    assert client.get("/rules/publish/").status_code == 403


def test_the_public_rules_page_shows_current_and_history(client, demo):
    publish(demo, annual_budget="12345678.00")

    page = client.get("/rules/")
    assert page.status_code == 200
    assert b"12,345,678" in page.content or b"12345678" in page.content
    assert client.get("/rules/?region=WUJIN&page=1").status_code == 200


def test_the_history_shows_what_each_version_set_and_when(client, demo):
    """Two versions published the same day read alike (no time), and the history showed
    neither the four-eyes threshold nor the eligible categories a version changed."""
    category = ServiceCategory.objects.order_by("pk").first()
    version = publish(
        demo, four_eyes_threshold=Decimal("123456.00"), eligible_categories=[category]
    )
    page = client.get("/rules/?region=WUJIN", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = page.split('class="data stack rules-history"', 1)[1]
    assert "¥123,456.00" in history and category.name in history
    published = timezone.localtime(version.published_at).strftime("%Y-%m-%d %H:%M")
    assert published in history


@pytest.mark.parametrize("days", ["0", "99999999", "abc"])
def test_the_publish_form_says_the_bounds_of_a_number_of_days(client, demo, days):
    """0 said "Ensure this value is greater than or equal to 1", 99,999,999 the bounds."""
    client.force_login(demo["users"]["operator"])
    response = client.post(
        "/rules/publish/", page_form("WUJIN", validity_days=days), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Enter a whole number of days from 1 to 3660." in response.content.decode()


def test_an_unknown_district_on_the_rules_page_is_said(client, demo):
    response = client.get("/rules/?region=WJ", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "No district has the code “WJ”." in response.content.decode()


def test_next_years_first_rules_say_why_they_cannot_be_withdrawn(client, demo):
    """A next year's first version is in place once published (nothing else holds that year):
    its row said "upcoming" and "Took effect" at once."""
    client.force_login(demo["users"]["operator"])
    next_year = current_year() + 1
    response = client.post(
        "/rules/publish/",
        page_form("WUJIN", year=next_year, effective_from=f"{next_year}-01-01"),
    )
    assert response.status_code == 302
    page = client.get("/rules/?region=WUJIN", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"The first rules of {next_year}, in place since published" in page
    assert 'class="data stack rules-history"' in page


def test_the_publish_form_shows_the_ratio_in_per_cent(client, demo):
    """The pages show 50%; the form asked for 0.500, and an operator typing 50 read an error."""
    client.force_login(demo["users"]["operator"])
    page = client.get("/rules/publish/?region=WUJIN", HTTP_ACCEPT_LANGUAGE="en")
    assert wujin().co_funding_ratio == Decimal("0.500")
    assert 'name="co_funding_percent" value="50"' in page.content.decode()
    assert "Co-funding ratio (%)" in page.content.decode()


@pytest.mark.parametrize(
    ("typed", "stored"), [("50", "0.500"), ("12.5", "0.125"), ("100", "1.000"), ("0.1", "0.001")]
)
def test_a_ratio_typed_in_per_cent_is_stored_as_a_share(client, demo, typed, stored):
    client.force_login(demo["users"]["operator"])
    response = client.post("/rules/publish/", page_form("WUJIN", co_funding_percent=typed))
    assert response.status_code == 302, response.content
    assert wujin().co_funding_ratio == Decimal(stored)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "The co-funding ratio must be more than 0% and at most 100%."),
        ("-5", "The co-funding ratio must be more than 0% and at most 100%."),
        ("100.1", "The co-funding ratio must be more than 0% and at most 100%."),
        ("12.25", "Enter the co-funding ratio in per cent with at most one decimal, like 50"),
        ("33.3333", "Enter the co-funding ratio in per cent with at most one decimal, like 50"),
        ("half", "Enter the co-funding ratio in per cent with at most one decimal, like 50"),
        ("", "This field is required."),
    ],
)
def test_a_ratio_out_of_bounds_is_said_and_changes_nothing(client, demo, typed, message):
    client.force_login(demo["users"]["operator"])
    before = snapshot()
    response = client.post(
        "/rules/publish/",
        page_form("WUJIN", co_funding_percent=typed),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before
