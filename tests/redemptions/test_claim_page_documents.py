"""The official's claim page lists every document the claim stands on: each file of a
contract signed in parts, and each invoice of a contract invoiced in parts, as the order's
page does (it showed the latest of each, and hid the rest from the official deciding)."""

import pytest

from providers.services.documents import order_document_upload
from tests.paperwork import complete_paperwork, parties, pdf
from tests.redemptions.factories import confirm, official_of
from vouchers.services import redemption_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(demo):
    """The seed's order confirmed with two contract files and two invoices, then claimed."""
    order = confirm(demo["order"], paperwork=False)
    enterprise_user, provider_user = parties(order)
    for name in ("contract-part-1.pdf", "contract-part-2.pdf"):
        order_document_upload(
            order=order, kind="contract", file=pdf(name, name.encode()), actor=provider_user
        )
    for number in ("71000001", "71000002"):
        order_document_upload(
            order=order,
            kind="invoice",
            file=pdf(f"invoice-{number}.pdf", number.encode()),
            invoice_code="031001900111",
            invoice_number=number,
            actor=provider_user,
        )
    complete_paperwork(order)  # the own share; the documents are there already
    return redemption_claim(service_order_id=order.pk, amount="1000.00", actor=provider_user)


def test_the_claim_page_lists_every_contract_file_and_invoice(client, demo, claim):
    client.force_login(official_of(demo, claim.voucher.issuing_region.code))

    response = client.get(f"/redemptions/{claim.pk}/")

    assert response.status_code == 200
    body = response.content.decode()
    for name in (
        "contract-part-1.pdf",
        "contract-part-2.pdf",
        "invoice-71000001.pdf",
        "invoice-71000002.pdf",
    ):
        assert name in body, name
    for document in claim.service_order.documents.all():
        assert f"/orders/{claim.service_order_id}/documents/{document.pk}/" in body
