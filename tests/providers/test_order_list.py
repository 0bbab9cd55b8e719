import pytest

from providers import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_orders(demo, users, sit):
    for i in range(60):
        services.order_create(
            actor=users["enterprise-jiangnan"],
            provider=sit,
            voucher=demo["voucher"],
            title=f"Order {i}",
            contract_amount="1000.00",
        )
    return 61


def test_the_enterprise_sees_its_orders_with_the_next_step(client, users, order_in):
    order_in("completed")
    client.force_login(users["enterprise-jiangnan"])
    html = client.get("/orders/").content.decode()
    assert "Graphene powder preparation" in html
    assert "Confirm delivery or dispute it" in html


def test_the_provider_sees_what_to_do(client, users, demo):
    client.force_login(users["provider-sit"])
    html = client.get("/orders/").content.decode()
    assert "Accept or decline" in html


def test_an_official_reads_whose_move_it_is(client, users, order_in):
    """The column said the status again ("Requested" beside "Requested")."""
    order_in("completed")
    client.force_login(users["official-wujin"])
    html = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-label="Next">Waiting for the enterprise to confirm<' in html


def test_it_filters_by_state(client, users, order_in):
    order_in("accepted")
    client.force_login(users["enterprise-jiangnan"])
    assert "Graphene" in client.get("/orders/", {"status": "accepted"}).content.decode()
    assert "Graphene" not in client.get("/orders/", {"status": "requested"}).content.decode()


def test_other_enterprises_see_none_of_it(client, users, demo):
    client.force_login(users["enterprise-yangpu"])
    assert "Graphene powder" not in client.get("/orders/").content.decode()


@pytest.mark.parametrize("size", [5, 50])
def test_the_page_runs_a_constant_number_of_queries(
    client, users, many_orders, size, django_assert_max_num_queries
):
    client.force_login(users["provider-sit"])
    with django_assert_max_num_queries(8):
        response = client.get("/orders/", {"page_size": size})
    assert len(response.context["page"].object_list) == size


@pytest.mark.parametrize("size", [5, 50])
def test_the_api_runs_a_constant_number_of_queries(
    api_as, users, many_orders, size, django_assert_max_num_queries
):
    client = api_as(users["enterprise-jiangnan"])
    with django_assert_max_num_queries(5):
        response = client.get("/api/service-orders/", {"page_size": size})
    assert len(response.json()["results"]) == size
    assert response.json()["count"] == many_orders


def test_the_api_filters_by_status(api_as, users, order_in):
    order_in("accepted")
    body = api_as(users["provider-sit"]).get("/api/service-orders/", {"status": "accepted"}).json()
    assert [o["status"] for o in body["results"]] == ["accepted"]


def test_officials_see_orders_of_either_side_of_their_district(api_as, users, demo):
    for username in ("official-wujin", "official-yangpu", "operator"):
        ids = [
            o["id"] for o in api_as(users[username]).get("/api/service-orders/").json()["results"]
        ]
        assert demo["order"].pk in ids, username
    assert api_as(users["official-nanhu"]).get("/api/service-orders/").json()["count"] == 0


def test_the_order_page_shows_the_audit_trail(client, users, order_in):
    order = order_in("accepted")
    client.force_login(users["enterprise-jiangnan"])
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert "History" in html and "accept" in html
