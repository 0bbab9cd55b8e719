"""Who sees which demand: public ones for everyone, invited-only ones for their enterprise,
the invited providers and the officials of its district; 404 for everyone else."""

import pytest

from tests.providers.demand_factories import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited_only(users, demo):
    return publish(users["enterprise-jiangnan"], invited=[demo["providers"]["provider-graphene"]])


def test_an_invited_provider_sees_it(api_as, users, invited_only):
    client = api_as(users["provider-graphene"])
    assert client.get(f"/api/demands/{invited_only.pk}/").status_code == 200
    ids = [d["id"] for d in client.get("/api/demands/").json()["results"]]
    assert invited_only.pk in ids


def test_another_provider_gets_404(api_as, users, invited_only):
    client = api_as(users["provider-sit"])
    assert client.get(f"/api/demands/{invited_only.pk}/").status_code == 404
    ids = [d["id"] for d in client.get("/api/demands/").json()["results"]]
    assert invited_only.pk not in ids
    response = client.post(
        f"/api/demands/{invited_only.pk}/proposals/",
        {"approach": "x", "price": "1000.00", "duration_days": 5},
        format="json",
    )
    assert response.status_code == 404


def test_another_enterprise_gets_404_and_the_page_too(api_as, users, invited_only, client):
    assert (
        api_as(users["enterprise-yangpu"]).get(f"/api/demands/{invited_only.pk}/").status_code
        == 404
    )
    client.force_login(users["enterprise-yangpu"])
    assert client.get(f"/demands/{invited_only.pk}/").status_code == 404


def test_the_owner_sees_whom_it_invited(api_as, users, invited_only, demo):
    body = api_as(users["enterprise-jiangnan"]).get(f"/api/demands/{invited_only.pk}/").json()
    assert body["invited_providers"] == [demo["providers"]["provider-graphene"].pk]
    assert body["visibility"] == "invited"


def test_a_public_demand_page_is_public(client, users):
    demand = publish(users["enterprise-jiangnan"])
    response = client.get(f"/demands/{demand.pk}/")
    assert response.status_code == 200
    assert demand.title in response.content.decode()


def test_the_list_reads_in_constant_queries(api_as, users, django_assert_max_num_queries):
    for n in range(5):
        publish(users["enterprise-jiangnan"], title=f"Demand {n}")
    client = api_as(users["provider-sit"])
    with django_assert_max_num_queries(12):
        response = client.get("/api/demands/")
    assert response.status_code == 200


def test_anyone_reads_public_demands_through_the_api_as_on_the_pages(api_client, demo):
    from providers.models import Demand

    listed = api_client.get("/api/demands/")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert rows and all(
        Demand.objects.get(pk=row["id"]).visibility == Demand.Visibility.PUBLIC for row in rows
    )
    one = api_client.get(f"/api/demands/{rows[0]['id']}/")
    # The ranked providers and experts are for those who may see them, as on the page.
    assert one.status_code == 200 and one.json()["matches"] == one.json()["experts"] == []
    hidden = Demand.objects.exclude(visibility=Demand.Visibility.PUBLIC).first()
    if hidden is not None:
        assert api_client.get(f"/api/demands/{hidden.pk}/").status_code == 404
    assert api_client.post("/api/demands/", {}, format="json").status_code in (401, 403)
    assert api_client.get(f"/api/demands/{rows[0]['id']}/proposals/").status_code in (401, 403)


def test_only_the_officials_of_its_district_see_it(api_as, users, invited_only, client):
    assert (
        api_as(users["official-wujin"]).get(f"/api/demands/{invited_only.pk}/").status_code == 200
    )
    other = api_as(users["official-yangpu"])
    assert other.get(f"/api/demands/{invited_only.pk}/").status_code == 404
    assert other.get(f"/api/demands/{invited_only.pk}/proposals/").status_code == 404
    assert invited_only.pk not in [d["id"] for d in other.get("/api/demands/").json()["results"]]
    client.force_login(users["official-yangpu"])
    assert client.get(f"/demands/{invited_only.pk}/").status_code == 404
