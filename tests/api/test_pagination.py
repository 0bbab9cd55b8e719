"""`?page=` and `?page_size=`: whole numbers from 1, else 400 naming the parameter."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["null", "0", "-1", "1.5", " 2", "+2", "1_0", "", "٣"])
@pytest.mark.parametrize("parameter", ["page", "page_size"])
def test_it_refuses_a_value_that_is_not_a_positive_whole_number(demo, api_as, parameter, value):
    response = api_as(demo["users"]["operator"]).get("/api/providers/", {parameter: value})

    assert response.status_code == 400
    assert parameter in response.json()


def test_it_serves_the_asked_page_size(demo, api_as):
    response = api_as(demo["users"]["operator"]).get("/api/providers/?page_size=1")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_it_caps_a_large_page_size_at_200(demo, api_as):
    response = api_as(demo["users"]["operator"]).get("/api/providers/", {"page_size": "9" * 40})

    assert response.status_code == 200


def test_it_answers_404_past_the_last_page(demo, api_as):
    client = api_as(demo["users"]["operator"])

    assert client.get("/api/providers/?page=999").status_code == 404
    assert client.get("/api/providers/", {"page": "9" * 40}).status_code == 404
