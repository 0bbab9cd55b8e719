"""A bad choice on the statistics page is left out and the others kept: `?region=WUJIN&month=13`
showed the whole programme's figures with the district selector reset."""

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_bad_month_keeps_the_district(client, demo):
    response = client.get("/statistics/?region=WUJIN&month=13", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["figures"]["region"] == "WUJIN"
    assert response.context["query"]["month"] is None
    page = response.content.decode()
    assert '<option value="WUJIN" selected>' in page
    assert "Month: A month from 1 to 12." in page
    assert "the figures below leave them out" in page


def test_a_bad_district_keeps_the_month(client, demo):
    response = client.get("/statistics/?region=NOWHERE&month=3", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["figures"]["region"] is None
    assert response.context["query"]["month"] == 3
    assert "District: Not a district code" in response.content.decode()
