from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from regions.models import AuditEntry
from tests.located import assert_located
from vouchers.models import VoucherApplication

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def jiangnan(demo, client):
    user = demo["users"]["enterprise-jiangnan"]
    client.force_login(user)
    return user


def post(client, **data):
    return client.post("/applications/new/", {"purpose": "Raman testing of samples", **data})


def test_it_shows_the_form_with_the_remaining_cap(client, jiangnan):
    response = client.get("/applications/new/")
    assert response.status_code == 200
    # The seed voucher of 200,000 leaves 100,000 of the 300,000 cap.
    assert response.context["remaining"] == Decimal("100000.00")


def test_no_form_is_offered_when_the_cap_leaves_nothing_to_request(client, jiangnan):
    assert 'name="requested_amount"' in client.get("/applications/new/").content.decode()
    post(client, requested_amount="100000.00", service_category=1)  # the 100,000 left
    page = client.get("/applications/new/").content.decode()
    assert "nothing more can be requested now" in page
    assert 'name="requested_amount"' not in page


def test_it_submits_an_application(client, demo, jiangnan, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, requested_amount="50000.00", service_category=1)
    application = VoucherApplication.objects.get(status="submitted")
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{application.pk}/"
    assert application.requested_amount == Decimal("50000.00")
    assert application.region.code == "WUJIN"
    assert application.submitted_by == jiangnan
    assert application.service_category_id == 1
    assert AuditEntry.objects.filter(
        object_type="vouchers.voucherapplication", object_id=str(application.pk), action="submit"
    ).exists()
    # both Wujin officials (the second one is there for four-eyes approvals)
    assert [m.to for m in mail.outbox] == [
        ["official-wujin-2@example.com", "official-wujin@example.com"]
    ]


def test_it_stores_several_checked_attachments(client, jiangnan):
    files = [
        SimpleUploadedFile("plan.pdf", PDF_BYTES, content_type="application/pdf"),
        SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png"),
    ]
    post(client, requested_amount="1000.00", attachments=files)
    application = VoucherApplication.objects.get(status="submitted")
    assert sorted(a.original_name for a in application.attachments.all()) == [
        "plan.pdf",
        "scan.png",
    ]
    attachment = application.attachments.get(original_name="plan.pdf")
    download = client.get(f"/applications/{application.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_it_refuses_a_disguised_attachment(client, jiangnan):
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = post(client, requested_amount="1000.00", attachments=[fake])
    assert response.status_code == 400
    assert "not an accepted file type" in " ".join(response.context["form"].errors["attachments"])
    assert not VoucherApplication.objects.filter(status="submitted").exists()
    # The browser empties every file box of a page sent back, the accepted files' too.
    assert "choose your files again" in response.content.decode()


def test_another_enterprise_cannot_read_the_attachment(client, demo, jiangnan):
    post(
        client,
        requested_amount="1000.00",
        attachments=[SimpleUploadedFile("plan.pdf", PDF_BYTES)],
    )
    application = VoucherApplication.objects.get(status="submitted")
    attachment = application.attachments.get()
    client.force_login(demo["users"]["enterprise-yangpu"])
    url = f"/applications/{application.pk}/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "amount, message",
    [
        ("-5", "more than zero"),
        ("0", "more than zero"),
        ("abc", "Enter an amount"),
        ("1_000", "Enter an amount"),
        ("100000.01", "at most ¥100,000.00 more"),
        ("12.345", "decimal places"),
    ],
)
def test_the_form_refuses_a_bad_amount_on_the_field(client, jiangnan, amount, message):
    response = post(client, requested_amount=amount)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get("requested_amount", []) + errors.get("__all__", []))
    assert not VoucherApplication.objects.filter(status="submitted").exists()


@pytest.mark.parametrize(
    "amount, status, needle",
    [
        ("-5", 400, "more than zero"),
        ("0", 400, "more than zero"),
        ("abc", 400, "Enter an amount"),
        ("5e1", 400, "Enter an amount"),
        ("", 400, "may not be blank"),
        ("100000.01", 409, "at most"),
    ],
)
def test_the_api_refuses_a_bad_amount(api_as, demo, amount, status, needle):
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/voucher-applications/",
        {"requested_amount": amount, "purpose": "Testing"},
        format="json",
    )
    assert response.status_code == status
    assert needle in str(response.json())
    assert not VoucherApplication.objects.filter(status="submitted").exists()


def test_the_cap_counts_other_undecided_applications(api_as, demo):
    client = api_as(demo["users"]["enterprise-jiangnan"])
    first = client.post(
        "/api/voucher-applications/",
        {"requested_amount": "60000.00", "purpose": "Testing"},
        format="json",
    )
    assert first.status_code == 201
    second = client.post(
        "/api/voucher-applications/",
        {"requested_amount": "40000.01", "purpose": "More testing"},
        format="json",
    )
    assert second.status_code == 409
    assert second.json()["code"] == "cap_exceeded"
    third = client.post(
        "/api/voucher-applications/",
        {"requested_amount": "40000.00", "purpose": "More testing"},
        format="json",
    )
    assert third.status_code == 201


def test_the_api_creates_with_the_contract_fields(api_as, demo):
    enterprise = demo["enterprises"]["enterprise-nanhu"]
    response = api_as(demo["users"]["enterprise-nanhu"]).post(
        "/api/voucher-applications/",
        {
            "enterprise": enterprise.pk,
            "requested_amount": "80000.00",
            "purpose": "EMC testing of a charger",
            "service_category": "testing",
        },
        format="json",
    )
    reader = api_as(demo["users"]["enterprise-nanhu"])
    assert_located(reader, response, "/api/voucher-applications/{id}/")
    body = response.json()
    assert {k: body[k] for k in ("enterprise", "region", "requested_amount", "status")} == {
        "enterprise": enterprise.pk,
        "region": "NANHU",
        "requested_amount": "80000.00",
        "status": "submitted",
    }
    assert body["approved_amount"] is None
    assert body["voucher"] is None
    assert body["service_category"] == "testing"


def test_the_api_takes_multipart_attachments(api_as, demo):
    response = api_as(demo["users"]["enterprise-nanhu"]).post(
        "/api/voucher-applications/",
        {
            "requested_amount": "1000.00",
            "purpose": "Testing",
            "attachments": [
                SimpleUploadedFile("a.pdf", PDF_BYTES),
                SimpleUploadedFile("b.pdf", PDF_BYTES),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    application = VoucherApplication.objects.get(pk=response.json()["id"])
    assert application.attachments.count() == 2


def test_the_api_refuses_an_empty_attachment(api_as, demo):
    response = api_as(demo["users"]["enterprise-nanhu"]).post(
        "/api/voucher-applications/",
        {
            "requested_amount": "1000.00",
            "purpose": "Testing",
            "attachments": [SimpleUploadedFile("a.pdf", b"")],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert not VoucherApplication.objects.filter(status="submitted").exists()


def test_another_enterprise_in_the_body_is_400(api_as, demo):
    response = api_as(demo["users"]["enterprise-nanhu"]).post(
        "/api/voucher-applications/",
        {
            "enterprise": demo["enterprises"]["enterprise-hefei"].pk,
            "requested_amount": "1000.00",
            "purpose": "Testing",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "enterprise" in response.json()


def test_an_official_may_not_apply(api_as, client, demo):
    response = api_as(demo["users"]["official-wujin"]).post(
        "/api/voucher-applications/",
        {"requested_amount": "1000.00", "purpose": "Testing"},
        format="json",
    )
    assert response.status_code == 403
    client.force_login(demo["users"]["official-wujin"])
    assert client.get("/applications/new/").status_code == 403


def test_an_empty_purpose_is_refused(api_as, demo):
    response = api_as(demo["users"]["enterprise-nanhu"]).post(
        "/api/voucher-applications/",
        {"requested_amount": "1000.00", "purpose": "   "},
        format="json",
    )
    assert response.status_code == 400


def test_the_form_reads_full_width_digits(client, jiangnan):
    post(client, requested_amount="１５００．５０")
    application = VoucherApplication.objects.get(status="submitted")
    assert application.requested_amount == Decimal("1500.50")


def test_it_refuses_a_purpose_longer_than_a_few_pages(demo, api_as):
    client = api_as(demo["users"]["enterprise-yangpu"])
    response = client.post(
        "/api/voucher-applications/",
        {"requested_amount": "1000.00", "purpose": "x" * 4001},
        format="json",
    )
    assert response.status_code == 400
    assert "purpose" in response.json()


@pytest.mark.parametrize("category", [True, False])
def test_the_api_answer_to_an_application_is_the_application_as_read_afresh(api_as, demo, category):
    """The answer is rendered from the rows the service wrote, not re-read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from providers.models import ServiceCategory

    client = api_as(demo["users"]["enterprise-jiangnan"])
    body = {"requested_amount": "1000", "purpose": "  Raman testing  "}
    if category:
        body["service_category"] = ServiceCategory.objects.first().code

    with CaptureQueriesContext(connection) as queries:
        answer = client.post("/api/voucher-applications/", body, format="json")

    assert answer.status_code == 201, answer.json()
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"vouchers_voucherapplication"."purpose"' in q["sql"]
    ]
    assert reads == []  # no re-read of the application for the answer
    read = client.get(f"/api/voucher-applications/{answer.json()['id']}/")
    assert answer.json() == read.json()
    assert answer.json()["requested_amount"] == "1000.00"
    assert answer.json()["voucher"] is None
    assert (answer.json()["service_category"] is not None) == category


def test_the_remaining_cap_is_one_read_of_issued_and_undecided(
    api_as, demo, django_assert_num_queries
):
    from regions.models import ProgrammeRules
    from regions.selectors import current_year
    from vouchers.selectors import remaining_cap

    enterprise = demo["enterprises"]["enterprise-jiangnan"]
    rules = ProgrammeRules.objects.get(region=enterprise.region, year=current_year())
    issued = sum(
        VoucherApplication.objects.filter(
            enterprise=enterprise, year=rules.year, status="approved"
        ).values_list("approved_amount", flat=True)
    )
    api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/voucher-applications/",
        {"requested_amount": "1234.00", "purpose": "Testing"},
        format="json",
    )
    with django_assert_num_queries(1):
        when_applying = remaining_cap(
            rules=rules, enterprise_id=enterprise.pk, include_pending=True
        )
    with django_assert_num_queries(1):
        when_approving = remaining_cap(rules=rules, enterprise_id=enterprise.pk)
    assert when_approving == rules.max_voucher_per_enterprise - issued
    assert when_applying == when_approving - Decimal("1234.00")


def test_the_application_page_names_its_service_category_in_chinese(client, demo):
    from providers.models import ServiceCategory
    from vouchers.models import VoucherApplication

    application = VoucherApplication.objects.first()
    application.service_category = ServiceCategory.objects.exclude(name_zh="").first()
    application.save(update_fields=["service_category"])
    client.force_login(application.enterprise.users.first())

    page = client.get(
        f"/applications/{application.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert application.service_category.name_zh in page


def test_a_purpose_at_the_boxs_limit_in_many_lines_is_taken(client, jiangnan):
    # The browser counts a line break as one character against maxlength and sends two:
    # 4,000 characters in 12 lines came back refused as 4,012.
    lines = ["x" * 332] * 12
    typed = "\r\n".join(lines)
    assert len(typed.replace("\r\n", "\n")) <= 4000 < len(typed)
    response = post(client, requested_amount="1000.00", purpose=typed)
    assert response.status_code == 302, response.context["form"].errors
    application = VoucherApplication.objects.get(status="submitted")
    assert application.purpose == "\n".join(lines)


def test_a_purpose_beyond_the_limit_is_told_so_in_plain_chinese(client, jiangnan):
    response = client.post(
        "/applications/new/",
        {"purpose": "x" * 4001, "requested_amount": "1000.00"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["purpose"])
    assert "变量" not in message and "4000" in message
