"""Where the matching shows: `matches` and `experts` in `GET /api/demands/{id}/` and the panel
of the demand page, for the demand's enterprise and officials; not for providers."""

import pytest

from tests.providers.matching_helpers import graphene_demand_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def graphene_demand(demo):
    return graphene_demand_of(demo)


def test_the_owner_reads_the_ranked_matches_in_the_api(api_as, users, demo, graphene_demand):
    body = api_as(users["enterprise-jiangnan"]).get(f"/api/demands/{graphene_demand.pk}/").json()
    ids = [m["provider"] for m in body["matches"]]
    assert set(ids[:2]) == {
        demo["providers"]["provider-sit"].pk,
        demo["providers"]["provider-graphene"].pk,
    }
    first = body["matches"][0]
    assert set(first) == {"provider", "provider_name", "region", "score", "reasons"}
    assert first["reasons"] and all(isinstance(r, str) for r in first["reasons"])
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=True)
    # Li Wei and Zhang Min fit best but work with the two providers proposing for it: an
    # expert with a stake in the demand is not suggested.
    experts = {e["expert_name"] for e in body["experts"]}
    assert experts and not experts & {"Li Wei", "Zhang Min"}


def test_an_official_of_another_district_reads_them_too(api_as, users, graphene_demand):
    body = api_as(users["official-nanhu"]).get(f"/api/demands/{graphene_demand.pk}/").json()
    assert body["matches"]


def test_a_provider_sees_the_demand_but_not_the_ranking(api_as, users, graphene_demand):
    response = api_as(users["provider-weikai"]).get(f"/api/demands/{graphene_demand.pk}/")
    assert response.status_code == 200
    assert response.json()["matches"] == []
    assert response.json()["experts"] == []


def test_the_reasons_follow_the_readers_language(api_as, users, graphene_demand):
    client = api_as(users["enterprise-jiangnan"])
    body = client.get(f"/api/demands/{graphene_demand.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["matches"][0]["reasons"][0] == "提供研发合作服务"


def test_the_owner_sees_the_panel_on_the_demand_page(client, users, demo, graphene_demand):
    client.force_login(users["enterprise-jiangnan"])
    page = client.get(f"/demands/{graphene_demand.pk}/").content.decode()
    assert "Who fits this demand" in page
    assert demo["providers"]["provider-sit"].name in page
    assert "Offers services in R&amp;D collaboration" in page
    assert "<kbd>石墨烯</kbd>" in page
    assert "Experts who could advise" in page


def test_a_provider_does_not_see_the_panel(client, users, graphene_demand):
    client.force_login(users["provider-weikai"])
    response = client.get(f"/demands/{graphene_demand.pk}/")
    assert response.status_code == 200
    assert "Who fits this demand" not in response.content.decode()


def test_the_demand_page_reads_a_constant_number_of_queries(
    client, users, graphene_demand, make_provider, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["enterprise-jiangnan"])
    url = f"/demands/{graphene_demand.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(8):
        make_provider(status="certified", categories=("rnd",))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("status", ["awarded", "closed"])
def test_a_demand_no_longer_open_suggests_no_one(client, users, graphene_demand, status):
    """An awarded demand went on ranking providers for a need already given to one."""
    type(graphene_demand).objects.filter(pk=graphene_demand.pk).update(status=status)
    client.force_login(users["enterprise-jiangnan"])
    page = client.get(f"/demands/{graphene_demand.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Who fits this demand" not in page.content.decode()
