import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", ["requested", "accepted"])
@pytest.mark.parametrize("username", ["enterprise-jiangnan", "provider-sit"])
def test_either_party_cancels_before_completion(api_as, users, order_in, state, username):
    order = order_in(state)
    response = api_as(users[username]).post(
        f"/api/service-orders/{order.pk}/cancel/", {"reason": "Plans changed"}, format="json"
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancelled_at is not None


def test_it_answers_409_after_completion(api_as, users, order_in):
    order = order_in("completed")
    response = api_as(users["enterprise-jiangnan"]).post(f"/api/service-orders/{order.pk}/cancel/")
    assert response.status_code == 409


def test_it_answers_403_to_an_official(api_as, users, demo):
    response = api_as(users["official-wujin"]).post(
        f"/api/service-orders/{demo['order'].pk}/cancel/"
    )
    assert response.status_code == 403


def test_it_cancels_from_the_page(client, users, demo):
    client.force_login(users["enterprise-jiangnan"])
    response = client.post(f"/orders/{demo['order'].pk}/cancel/", {"cancel-reason": ""})
    assert response.status_code == 302
    demo["order"].refresh_from_db()
    assert demo["order"].status == "cancelled"


def test_the_other_party_is_told(
    api_as, users, demo, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api_as(users["provider-sit"]).post(
            f"/api/service-orders/{demo['order'].pk}/cancel/", {"reason": "Lab closed"}
        )
    assert "enterprise-jiangnan@example.com" in mailoutbox[-1].to
    assert "provider-sit@example.com" not in mailoutbox[-1].to
    assert "Lab closed" in mailoutbox[-1].body


def test_the_provider_says_why_it_cancels(api_as, client, users, order_in):
    order = order_in("accepted")
    provider = api_as(users["provider-sit"])
    for body in ({}, {"reason": "   "}):
        response = provider.post(f"/api/service-orders/{order.pk}/cancel/", body, format="json")
        assert response.status_code == 400, response.content
        assert "reason" in response.json()
    order.refresh_from_db()
    assert order.status == "accepted"
    client.force_login(users["provider-sit"])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Why do you cancel? The enterprise is told." in page
    response = client.post(f"/orders/{order.pk}/cancel/", {"cancel-reason": ""})
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == "accepted"
