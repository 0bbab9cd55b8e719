import pytest

from regions.models import User
from tests.located import assert_located
from tests.vouchers.conftest import valid_credit_code
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "name": "Hefei Optics Co.",
        "credit_code": valid_credit_code("91340100MA2XYW001"),
        "region": "HEFEI_HT",
        "industry": "Optics",
        "size": "small",
        "contact_name": "Wang",
        "contact_email": "wang@optics.example",
    }
    data.update(overrides)
    return data


def test_an_enterprise_user_sees_only_its_own(api_as, demo):
    response = api_as(demo["users"]["enterprise-yangpu"]).get("/api/enterprises/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [e["id"] for e in results] == [demo["enterprises"]["enterprise-yangpu"].pk]
    assert results[0]["region"] == "YANGPU"


def test_an_official_sees_its_district(api_as, demo):
    results = api_as(demo["users"]["official-nanhu"]).get("/api/enterprises/").json()["results"]
    assert {e["region"] for e in results} == {"NANHU"}


def test_the_operator_sees_all(api_as, demo):
    assert api_as(demo["users"]["operator"]).get("/api/enterprises/").json()["count"] == 4


def test_another_enterprise_is_404(api_as, demo):
    other = demo["enterprises"]["enterprise-hefei"]
    client = api_as(demo["users"]["enterprise-yangpu"])
    assert client.get(f"/api/enterprises/{other.pk}/").status_code == 404


def test_the_list_runs_a_constant_number_of_queries(api_as, demo, django_assert_max_num_queries):
    client = api_as(demo["users"]["operator"])
    with django_assert_max_num_queries(4):
        assert client.get("/api/enterprises/").status_code == 200


def test_a_new_enterprise_user_registers_its_enterprise(api_as, demo):
    user = User.objects.create_user(username="fresh", password="pass-2026-x", role="enterprise")
    response = api_as(user).post("/api/enterprises/", body(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["verified"] is False
    user.refresh_from_db()
    assert user.enterprise.name == "Hefei Optics Co."


def test_a_bad_credit_code_is_400_on_the_field(api_as, demo):
    user = User.objects.create_user(username="fresh", password="pass-2026-x", role="enterprise")
    good = valid_credit_code("91340100MA2XYW001")
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = api_as(user).post("/api/enterprises/", body(credit_code=wrong), format="json")
    assert response.status_code == 400
    assert "check character" in response.json()["credit_code"][0]


def test_a_duplicate_credit_code_is_400(api_as, demo):
    taken = demo["enterprises"]["enterprise-hefei"].credit_code
    response = api_as(demo["users"]["operator"]).post(
        "/api/enterprises/", body(credit_code=taken), format="json"
    )
    assert response.status_code == 400
    assert "already registered" in response.json()["credit_code"][0]
    assert Enterprise.objects.filter(credit_code=taken).count() == 1


def test_an_enterprise_user_with_an_enterprise_gets_403(api_as, demo):
    response = api_as(demo["users"]["enterprise-yangpu"]).post(
        "/api/enterprises/", body(), format="json"
    )
    assert response.status_code == 403
    assert not Enterprise.objects.filter(name="Hefei Optics Co.").exists()


def test_an_official_registers_only_in_its_district(api_as, demo):
    client = api_as(demo["users"]["official-yangpu"])
    assert client.post("/api/enterprises/", body(), format="json").status_code == 400
    assert_located(
        client,
        client.post("/api/enterprises/", body(region="YANGPU"), format="json"),
        "/api/enterprises/{id}/",
    )


def test_a_provider_gets_403(api_as, demo):
    response = api_as(demo["users"]["provider-sit"]).post(
        "/api/enterprises/", body(), format="json"
    )
    assert response.status_code == 403


def test_a_caller_who_may_not_register_gets_403_whatever_the_body(api_as, demo):
    """The role is checked before the fields: a 400 would tell the caller to fix a body that
    can never pass."""
    for name in ("enterprise-yangpu", "provider-sit"):
        response = api_as(demo["users"][name]).post("/api/enterprises/", {}, format="json")
        assert response.status_code == 403, name
