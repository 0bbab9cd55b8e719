"""What a new rules version leaves out keeps its value, also for next year's first version
(from the previous year's last version), on every way in; and a cap per enterprise above
the annual budget is refused."""

from datetime import date
from decimal import Decimal

import pytest

from providers.models import ServiceCategory
from regions.models import ProgrammeRules, ProgrammeRulesVersion
from regions.rules import rules_version_publish
from regions.selectors import current_year, programme_today

pytestmark = pytest.mark.django_db

URL = "/api/programme-rules/"


def next_year() -> int:
    return current_year() + 1


def eligible_category() -> ServiceCategory:
    return ServiceCategory.objects.order_by("id").first()


def last_of_this_year(api_as, demo, region="YANGPU"):
    """A version waiting for December 8th (today when later): the rules this year ends
    with, unlike those in force today."""
    effective = max(programme_today(), date(current_year(), 12, 8))
    response = api_as(demo["users"]["operator"]).post(
        URL,
        {
            "region": region,
            "year": current_year(),
            "effective_from": effective.isoformat(),
            "annual_budget": "12000000.00",
            "max_voucher_per_enterprise": "300000.00",
            "co_funding_ratio": "0.500",
            "four_eyes_threshold": "150000.00",
            "eligible_categories": [eligible_category().code],
            "requires_own_share": False,
            "validity_days": 200,
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def next_years_minimal(region="YANGPU", **fields) -> dict:
    return {
        "region": region,
        "year": next_year(),
        "annual_budget": "5000000.00",
        "max_voucher_per_enterprise": "300000.00",
        "co_funding_ratio": "0.500",
        **fields,
    }


def test_next_years_first_version_keeps_the_previous_years_last_values(api_as, demo):
    last_of_this_year(api_as, demo)

    response = api_as(demo["users"]["operator"]).post(URL, next_years_minimal(), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["four_eyes_threshold"] == "150000.00"
    assert data["eligible_categories"] == [eligible_category().code]
    assert data["requires_own_share"] is False
    assert data["validity_days"] == 200
    # The district-year row, which approvals read, holds them too.
    rules = ProgrammeRules.objects.get(region__code="YANGPU", year=next_year())
    assert rules.four_eyes_threshold == Decimal("150000.00")
    assert rules.validity_days == 200


def test_next_years_first_version_keeps_four_eyes_on(api_as, demo):
    this_year = ProgrammeRules.objects.get(region__code="WUJIN", year=current_year())
    assert this_year.four_eyes_threshold is not None

    response = api_as(demo["users"]["operator"]).post(
        URL, next_years_minimal(region="WUJIN"), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["four_eyes_threshold"] == f"{this_year.four_eyes_threshold:.2f}"


def test_the_service_keeps_the_previous_years_values_for_every_caller(api_as, demo):
    last_of_this_year(api_as, demo)

    version = rules_version_publish(
        actor=demo["users"]["operator"],
        region=demo["regions"]["YANGPU"],
        year=next_year(),
        annual_budget="5000000.00",
        max_voucher_per_enterprise="300000.00",
        co_funding_ratio="0.500",
    )

    assert version.four_eyes_threshold == Decimal("150000.00")
    assert [c.pk for c in version.eligible_categories.all()] == [eligible_category().pk]
    assert version.requires_own_share is False


def test_null_and_an_empty_list_still_turn_them_off_for_next_year(api_as, demo):
    last_of_this_year(api_as, demo)

    response = api_as(demo["users"]["operator"]).post(
        URL,
        next_years_minimal(four_eyes_threshold=None, eligible_categories=[]),
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["four_eyes_threshold"] is None
    assert response.json()["eligible_categories"] == []
    # What the body left out is still kept.
    assert response.json()["validity_days"] == 200


def test_a_second_version_of_next_year_keeps_the_first_ones_categories(api_as, demo):
    """Published before the year begins without a date, its values were read from the
    row as of today, which holds no categories: every category became eligible."""
    client = api_as(demo["users"]["operator"])
    first = client.post(
        URL,
        next_years_minimal(region="NANHU", eligible_categories=[eligible_category().code]),
        format="json",
    )
    assert first.status_code == 201, first.content

    again = client.post(URL, next_years_minimal(region="NANHU"), format="json")

    assert again.status_code == 201, again.content
    assert again.json()["eligible_categories"] == [eligible_category().code]


def test_the_publish_page_prefills_next_year_from_this_years_last_version(api_as, client, demo):
    last_of_this_year(api_as, demo)
    client.force_login(demo["users"]["operator"])

    page = client.get(f"/rules/publish/?region=YANGPU&year={next_year()}")

    assert page.status_code == 200
    form = page.context["form"]
    assert form["year"].value() == next_year()
    assert form["effective_from"].value() == date(next_year(), 1, 1)
    assert form["four_eyes_threshold"].value() == Decimal("150000.00")
    assert form["validity_days"].value() == 200
    assert list(form["eligible_categories"].value()) == [eligible_category().pk]


def test_the_publish_page_refuses_a_year_it_cannot_publish_for(client, demo):
    client.force_login(demo["users"]["operator"])

    page = client.get("/rules/publish/?region=YANGPU&year=1999", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 400
    assert "Rules are published for this year or the next." in page.content.decode()
    assert page.context["form"]["year"].value() == current_year()


def test_a_cap_above_the_budget_is_refused_by_the_api(api_as, demo):
    before = ProgrammeRulesVersion.objects.count()

    response = api_as(demo["users"]["operator"]).post(
        URL,
        next_years_minimal(
            region="WUJIN", annual_budget="100.00", max_voucher_per_enterprise="150000.00"
        ),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "cap_above_budget"
    assert body["max_voucher_per_enterprise"] == [
        "The cap per enterprise (¥150,000.00) cannot be above the annual budget (¥100.00)."
    ]
    assert ProgrammeRulesVersion.objects.count() == before
    assert not ProgrammeRules.objects.filter(region__code="WUJIN", year=next_year()).exists()


def test_a_cap_above_the_budget_is_refused_on_the_page(client, demo):
    client.force_login(demo["users"]["operator"])
    before = ProgrammeRulesVersion.objects.count()
    form = {
        "region": "WUJIN",
        "year": next_year(),
        "effective_from": date(next_year(), 1, 1).isoformat(),
        "annual_budget": "100.00",
        "max_voucher_per_enterprise": "150000.00",
        "co_funding_percent": "50",
        "validity_days": "365",
        "provider_notice_days": "7",
        "split_window_days": "90",
        "service_level_days": "5",
    }

    response = client.post("/rules/publish/", form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["form"].errors["max_voucher_per_enterprise"] == [
        "The cap per enterprise (¥150,000.00) cannot be above the annual budget (¥100.00)."
    ]
    assert ProgrammeRulesVersion.objects.count() == before
