"""Evidence is private: the two parties, the officials of both districts and the operator
read it; everyone else gets 404, the anonymous public a login."""

import pytest

from tests.providers.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

READERS = ["enterprise-jiangnan", "provider-sit", "official-wujin", "official-yangpu", "operator"]
OUTSIDERS = ["enterprise-yangpu", "provider-graphene", "provider-weikai", "official-nanhu"]


@pytest.fixture
def evidence(order_in):
    order = order_in("completed")
    return order, order.evidence.get()


@pytest.mark.parametrize("username", READERS)
def test_the_parties_their_officials_and_the_operator_download_it(
    api_as, client, users, evidence, username
):
    order, file = evidence
    response = api_as(users[username]).get(f"/api/service-orders/{order.pk}/evidence/{file.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(users[username])
    assert client.get(f"/orders/{order.pk}/evidence/{file.pk}/").status_code == 200


@pytest.mark.parametrize("username", OUTSIDERS)
def test_everyone_else_gets_404(api_as, client, users, evidence, username):
    order, file = evidence
    response = api_as(users[username]).get(f"/api/service-orders/{order.pk}/evidence/{file.pk}/")
    assert response.status_code == 404
    client.force_login(users[username])
    assert client.get(f"/orders/{order.pk}/evidence/{file.pk}/").status_code == 404
    assert client.get(f"/orders/{order.pk}/").status_code == 404


def test_a_provider_cannot_read_another_providers_orders(api_as, users, evidence):
    order, _file = evidence
    client = api_as(users["provider-graphene"])
    assert client.get(f"/api/service-orders/{order.pk}/").status_code == 404
    ids = [o["id"] for o in client.get("/api/service-orders/").json()["results"]]
    assert order.pk not in ids


def test_the_anonymous_public_must_log_in(api_client, client, evidence):
    order, file = evidence
    assert api_client.get(f"/api/service-orders/{order.pk}/evidence/{file.pk}/").status_code == 401
    response = client.get(f"/orders/{order.pk}/evidence/{file.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_file_of_another_order_is_404(api_as, users, evidence, demo, sit):
    from providers import services
    from tests.providers.conftest import pdf_upload

    order, file = evidence
    other = services.order_create(
        actor=users["enterprise-jiangnan"],
        provider=sit,
        voucher=demo["voucher"],
        title="Second",
        contract_amount="1000.00",
    )
    services.order_accept(order=other, actor=users["provider-sit"])
    services.order_complete(
        order=other, actor=users["provider-sit"], summary="x", evidence=[pdf_upload()]
    )
    client = api_as(users["enterprise-jiangnan"])
    assert client.get(f"/api/service-orders/{other.pk}/evidence/{file.pk}/").status_code == 404
