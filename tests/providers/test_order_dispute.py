import pytest

pytestmark = pytest.mark.django_db


def test_it_disputes_with_a_reason(
    api_as, users, order_in, mailoutbox, django_capture_on_commit_callbacks
):
    order = order_in("completed")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["enterprise-jiangnan"]).post(
            f"/api/service-orders/{order.pk}/dispute/",
            {"reason": "The report misses the yield data."},
            format="json",
        )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "disputed"
    assert order.dispute_reason == "The report misses the yield data."
    # the provider, the voucher's district officials (who decide) and the provider's are told
    assert "official-yangpu@example.com" in mailoutbox[-1].to
    assert "official-wujin@example.com" in mailoutbox[-1].to
    assert "provider-sit@example.com" in mailoutbox[-1].to


def test_it_needs_a_reason(api_as, users, order_in):
    order = order_in("completed")
    response = api_as(users["enterprise-jiangnan"]).post(
        f"/api/service-orders/{order.pk}/dispute/", {"reason": ""}, format="json"
    )
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == "completed"


def test_the_officials_page_lists_disputed_orders(client, users, order_in):
    order = order_in("disputed")
    client.force_login(users["official-yangpu"])
    assert order.title in client.get("/orders/disputed/").content.decode()
    client.force_login(users["official-nanhu"])
    assert order.title not in client.get("/orders/disputed/").content.decode()
    client.force_login(users["enterprise-jiangnan"])
    assert client.get("/orders/disputed/").status_code == 403


def test_it_disputes_from_the_page(client, users, order_in):
    order = order_in("completed")
    client.force_login(users["enterprise-jiangnan"])
    response = client.post(f"/orders/{order.pk}/dispute/", {"dispute-reason": "Incomplete"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "disputed"
