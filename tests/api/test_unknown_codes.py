"""A district or category given by an unknown code is told which codes there are (DRF said
"Object with code=nope does not exist.")."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_category_code_names_the_known_ones(api_as, demo):
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/demands/",
        {
            "title": "Dispersion",
            "description": "Graphene powder dispersion.",
            "category": "nope",
            "budget_min": "0.00",
            "budget_max": "1000.00",
            "deadline": "2027-06-30",
        },
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["category"][0]
    assert "“nope”" in message and "rnd" in message and "testing" in message


def test_an_unknown_district_code_names_the_four(api_as, demo):
    response = api_as(demo["users"]["operator"]).post(
        "/api/notices/",
        {"kind": "news", "title": "T", "body": "B", "region": "WJ"},
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["region"][0]
    assert "“WJ”" in message and "WUJIN" in message and "YANGPU" in message


def test_a_code_that_is_not_text_keeps_drfs_type_error(api_as, demo):
    response = api_as(demo["users"]["operator"]).post(
        "/api/notices/",
        {"kind": "news", "title": "T", "body": "B", "region": 7},
        format="json",
    )
    assert response.status_code == 400 and "region" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"region": "WJ"},
        {"eligible_categories": ["nope"]},
        {"region": "WU\x00JIN"},
    ],
)
def test_programme_rules_name_the_known_codes_too(api_as, demo, body):
    """The rules' own code field said DRF's "Object with code=WJ does not exist."."""
    rules = {
        "region": "WUJIN",
        "year": 2031,
        "annual_budget": "1000000.00",
        "co_funding_ratio": "0.500",
        "max_voucher_per_enterprise": "100000.00",
        **body,
    }
    response = api_as(demo["users"]["operator"]).post("/api/programme-rules/", rules, format="json")
    assert response.status_code == 400, response.content
    field = next(iter(body))
    message = str(response.json()[field])
    assert "does not exist" not in message and "use one of" in message


def test_a_category_given_as_a_number_is_an_unknown_code(api_as, demo):
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/voucher-applications/",
        {"requested_amount": "1000.00", "purpose": "Testing", "service_category": 123},
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["service_category"][0]
    assert "“123”" in message and "testing" in message
