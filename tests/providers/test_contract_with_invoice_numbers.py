"""A document uploaded as the signed contract with an invoice code or number typed beside it
is refused (400, beside the field), not stored as a contract with the numbers dropped: the
provider meant an invoice, or chose the wrong type."""

import pytest

from providers.models import OrderDocument
from tests.providers.conftest import pdf_upload

pytestmark = pytest.mark.django_db

MESSAGE = "Invoice code and number belong to an invoice"


@pytest.mark.parametrize(
    "code, number, field",
    [
        ("031001900111", "12345678", "invoice_code"),
        ("", "12345678", "invoice_number"),
        ("031001900111", "", "invoice_code"),
    ],
)
def test_the_page_refuses_a_contract_with_invoice_numbers(client, users, demo, code, number, field):
    order = demo["order"]
    client.force_login(users["provider-sit"])

    response = client.post(
        f"/orders/{order.pk}/documents/",
        {
            "document-kind": "contract",
            "document-file": pdf_upload("contract.pdf"),
            "document-invoice_code": code,
            "document-invoice_number": number,
        },
    )

    assert response.status_code == 400
    errors = response.context["document_form"].errors
    assert MESSAGE in errors[field][0]
    assert not OrderDocument.objects.filter(service_order=order).exists()


def test_the_api_refuses_a_contract_with_an_invoice_number(api_as, users, demo):
    order = demo["order"]

    response = api_as(users["provider-sit"]).post(
        f"/api/service-orders/{order.pk}/documents/",
        {"kind": "contract", "file": pdf_upload("contract.pdf"), "invoice_number": "12345678"},
        format="multipart",
    )

    assert response.status_code == 400
    assert MESSAGE in response.json()["invoice_number"][0]
    assert not OrderDocument.objects.filter(service_order=order).exists()


def test_a_contract_with_the_invoice_fields_left_empty_is_stored(client, users, demo):
    order = demo["order"]
    client.force_login(users["provider-sit"])

    response = client.post(
        f"/orders/{order.pk}/documents/",
        {
            "document-kind": "contract",
            "document-file": pdf_upload("contract.pdf"),
            "document-invoice_code": " ",
            "document-invoice_number": "",
        },
    )

    assert response.status_code == 302
    assert OrderDocument.objects.get(service_order=order).kind == "contract"
