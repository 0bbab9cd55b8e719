import pytest

pytestmark = pytest.mark.django_db


def test_anyone_lists_the_certified_providers(api_client, demo, make_provider):
    make_provider(region="YANGPU", name="Applied Lab")
    body = api_client.get("/api/providers/").json()
    assert body["count"] == 4
    first = body["results"][0]
    assert set(first) >= {
        "id",
        "name",
        "name_zh",
        "credit_code",
        "region",
        "kind",
        "categories",
        "status",
        "certificate",
    }


def test_it_describes_one_provider(api_client, sit):
    body = api_client.get(f"/api/providers/{sit.pk}/").json()
    assert body["name_zh"] == "上海应用技术大学"
    assert body["region"] == "YANGPU"
    assert body["kind"] == "university"
    assert sorted(body["categories"]) == ["rnd", "testing", "transfer"]
    assert body["certificate"] == sit.certificates.get().serial


def test_it_filters(api_client, demo):
    def names(**params):
        return [p["name"] for p in api_client.get("/api/providers/", params).json()["results"]]

    assert names(region="NANHU") == ["Jiaxing Weikai Testing Technology Co., Ltd."]
    assert "Jiaxing Weikai Testing Technology Co., Ltd." not in names(category="rnd")
    assert names(search="jiangnan") == ["Jiangnan Graphene Research Institute"]
    assert names(status="applied") == []


def test_the_provider_and_its_officials_see_its_other_states(api_as, users, make_provider):
    provider = make_provider(region="NANHU", name="Applied Lab")
    url = f"/api/providers/{provider.pk}/"
    assert api_as(provider.users.get()).get(url).status_code == 200
    assert api_as(users["official-nanhu"]).get(url).status_code == 200
    assert api_as(users["operator"]).get(url).status_code == 200
    assert api_as(users["official-wujin"]).get(url).status_code == 404
    assert api_as(users["enterprise-nanhu"]).get(url).status_code == 404
    body = api_as(users["official-nanhu"]).get("/api/providers/", {"status": "applied"}).json()
    assert [p["name"] for p in body["results"]] == ["Applied Lab"]
