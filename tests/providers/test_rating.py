"""After confirming delivery the enterprise rates the service once; the directory shows each
provider's rating, completed orders and average delivery time."""

from datetime import timedelta

import pytest

from providers.models import OrderRating, ServiceOrder

pytestmark = pytest.mark.django_db


def rate(client, order, **body):
    return client.post(f"/api/service-orders/{order.pk}/rating/", body, format="json")


def test_the_enterprise_rates_a_confirmed_service_once(api_as, users, order_in):
    order = order_in("confirmed")
    client = api_as(users["enterprise-jiangnan"])

    response = rate(client, order, score=4, comment="Good report, a week late.")

    assert response.status_code == 201, response.content
    assert response.json()["score"] == 4
    rating = OrderRating.objects.get(order=order)
    assert (rating.score, rating.rated_by) == (4, users["enterprise-jiangnan"])
    again = rate(client, order, score=5)
    assert again.status_code == 409
    assert again.json()["code"] == "already_rated"
    assert OrderRating.objects.get(order=order).score == 4


@pytest.mark.parametrize(
    "body",
    [{"score": 0}, {"score": 6}, {"score": "five"}, {}, {"score": 3, "comment": "x" * 2001}],
)
def test_a_bad_rating_is_a_400_and_stores_nothing(api_as, users, order_in, body):
    order = order_in("confirmed")

    response = rate(api_as(users["enterprise-jiangnan"]), order, **body)

    assert response.status_code == 400
    assert not OrderRating.objects.exists()


@pytest.mark.parametrize("state", ["requested", "accepted", "completed", "disputed"])
def test_only_a_confirmed_service_is_rated(api_as, users, order_in, state):
    order = order_in(state)

    response = rate(api_as(users["enterprise-jiangnan"]), order, score=5)

    assert response.status_code == 409
    assert not OrderRating.objects.exists()


@pytest.mark.parametrize(("username", "status"), [("provider-sit", 403), ("official-wujin", 403)])
def test_only_the_enterprise_rates(api_as, users, order_in, username, status):
    order = order_in("confirmed")

    assert rate(api_as(users[username]), order, score=5).status_code == status
    assert not OrderRating.objects.exists()


def test_the_directory_shows_rating_completed_orders_and_delivery_days(client, users, order_in):
    order = order_in("confirmed")
    ServiceOrder.objects.filter(pk=order.pk).update(
        completed_at=order.accepted_at + timedelta(days=12)
    )
    client.force_login(users["enterprise-jiangnan"])
    form = client.get(f"/orders/{order.pk}/").content.decode()
    assert "order-rate" not in form  # the url name is not in the page, its path is
    assert f"/orders/{order.pk}/rating/" in form

    assert client.post(f"/orders/{order.pk}/rating/", {"rate-score": "9"}).status_code == 400
    response = client.post(f"/orders/{order.pk}/rating/", {"rate-score": "5"})
    assert response.status_code == 302

    sit = order.provider
    directory = client.get("/providers/?q=Shanghai Institute").content.decode()
    detail = client.get(f"/providers/{sit.pk}/").content.decode()
    for page in (directory, detail):
        assert "★ 5.0" in page
        assert "1 completed order" in page
        assert "12 days on average to deliver" in page


def test_a_party_who_may_not_rate_is_refused_before_its_input_is_read(api_as, users, order_in):
    order = order_in("confirmed")

    assert rate(api_as(users["provider-sit"]), order).status_code == 403


def test_a_second_rating_on_the_page_says_why_it_is_refused(client, users, order_in):
    order = order_in("confirmed")
    client.force_login(users["enterprise-jiangnan"])
    client.post(f"/orders/{order.pk}/rating/", {"rate-score": "5"})

    again = client.post(f"/orders/{order.pk}/rating/", {"rate-score": "1"})

    assert again.status_code == 409
    # The form is gone (the rating is shown), so the refusal is at the top of the page.
    assert "You rated this service already." in again.content.decode()
    assert OrderRating.objects.get().score == 5


def test_a_rating_comment_that_reads_backwards_is_refused(api_as, users, order_in):
    order = order_in("confirmed")

    response = rate(api_as(users["enterprise-jiangnan"]), order, score=5, comment="good \u202eevil")

    assert response.status_code == 400 and response.json()["code"] == "hidden_characters"
    assert not OrderRating.objects.exists()
