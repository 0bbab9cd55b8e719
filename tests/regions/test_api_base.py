import pytest

pytestmark = pytest.mark.django_db


def test_anyone_lists_the_regions(api_client):
    response = api_client.get("/api/regions/")
    assert response.status_code == 200
    # Paginated as every list of the contract, though four rows fit one page.
    assert response.json()["count"] == 4
    assert [r["code"] for r in response.json()["results"]] == [
        "YANGPU",
        "WUJIN",
        "NANHU",
        "HEFEI_HT",
    ]


def test_one_region_by_code(api_client):
    body = api_client.get("/api/regions/NANHU/").json()
    assert body["name_zh"] == "南湖区"


def test_an_unknown_region_is_404(api_client):
    assert api_client.get("/api/regions/PUDONG/").status_code == 404


def test_a_token_is_issued_for_the_right_password(api_client, demo, password):
    response = api_client.post(
        "/api/auth/token/", {"username": "operator", "password": password}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_token_is_refused_for_a_wrong_password(api_client, demo):
    response = api_client.post(
        "/api/auth/token/", {"username": "operator", "password": "wrong-one"}, format="json"
    )
    assert response.status_code == 400


def test_the_budget_is_visible_to_its_official(api_as, demo):
    body = api_as(demo["users"]["official-wujin"]).get("/api/regions/WUJIN/budget/").json()
    assert body["annual_budget"] == "10000000.00"
    assert body["committed"] == "200000.00"
    assert body["available"] == "9800000.00"


def test_the_budget_of_a_year_is_that_years_or_said_to_be_missing(api_as, demo):
    """?year=2027 and ?year=abc answered this year's figures, as if they were that year's."""
    from regions.selectors import current_year

    client = api_as(demo["users"]["official-wujin"])
    year = current_year()
    this_year = client.get(f"/api/regions/WUJIN/budget/?year={year}")
    assert this_year.status_code == 200 and this_year.json()["year"] == year
    missing = client.get(f"/api/regions/WUJIN/budget/?year={year + 1}", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert f"no programme rules for {year + 1}" in missing.json()["detail"]
    for bad in ("abc", "2026.5", "", "1" * 12):
        response = client.get(f"/api/regions/WUJIN/budget/?year={bad}")
        assert response.status_code == 400, bad
        assert "year" in response.json()
    for unknown in ("0", "-48", "20261"):  # whole numbers: years without rules
        assert client.get(f"/api/regions/WUJIN/budget/?year={unknown}").status_code == 404


def test_the_budget_of_another_district_is_404_for_an_official(api_as, demo):
    assert (
        api_as(demo["users"]["official-wujin"]).get("/api/regions/YANGPU/budget/").status_code
        == 404
    )


def test_the_operator_sees_every_budget(api_as, demo):
    assert api_as(demo["users"]["operator"]).get("/api/regions/YANGPU/budget/").status_code == 200


def test_the_budget_needs_a_login(api_client, demo):
    assert api_client.get("/api/regions/WUJIN/budget/").status_code == 401


def test_the_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
