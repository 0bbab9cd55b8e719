"""The signed contract and the invoice on an order: either party uploads them, each file is
checked like evidence and hashed, and an invoice backs one order only across all four
districts (409 `invoice_reused`, nothing stored, the order it was offered on flagged)."""

import hashlib

import pytest
from django.db import IntegrityError, transaction

from providers.models import OrderDocument, RiskFlag
from providers.services.documents import order_document_upload
from regions.models import AuditEntry
from tests.providers.conftest import EXE_BYTES, PDF_BYTES, pdf_upload, upload
from tests.redemptions.factories import make_order
from tests.vouchers.factories import make_voucher

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

URL = "/api/service-orders/{}/documents/"


def post(client, order, **body):
    return client.post(URL.format(order.pk), body, format="multipart")


def invoice(client, order, number="12345678", code="031001900111", name="invoice.pdf"):
    # The file's bytes follow the number: the same file twice is the same invoice.
    return post(
        client,
        order,
        kind="invoice",
        file=upload(name, PDF_BYTES + f"%{number}".encode()),
        invoice_code=code,
        invoice_number=number,
    )


@pytest.fixture
def hefei_order(demo):
    """An order in another district (a Hefei voucher with USTC's institute)."""
    voucher = make_voucher(demo["enterprises"]["enterprise-hefei"], "20000.00")
    return make_order(voucher, demo["providers"]["provider-ustc"], "4000.00", confirmed=False)


def test_the_enterprise_uploads_the_contract_with_its_hash(api_as, demo):
    order = demo["order"]

    response = post(
        api_as(demo["users"]["enterprise-jiangnan"]),
        order,
        kind="contract",
        file=pdf_upload("signed-contract.pdf"),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "contract"
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    document = OrderDocument.objects.get(service_order=order)
    assert document.sha256 == body["sha256"]
    assert document.file.read() == PDF_BYTES
    assert AuditEntry.objects.filter(
        object_type="providers.serviceorder",
        object_id=str(order.pk),
        action=AuditEntry.Action.UPLOAD,
    ).exists()


def test_the_provider_uploads_the_invoice_normalised(api_as, demo):
    response = invoice(
        api_as(demo["users"]["provider-sit"]),
        demo["order"],
        number=" 1234 5678 ",
        code=" 0310 0190 0111 ",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["invoice_code"], response.json()["invoice_number"]) == (
        "031001900111",
        "12345678",
    )


def test_full_width_digits_read_as_ascii(api_as, demo):
    response = invoice(
        api_as(demo["users"]["provider-sit"]), demo["order"], number="９９７８１２３４"
    )

    assert response.status_code == 201, response.content
    assert response.json()["invoice_number"] == "99781234"


def test_a_fully_digital_invoice_has_twenty_digits_and_no_code(api_as, demo):
    client = api_as(demo["users"]["provider-sit"])
    number = "24312000000000012345"
    with_code = invoice(client, demo["order"], number=number, code="1")
    assert with_code.status_code == 400
    assert "no invoice code" in with_code.json()["invoice_code"][0]
    response = invoice(client, demo["order"], number=number, code="")
    assert response.status_code == 201, response.content
    assert (response.json()["invoice_code"], response.json()["invoice_number"]) == ("", number)


@pytest.mark.parametrize(
    ("code", "number", "field"),
    [
        ("031001900111", "0024312000000000012345", "invoice_number"),  # 22 digits
        ("031001900111", "ABC", "invoice_number"),
        ("031001900111", "1234567", "invoice_number"),
        ("", "12345678", "invoice_code"),  # an 8-digit number needs its code
        ("0310", "12345678", "invoice_code"),
        ("03100190011X", "12345678", "invoice_code"),
    ],
)
def test_an_invoice_not_shaped_like_one_is_refused(api_as, demo, code, number, field):
    """Each shape a Chinese invoice has, and nothing else: a number with extra zeros or under
    a made-up code was another invoice to the one-order check."""
    response = invoice(api_as(demo["users"]["provider-sit"]), demo["order"], number, code)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not OrderDocument.objects.exists()


def test_one_invoice_file_on_two_orders_is_refused_and_flagged(api_as, demo, hefei_order):
    """The same PDF typed with another number is the same invoice."""
    same_file = PDF_BYTES + b"%the one invoice"
    first = post(
        api_as(demo["users"]["provider-sit"]), demo["order"], kind="invoice",
        file=upload("invoice.pdf", same_file), invoice_code="031001900111",
        invoice_number="24310001",
    )  # fmt: skip
    assert first.status_code == 201, first.content

    again = post(
        api_as(demo["users"]["provider-ustc"]), hefei_order, kind="invoice",
        file=upload("invoice.pdf", same_file), invoice_code="031001900112",
        invoice_number="24310002",
    )  # fmt: skip

    assert again.status_code == 409, again.content
    assert again.json()["code"] == "invoice_reused"
    assert "another order" in again.json()["detail"]
    # The other provider's number is not the uploader's to learn.
    assert "24310001" not in again.content.decode()
    assert not OrderDocument.objects.filter(service_order=hefei_order).exists()
    flag = RiskFlag.objects.get(service_order=hefei_order)
    assert flag.kind == RiskFlag.Kind.INVOICE_REUSED
    assert flag.evidence["matched_on"] == "file"
    assert flag.evidence["invoice_number"] == "24310001"  # the officials read it
    # A contract's file may stand on two orders (a framework contract): only invoices count.
    contract = post(
        api_as(demo["users"]["provider-ustc"]), hefei_order, kind="contract",
        file=upload("contract.pdf", same_file),
    )  # fmt: skip
    assert contract.status_code == 201, contract.content


def test_an_invoice_needs_its_number(api_as, demo):
    response = invoice(api_as(demo["users"]["provider-sit"]), demo["order"], number="  ")

    assert response.status_code == 400
    assert "invoice_number" in response.json()
    assert not OrderDocument.objects.exists()


@pytest.mark.parametrize(
    "file",
    [
        lambda: upload("contract.pdf", EXE_BYTES),
        lambda: upload("contract.pdf", b""),
        lambda: upload("contract.png", PDF_BYTES),
    ],
)
def test_a_bad_file_is_a_400_and_stores_nothing(api_as, demo, file):
    response = post(
        api_as(demo["users"]["enterprise-jiangnan"]), demo["order"], kind="contract", file=file()
    )

    assert response.status_code == 400
    assert not OrderDocument.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "receipt", "file": "x"},
        {"kind": "contract", "file": "not a file"},
        {"kind": "contract"},
        {"file": "x"},
    ],
)
def test_junk_is_a_400(api_as, demo, body):
    response = post(api_as(demo["users"]["enterprise-jiangnan"]), demo["order"], **body)

    assert response.status_code == 400


@pytest.mark.parametrize(("username", "status"), [("official-wujin", 403), ("provider-ustc", 404)])
def test_only_the_two_parties_upload(api_as, demo, username, status):
    response = post(
        api_as(demo["users"][username]), demo["order"], kind="contract", file=pdf_upload()
    )

    assert response.status_code == status
    assert not OrderDocument.objects.exists()


def test_a_cancelled_order_takes_no_documents(api_as, demo):
    from providers import services

    services.order_cancel(order=demo["order"], actor=demo["users"]["enterprise-jiangnan"])

    response = post(
        api_as(demo["users"]["enterprise-jiangnan"]),
        demo["order"],
        kind="contract",
        file=pdf_upload(),
    )

    assert response.status_code == 409
    assert response.json()["code"] == "order_closed"


@pytest.mark.parametrize("paid", [False, True])
def test_an_order_whose_claim_is_approved_takes_no_more_papers(api_as, demo, paid):
    from tests.redemptions.factories import approved_redemption

    provider = demo["providers"]["provider-sit"]
    redemption = approved_redemption(demo, demo["voucher"], provider, "1000.00", paid=paid)
    order = redemption.service_order
    before = order.documents.count()

    response = invoice(api_as(demo["users"]["provider-sit"]), order, number="23230001")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "claim_approved"
    assert order.documents.count() == before
    assert not OrderDocument.objects.filter(invoice_number="23230001").exists()


def test_an_invoice_used_in_another_district_is_refused_and_flagged(
    api_as, client, demo, hefei_order
):
    first = invoice(api_as(demo["users"]["provider-sit"]), demo["order"], number="88880001")
    assert first.status_code == 201, first.content

    again = invoice(api_as(demo["users"]["provider-ustc"]), hefei_order, number="8888 0001")

    assert again.status_code == 409
    assert again.json()["code"] == "invoice_reused"
    assert not OrderDocument.objects.filter(service_order=hefei_order).exists()
    flag = RiskFlag.objects.get(service_order=hefei_order)
    assert flag.kind == RiskFlag.Kind.INVOICE_REUSED
    assert flag.evidence["other_order"] == demo["order"].pk
    assert flag.evidence["other_district"] == "WUJIN"
    assert flag.evidence["matched_on"] == "number"
    assert not RiskFlag.objects.filter(service_order=demo["order"]).exists()
    # Hefei's official reads the flag in words, in Chinese: no raw keys.
    official = next(
        u for u in demo["users"].values() if u.is_official and u.region.code == "HEFEI_HT"
    )
    client.force_login(official)
    page = client.get("/official/risk-queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "other_order" not in page and "other_district" not in page
    assert "发票号码" in page and "武进" in page
    assert "its invoice code and number" not in page and "matched_on" not in page
    assert f'href="/orders/{demo["order"].pk}/"' in page


def test_the_same_invoice_twice_on_one_order_is_refused_without_a_flag(api_as, demo):
    client = api_as(demo["users"]["provider-sit"])
    assert invoice(client, demo["order"], number="77770001").status_code == 201

    again = invoice(client, demo["order"], number="77770001")

    assert again.status_code == 409
    assert again.json()["code"] == "invoice_reused"
    assert OrderDocument.objects.filter(service_order=demo["order"]).count() == 1
    assert not RiskFlag.objects.exists()


def test_the_database_refuses_an_invoice_on_two_orders(demo, hefei_order):
    order_document_upload(
        order=demo["order"],
        kind="invoice",
        file=pdf_upload(),
        invoice_code="031001900111",
        invoice_number="55550001",
        actor=demo["users"]["provider-sit"],
    )
    copy = OrderDocument.objects.get(service_order=demo["order"])
    copy.pk = None
    copy.service_order = hefei_order

    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


@pytest.mark.django_db(transaction=True)
def test_the_flag_stays_although_the_upload_is_refused(demo, hefei_order):
    """Committed transactions, as in production: the refusal rolls its own back, the flag's
    transaction has committed before it."""
    from portal.errors import InvalidTransition

    order_document_upload(
        order=demo["order"],
        kind="invoice",
        file=pdf_upload(),
        invoice_code="031001900111",
        invoice_number="66660001",
        actor=demo["users"]["provider-sit"],
    )

    with pytest.raises(InvalidTransition) as refusal:
        order_document_upload(
            order=hefei_order,
            kind="invoice",
            file=pdf_upload(),
            invoice_code="031001900111",
            invoice_number="66660001",
            actor=demo["users"]["provider-ustc"],
        )

    assert refusal.value.code == "invoice_reused"
    assert RiskFlag.objects.filter(
        service_order=hefei_order, kind="invoice_reused", cleared_at__isnull=True
    ).exists()
    assert AuditEntry.objects.filter(
        object_id=str(hefei_order.pk), action=AuditEntry.Action.FLAG
    ).exists()
    assert not OrderDocument.objects.filter(service_order=hefei_order).exists()


def test_the_order_page_lists_documents_with_their_hash(client, demo, password):
    order_document_upload(
        order=demo["order"],
        kind="invoice",
        file=pdf_upload(),
        invoice_code="031001900111",
        invoice_number="44440001",
        actor=demo["users"]["provider-sit"],
    )
    client.login(username="official-wujin", password=password)

    body = client.get(f"/orders/{demo['order'].pk}/").content.decode()

    assert "44440001" in body
    assert hashlib.sha256(PDF_BYTES).hexdigest() in body


def test_the_upload_form_shows_a_reused_invoice_beside_the_field(
    client, demo, password, hefei_order
):
    order_document_upload(
        order=demo["order"],
        kind="invoice",
        file=pdf_upload(),
        invoice_code="031001900111",
        invoice_number="33330001",
        actor=demo["users"]["provider-sit"],
    )
    client.login(username="provider-ustc", password=password)

    response = client.post(
        f"/orders/{hefei_order.pk}/documents/",
        {
            "document-kind": "invoice",
            "document-file": pdf_upload(),
            "document-invoice_code": "031001900111",
            "document-invoice_number": "33330001",
        },
    )

    assert response.status_code == 409
    assert "another order" in response.content.decode()
    assert RiskFlag.objects.filter(service_order=hefei_order).exists()


def test_an_order_whose_claim_waits_takes_no_new_papers_until_it_is_rejected(api_as, client, demo):
    from tests.redemptions.factories import make_order
    from vouchers.services import redemption_claim, redemption_reject

    sit = demo["users"]["provider-sit"]
    order = make_order(demo["voucher"], demo["providers"]["provider-sit"], "2000.00")
    redemption = redemption_claim(service_order_id=order.pk, amount="500.00", actor=sit)
    before = order.documents.count()

    response = invoice(api_as(sit), order, number="79270001")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "claim_pending"
    assert order.documents.count() == before
    client.force_login(sit)
    assert (
        "Upload the signed contract or the invoice"
        not in client.get(f"/orders/{order.pk}/").content.decode()
    )

    redemption_reject(
        redemption_id=redemption.pk, actor=demo["users"]["official-wujin"], note="Wrong invoice."
    )
    assert invoice(api_as(sit), order, number="79270001").status_code == 201


def test_only_the_provider_uploads_an_invoice(api_as, client, demo, password, hefei_order):
    # An invoice number counts in all four districts: an enterprise uploading "invoices" on
    # its own order spent a provider's next numbers and blocked that provider's claims.
    response = invoice(api_as(demo["users"]["enterprise-jiangnan"]), demo["order"], "77770001")
    assert response.status_code == 403
    assert not OrderDocument.objects.filter(kind="invoice").exists()
    assert (
        invoice(api_as(demo["users"]["provider-ustc"]), hefei_order, "77770001").status_code == 201
    )

    client.login(username="enterprise-jiangnan", password=password)
    page = client.get(f"/orders/{demo['order'].pk}/").content.decode()
    assert 'value="contract"' in page and 'value="invoice"' not in page
    assert "document-invoice_number" not in page
    refused = client.post(
        f"/orders/{demo['order'].pk}/documents/",
        {"document-kind": "invoice", "document-file": pdf_upload(), "document-invoice_number": "1"},
    )
    assert refused.status_code == 400
    assert not OrderDocument.objects.filter(service_order=demo["order"]).exists()


def test_an_order_takes_at_most_ten_invoices(api_as, demo):
    provider = api_as(demo["users"]["provider-sit"])
    for number in range(10):
        assert invoice(provider, demo["order"], f"5555{number:04d}").status_code == 201
    refused = invoice(provider, demo["order"], "55559999")
    assert refused.status_code == 409
    assert refused.json()["code"] == "too_many_invoices"
    assert OrderDocument.objects.filter(service_order=demo["order"]).count() == 10
