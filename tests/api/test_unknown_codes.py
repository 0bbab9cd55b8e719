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
