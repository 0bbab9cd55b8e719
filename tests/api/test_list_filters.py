"""List filters: a value of the documented type is always accepted (an id that matches
nothing gives an empty list); a value of another type is a 400 that names the parameter."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_an_empty_list_for_an_unknown_id(demo, api_as):
    client = api_as(demo["users"]["official-wujin"])

    for path in (
        "/api/service-orders/?provider=0",
        "/api/service-orders/?enterprise=999999",
        "/api/service-offerings/?provider=0",
        "/api/voucher-applications/?enterprise=0",
        "/api/vouchers/?enterprise=0",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.json()["count"] == 0, path


def test_it_filters_by_a_known_id(demo, api_as):
    order = demo["order"]

    response = api_as(demo["users"]["official-wujin"]).get(
        f"/api/service-orders/?provider={order.provider_id}"
    )

    assert response.status_code == 200
    assert order.pk in [row["id"] for row in response.json()["results"]]


def test_it_refuses_an_id_that_is_not_a_whole_number(demo, api_as):
    response = api_as(demo["users"]["official-wujin"]).get("/api/service-orders/?provider=abc")

    assert response.status_code == 400
    assert "provider" in response.json()


def test_it_refuses_a_fractional_year(demo, api_as):
    response = api_as(demo["users"]["official-wujin"]).get("/api/vouchers/?year=0.5")

    assert response.status_code == 400
    assert "year" in response.json()


@pytest.mark.parametrize("value", ["null", "0", "yes", "maybe"])
def test_it_refuses_a_boolean_that_is_not_true_or_false(demo, api_as, value):
    client = api_as(demo["users"]["official-wujin"])

    for path, name in (
        (f"/api/enterprises/?verified={value}", "verified"),
        (f"/api/redemptions/?cross_region={value}", "cross_region"),
        (f"/api/service-offerings/?active={value}", "active"),
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert name in response.json(), path


def test_it_filters_on_true_and_false(demo, api_as):
    client = api_as(demo["users"]["official-wujin"])

    verified = client.get("/api/enterprises/?verified=true").json()["count"]
    unverified = client.get("/api/enterprises/?verified=false").json()["count"]

    assert verified + unverified == client.get("/api/enterprises/").json()["count"]


def test_an_unknown_ordering_field_answers_400_naming_the_fields(demo, api_as):
    response = api_as(demo["users"]["operator"]).get("/api/vouchers/?ordering=-claimed_at")

    assert response.status_code == 400
    message = response.json()["ordering"][0]
    assert "balance" in message and "issued_at" in message


def test_known_ordering_fields_still_order(demo, api_as):
    client = api_as(demo["users"]["operator"])

    rows = client.get("/api/providers/?ordering=-id,name").json()["results"]

    ids = [row["id"] for row in rows]
    assert len(ids) > 1 and ids == sorted(ids, reverse=True)
    # As the schema's pattern writes it: empty is the default order; blank or spaced terms
    # are refused.
    assert client.get("/api/vouchers/?ordering=").status_code == 200
    for odd in ("id,", "id,,balance", "%20id", "--id"):
        assert client.get(f"/api/vouchers/?ordering={odd}").status_code == 400, odd


def test_the_schema_gives_the_ordering_fields_as_a_pattern():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/vouchers/"]["get"]["parameters"]
    ordering = next(p for p in parameters if p["name"] == "ordering")

    assert "face_value" in ordering["description"]
    assert re.fullmatch(ordering["schema"]["pattern"], "-face_value,id")
    assert re.fullmatch(ordering["schema"]["pattern"], "")
    assert not re.fullmatch(ordering["schema"]["pattern"], "claimed_at")
