"""Every amount a person or a client sends is read by the one parser: typos and JSON numbers
are refused with 400 on orders, offerings, applications and claims alike."""

import pytest

from providers.models import ServiceOffering, ServiceOrder

pytestmark = pytest.mark.django_db

TYPOS = ["1_000", ".5e1", "12.", "1e3", "+5", "NaN", "1,000", "5.001"]


def _order_body(demo, amount):
    return {
        "provider": demo["providers"]["provider-sit"].pk,
        "voucher": demo["voucher"].serial,
        "title": "Raman characterisation",
        "contract_amount": amount,
    }


@pytest.mark.parametrize("amount", [*TYPOS, 1000, 1000.5])
def test_an_order_refuses_what_is_not_an_amount(demo, api_as, amount):
    client = api_as(demo["users"]["enterprise-jiangnan"])
    before = ServiceOrder.objects.count()
    response = client.post("/api/service-orders/", _order_body(demo, amount), format="json")
    assert response.status_code == 400, response.content
    assert "contract_amount" in response.json()
    assert ServiceOrder.objects.count() == before


def test_an_order_reads_full_width_digits(demo, api_as):
    client = api_as(demo["users"]["enterprise-jiangnan"])
    response = client.post("/api/service-orders/", _order_body(demo, "１２０００"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["contract_amount"] == "12000.00"


@pytest.mark.parametrize("price", [*TYPOS, 99.5])
def test_an_offering_refuses_what_is_not_a_price(demo, api_as, price):
    client = api_as(demo["users"]["provider-sit"])
    before = ServiceOffering.objects.count()
    response = client.post(
        "/api/service-offerings/",
        {"category": "testing", "title": "SEM imaging", "indicative_price": price},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert ServiceOffering.objects.count() == before


def test_the_order_page_refuses_a_typed_typo(demo, client):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    provider = demo["providers"]["provider-sit"]
    before = ServiceOrder.objects.count()
    response = client.post(
        f"/orders/new/?provider={provider.pk}",
        {
            "provider": provider.pk,
            "voucher": demo["voucher"].serial,
            "title": "Raman characterisation",
            "contract_amount": "1_000",
        },
    )
    assert response.status_code in (200, 400)
    assert "1500.00" in response.content.decode()
    assert ServiceOrder.objects.count() == before


@pytest.mark.parametrize("amount", [0.1, 1000])
def test_an_application_refuses_a_json_number(demo, api_as, amount):
    client = api_as(demo["users"]["enterprise-yangpu"])
    response = client.post(
        "/api/voucher-applications/",
        {"requested_amount": amount, "purpose": "Testing"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "requested_amount" in response.json()
