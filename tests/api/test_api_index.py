"""GET /api/ lists the API's lists, each under /api/."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_index_links_to_the_api_not_to_the_pages(api_as, demo):
    # `voucher-list` names a page too: the index sent API clients to HTML.
    client = api_as(demo["users"]["operator"])
    index = client.get("/api/").json()
    assert {"vouchers", "redemptions", "notices", "service-orders"} <= set(index)
    for name, link in index.items():
        assert link.startswith("http://testserver/api/"), (name, link)
    listed = client.get(index["vouchers"].removeprefix("http://testserver"))
    assert listed.status_code == 200
    assert listed["Content-Type"].startswith("application/json")
    # Every address it names answers (certificates and proposals, which have no list, 404ed).
    for name, link in index.items():
        answer = client.get(link.removeprefix("http://testserver"))
        assert answer.status_code == 200, (name, answer.status_code)
    assert "certificates" not in index and "proposals" not in index


def test_the_index_is_open_to_anyone_and_names_the_statistics(api_client, demo):
    """Most lists it names are public: it answered 401 without a token."""
    response = api_client.get("/api/")
    assert response.status_code == 200
    index = response.json()
    assert index["statistics"] == "http://testserver/api/statistics/"
    assert api_client.get("/api/statistics/").status_code == 200
