"""An official deciding a claim sees, on the queue's row and on the redemption's page, the
service order, its contract amount, the provider's completion summary, the evidence files and
the enterprise's confirmation (who, when); the evidence comes first on the page."""

import pytest
from django.utils.html import escape

from providers.models import ServiceOrder
from regions.models import AuditEntry
from tests.redemptions.factories import delivered_claim
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(demo):
    return delivered_claim(demo)


def test_the_queue_row_shows_order_contract_summary_evidence_and_confirmation(client, demo, claim):
    order = ServiceOrder.objects.get(pk=claim.service_order_id)
    evidence = order.evidence.get()
    confirmed = AuditEntry.objects.get(
        object_type="providers.serviceorder", object_id=str(order.pk), action="confirm"
    )
    client.force_login(demo["users"]["official-wujin"])
    body = client.get("/official/redemptions/").content.decode()
    row = body[body.index(f'id="redemption-{claim.pk}"') :]
    row = row[: row.index("</tr>")]
    assert order.title in row
    assert "¥300,000.00" in row  # the contract amount, next to the ¥1,000.00 claimed
    assert "¥1,000.00" in row
    assert "few-layer yield up from 41% to 63%" in row
    assert f'href="/orders/{order.pk}/evidence/{evidence.pk}/"' in row
    assert "process-report.pdf" in row
    assert "enterprise-jiangnan" in row and order.enterprise.name in row
    assert confirmed.at.astimezone().strftime("%Y-%m-%d") in row
    # The evidence cell comes before the decision forms in the row.
    assert row.index("process-report.pdf") < row.index(f"/redemptions/{claim.pk}/approve/")


def test_the_queue_costs_the_same_queries_for_more_rows(
    client, demo, claim, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.redemptions.factories import make_order
    from tests.vouchers.factories import make_voucher
    from vouchers import services

    client.force_login(demo["users"]["official-wujin"])
    with CaptureQueriesContext(connection) as one_row:
        assert len(client.get("/official/redemptions/").context["page"].object_list) == 1
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "50000.00")
    for _ in range(5):
        order = make_order(voucher, demo["providers"]["provider-graphene"], "1000.00")
        services.redemption_claim(
            service_order_id=order.pk, amount="100.00", actor=demo["users"]["provider-graphene"]
        )
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get("/official/redemptions/")
    assert len(response.context["page"].object_list) == 6


def test_the_redemption_page_puts_the_evidence_first(client, demo, claim):
    order = ServiceOrder.objects.get(pk=claim.service_order_id)
    evidence = order.evidence.get()
    client.force_login(demo["users"]["official-wujin"])
    body = client.get(f"/redemptions/{claim.pk}/").content.decode()
    main = body[body.index("<h1") :]
    evidence_at = main.index(f'href="/orders/{order.pk}/evidence/{evidence.pk}/"')
    # Evidence, confirmation, contract amount and summary come before every other fact and
    # before the decision.
    # Named by its enterprise: the account has no name (test_claim_history_names.py).
    assert evidence_at < main.index(f"Delivery confirmed by {escape(order.enterprise.name)} <small")
    assert main.index("Delivery confirmed by") < main.index("¥300,000.00")
    assert main.index("¥300,000.00") < main.index("Issuing district")
    assert "few-layer yield up from 41% to 63%" in main
    assert evidence_at < main.index(f"/redemptions/{claim.pk}/approve/")
    assert main.index('id="evidence-title"') < main.index('<dl class="facts">\n  <dt>')


def test_the_official_opens_the_evidence_from_the_link(client, demo, claim):
    order = ServiceOrder.objects.get(pk=claim.service_order_id)
    evidence = order.evidence.get()
    client.force_login(demo["users"]["official-wujin"])
    response = client.get(f"/orders/{order.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    # An official of an uninvolved district gets nothing, not even the file's existence.
    client.force_login(demo["users"]["official-nanhu"])
    assert client.get(f"/orders/{order.pk}/evidence/{evidence.pk}/").status_code == 404


def test_a_claim_without_evidence_or_confirmation_says_so(client, demo):
    from tests.redemptions.factories import make_order
    from tests.vouchers.factories import make_voucher
    from vouchers import services

    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "5000.00")
    order = make_order(voucher, demo["providers"]["provider-graphene"], "1000.00")
    # The test factory confirms by an update, without an audit entry: the page falls back to
    # the order's confirmation time.
    claim = services.redemption_claim(
        service_order_id=order.pk, amount="100.00", actor=demo["users"]["provider-graphene"]
    )
    client.force_login(demo["users"]["official-wujin"])
    body = client.get(f"/redemptions/{claim.pk}/").content.decode()
    assert "No evidence file was uploaded." in body
    assert "Delivery confirmed by the enterprise on" in body


def test_approving_from_the_page_still_works(client, demo, claim):
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/redemptions/{claim.pk}/approve/", {"note": "", "next": f"/redemptions/{claim.pk}/"}
    )
    assert response.status_code == 302
    assert Redemption.objects.get(pk=claim.pk).status == "approved"


def test_the_inline_approval_answers_the_row_with_its_evidence(client, demo, claim):
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/redemptions/{claim.pk}/approve/", {"note": ""}, HTTP_HX_REQUEST="true"
    )
    row = response.content.decode()
    assert response.status_code == 200 and f'id="redemption-{claim.pk}"' in row
    assert "process-report.pdf" in row and "Delivery confirmed by" in row


def test_one_file_given_for_several_documents_is_pointed_out(client, demo, claim):
    """The same bytes as contract and as evidence: the official reads it said, not only
    two equal digests side by side."""
    from providers.models import EvidenceFile, OrderDocument

    order = ServiceOrder.objects.get(pk=claim.service_order_id)
    client.force_login(demo["users"]["official-wujin"])
    assert "same-file" not in client.get(f"/redemptions/{claim.pk}/").content.decode()

    contract = OrderDocument.objects.get(service_order=order, kind="contract")
    EvidenceFile.objects.filter(order=order).update(sha256=contract.sha256)
    page = client.get(f"/redemptions/{claim.pk}/").content.decode()

    assert "same-file" in page
    assert "One file is given for several documents" in page
    assert f"{contract.original_name} (contract)" in page


def test_an_older_contract_file_given_as_evidence_is_pointed_out_too(client, demo, claim):
    """The check compared only the newest contract and invoice: a contract in two files
    whose first file came back as the evidence went unsaid."""
    from django.core.files.base import ContentFile

    from providers.models import EvidenceFile, OrderDocument

    order = ServiceOrder.objects.get(pk=claim.service_order_id)
    first = OrderDocument.objects.get(service_order=order, kind="contract")
    OrderDocument.objects.create(
        service_order=order,
        kind="contract",
        file=ContentFile(b"%PDF-1.4 second page of the contract", name="contract-2.pdf"),
        original_name="contract-2.pdf",
        sha256="f" * 64,
        size=36,
        content_type="application/pdf",
        uploaded_by=first.uploaded_by,
    )
    EvidenceFile.objects.filter(order=order).update(sha256=first.sha256)
    client.force_login(demo["users"]["official-wujin"])
    page = client.get(f"/redemptions/{claim.pk}/").content.decode()
    assert f"{first.original_name} (contract)" in page and "same-file" in page


def _one_file_as_contract_and_invoice(order_id: int) -> None:
    """The invoice's file is the contract's own bytes (the same SHA-256)."""
    from providers.models import OrderDocument

    contract = OrderDocument.objects.get(service_order_id=order_id, kind="contract")
    OrderDocument.objects.filter(service_order_id=order_id, kind="invoice").update(
        sha256=contract.sha256
    )


def _row(body: str, pk: int) -> str:
    row = body[body.index(f'id="redemption-{pk}"') :]
    return row[: row.index("</tr>")]


def test_the_queue_row_warns_of_one_file_given_as_contract_and_invoice(client, demo, claim):
    """An official approved inline a claim whose contract and invoice were one file: the
    warning was only on the claim's page, which the queue lets one skip."""
    from tests.redemptions.factories import make_order
    from tests.vouchers.factories import make_voucher
    from vouchers import services

    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "5000.00")
    order = make_order(voucher, demo["providers"]["provider-graphene"], "1000.00")
    other = services.redemption_claim(
        service_order_id=order.pk, amount="100.00", actor=demo["users"]["provider-graphene"]
    )
    _one_file_as_contract_and_invoice(claim.service_order_id)
    client.force_login(demo["users"]["official-wujin"])
    body = client.get("/official/redemptions/").content.decode()

    row = _row(body, claim.pk)
    assert "same-file" in row and "One file is given for several documents" in row
    assert "contract.pdf (contract)" in row and "invoice.pdf (invoice)" in row
    # Said before the buttons it concerns.
    assert row.index("same-file") < row.index(f"/redemptions/{claim.pk}/approve/")
    assert "same-file" not in _row(body, other.pk)


def test_the_queue_warns_of_one_file_in_a_constant_number_of_queries(
    client, demo, claim, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.redemptions.factories import make_order
    from tests.vouchers.factories import make_voucher
    from vouchers import services

    _one_file_as_contract_and_invoice(claim.service_order_id)
    client.force_login(demo["users"]["official-wujin"])
    with CaptureQueriesContext(connection) as one_row:
        assert client.get("/official/redemptions/").content.decode().count("same-file") == 1
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "50000.00")
    for _ in range(5):
        order = make_order(voucher, demo["providers"]["provider-graphene"], "1000.00")
        _one_file_as_contract_and_invoice(order.pk)
        services.redemption_claim(
            service_order_id=order.pk, amount="100.00", actor=demo["users"]["provider-graphene"]
        )
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        body = client.get("/official/redemptions/").content.decode()
    assert body.count('class="message message-warning same-file"') == 6


def test_the_page_warns_that_the_provider_was_suspended_since_the_claim(client, demo, claim):
    from providers.models import Provider

    client.force_login(demo["users"]["official-wujin"])
    warning = "The provider is suspended now: its new claims are refused"
    assert warning not in client.get(f"/redemptions/{claim.pk}/").content.decode()
    Provider.objects.filter(pk=claim.provider_id).update(status=Provider.Status.SUSPENDED)
    page = client.get(f"/redemptions/{claim.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert warning in page
