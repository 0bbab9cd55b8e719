"""A reason longer than 2000 characters refuses the action on the page and in the API: it is
never cut, dropped or stored whole (the audit trail and e-mails carry it)."""

import pytest

pytestmark = pytest.mark.django_db

TOO_LONG = "长" * 2001


def test_the_page_refuses_a_cancel_with_a_too_long_reason(client, users, demo):
    client.force_login(users["enterprise-jiangnan"])
    response = client.post(f"/orders/{demo['order'].pk}/cancel/", {"cancel-reason": TOO_LONG})
    assert response.status_code == 400
    assert "2000" in response.content.decode()
    demo["order"].refresh_from_db()
    assert demo["order"].status != "cancelled"
    assert demo["order"].status_reason == ""


def test_the_page_cancels_with_a_reason_of_2000_characters(client, users, demo):
    client.force_login(users["enterprise-jiangnan"])
    response = client.post(f"/orders/{demo['order'].pk}/cancel/", {"cancel-reason": "长" * 2000})
    assert response.status_code == 302
    demo["order"].refresh_from_db()
    assert demo["order"].status == "cancelled"
    assert len(demo["order"].status_reason) == 2000


@pytest.mark.parametrize("action", ["cancel", "dispute", "decline"])
def test_the_api_refuses_a_too_long_reason(api_as, users, order_in, action):
    order = order_in("completed" if action == "dispute" else "requested")
    before = order.status
    username = "provider-sit" if action == "decline" else "enterprise-jiangnan"
    response = api_as(users[username]).post(
        f"/api/service-orders/{order.pk}/{action}/", {"reason": TOO_LONG}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    order.refresh_from_db()
    assert order.status == before


def test_the_provider_page_refuses_a_too_long_suspension_reason(client, users, sit):
    client.force_login(users["official-yangpu"])
    response = client.post(f"/providers/{sit.pk}/suspend/", {"reason": TOO_LONG})
    assert response.status_code == 400
    sit.refresh_from_db()
    assert sit.status == "certified"
