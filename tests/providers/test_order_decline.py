import pytest

pytestmark = pytest.mark.django_db


def test_it_declines_with_a_reason(api_as, users, demo):
    response = api_as(users["provider-sit"]).post(
        f"/api/service-orders/{demo['order'].pk}/decline/",
        {"reason": "No capacity this quarter."},
        format="json",
    )
    assert response.status_code == 200
    order = demo["order"]
    order.refresh_from_db()
    assert order.status == "declined"
    assert order.status_reason == "No capacity this quarter."


def test_it_needs_a_reason(api_as, users, demo):
    response = api_as(users["provider-sit"]).post(
        f"/api/service-orders/{demo['order'].pk}/decline/", {}, format="json"
    )
    assert response.status_code == 400
    demo["order"].refresh_from_db()
    assert demo["order"].status == "requested"


def test_the_page_shows_the_missing_reason(client, users, demo):
    client.force_login(users["provider-sit"])
    response = client.post(f"/orders/{demo['order'].pk}/decline/", {"decline-reason": ""})
    assert response.status_code == 400
    assert "Please give a reason." in response.content.decode()


def test_it_cannot_decline_an_accepted_order(api_as, users, order_in):
    order = order_in("accepted")
    response = api_as(users["provider-sit"]).post(
        f"/api/service-orders/{order.pk}/decline/", {"reason": "late"}, format="json"
    )
    assert response.status_code == 409
