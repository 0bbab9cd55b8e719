import pytest

pytestmark = pytest.mark.django_db


def test_it_confirms(api_as, users, order_in, mailoutbox, django_capture_on_commit_callbacks):
    order = order_in("completed")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["enterprise-jiangnan"]).post(
            f"/api/service-orders/{order.pk}/confirm/"
        )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "confirmed" and order.confirmed_at is not None
    assert "provider-sit@example.com" in mailoutbox[-1].to


def test_it_answers_409_before_completion(api_as, users, order_in):
    order = order_in("accepted")
    response = api_as(users["enterprise-jiangnan"]).post(f"/api/service-orders/{order.pk}/confirm/")
    assert response.status_code == 409


def test_it_answers_403_to_the_provider(api_as, users, order_in):
    order = order_in("completed")
    response = api_as(users["provider-sit"]).post(f"/api/service-orders/{order.pk}/confirm/")
    assert response.status_code == 403


def test_it_answers_404_to_another_enterprise(api_as, users, order_in):
    order = order_in("completed")
    response = api_as(users["enterprise-yangpu"]).post(f"/api/service-orders/{order.pk}/confirm/")
    assert response.status_code == 404
