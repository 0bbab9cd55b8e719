import pytest

pytestmark = pytest.mark.django_db


def test_it_accepts(api_as, users, demo, mailoutbox, django_capture_on_commit_callbacks):
    order = demo["order"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["provider-sit"]).post(f"/api/service-orders/{order.pk}/accept/")
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "accepted" and order.accepted_at is not None
    assert "enterprise-jiangnan@example.com" in mailoutbox[-1].to


def test_it_answers_404_to_another_provider(api_as, users, demo):
    response = api_as(users["provider-graphene"]).post(
        f"/api/service-orders/{demo['order'].pk}/accept/"
    )
    assert response.status_code == 404


def test_it_answers_403_to_the_enterprise(api_as, users, demo):
    response = api_as(users["enterprise-jiangnan"]).post(
        f"/api/service-orders/{demo['order'].pk}/accept/"
    )
    assert response.status_code == 403


def test_it_answers_409_twice(api_as, users, demo):
    client = api_as(users["provider-sit"])
    client.post(f"/api/service-orders/{demo['order'].pk}/accept/")
    response = client.post(f"/api/service-orders/{demo['order'].pk}/accept/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_it_accepts_from_the_page(client, users, demo):
    client.force_login(users["provider-sit"])
    assert client.post(f"/orders/{demo['order'].pk}/accept/").status_code == 302
    demo["order"].refresh_from_db()
    assert demo["order"].status == "accepted"


def test_the_page_answers_404_to_another_provider(client, users, demo):
    client.force_login(users["provider-weikai"])
    assert client.post(f"/orders/{demo['order'].pk}/accept/").status_code == 404
