import pytest

pytestmark = pytest.mark.django_db


def test_it_shows_incoming_orders_and_orders_to_complete(client, users, demo, sit):
    from providers import services

    other = services.order_create(
        actor=users["enterprise-jiangnan"],
        provider=sit,
        voucher=demo["voucher"],
        title="Accepted thing",
        contract_amount="5000.00",
    )
    services.order_accept(order=other, actor=users["provider-sit"])
    client.force_login(users["provider-sit"])
    response = client.get("/provider/")
    assert response.status_code == 200
    assert [o.pk for o in response.context["incoming"]] == [demo["order"].pk]
    assert [o.pk for o in response.context["to_complete"]] == [other.pk]
    html = response.content.decode()
    assert sit.certificates.get().serial in html
    assert "/provider/offerings/" in html


def test_a_provider_user_without_provider_is_sent_to_apply(client, demo):
    from regions.models import User

    user = User.objects.create_user(username="lab-new", password="p-2026-xx", role="provider")
    client.force_login(user)
    assert client.get("/provider/")["Location"] == "/providers/apply/"


def test_it_is_for_providers(client, users):
    client.force_login(users["enterprise-jiangnan"])
    assert client.get("/provider/").status_code == 403


def test_the_dashboard_redirect_lands_here(client, users):
    client.force_login(users["provider-sit"])
    assert client.get("/dashboard/")["Location"] == "/provider/"
