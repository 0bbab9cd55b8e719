import pytest

from providers.models import EvidenceFile
from tests.providers.conftest import EXE_BYTES, PNG_BYTES, pdf_upload, upload, zip_bytes

pytestmark = pytest.mark.django_db


def complete(api_as, users, order, files, username="provider-sit", summary="Delivered."):
    return api_as(users[username]).post(
        f"/api/service-orders/{order.pk}/complete/",
        {"summary": summary, "deliverables": "Report", "evidence": files},
        format="multipart",
    )


def test_it_logs_the_completed_service_with_several_files(api_as, users, order_in):
    order = order_in("accepted")
    files = [
        pdf_upload("report.pdf"),
        upload("photo.png", PNG_BYTES, "image/png"),
        upload("data.zip", zip_bytes(), "application/zip"),
    ]
    response = complete(api_as, users, order, files)
    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert order.status == "completed"
    assert order.completion_summary == "Delivered."
    assert order.deliverables == "Report"
    assert sorted(order.evidence.values_list("content_type", flat=True)) == [
        "application/pdf",
        "application/zip",
        "image/png",
    ]
    assert all(e.uploaded_by == users["provider-sit"] for e in order.evidence.all())


def test_it_refuses_a_file_too_large(api_as, users, order_in, settings):
    settings.UPLOAD_MAX_BYTES = 100
    order = order_in("accepted")
    response = complete(api_as, users, order, [pdf_upload(content=b"%PDF-1.4\n" + b"0" * 200)])
    assert response.status_code == 400
    assert "limit" in response.json()["evidence"][0]
    order.refresh_from_db()
    assert order.status == "accepted"
    assert not EvidenceFile.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("report.pdf", EXE_BYTES),
        ("report.pdf", b"just some text, not a PDF"),
        ("tool.exe", EXE_BYTES),
    ],
)
def test_it_refuses_a_disguised_type(api_as, users, order_in, name, content):
    order = order_in("accepted")
    response = complete(api_as, users, order, [upload(name, content)])
    assert response.status_code == 400
    assert response.json()["code"] in ("file_type", "file_type_mismatch")
    order.refresh_from_db()
    assert order.status == "accepted"


def test_it_refuses_a_pdf_named_like_an_image(api_as, users, order_in):
    order = order_in("accepted")
    response = complete(api_as, users, order, [pdf_upload("photo.png")])
    assert response.status_code == 400
    assert response.json()["code"] == "file_type_mismatch"


def test_it_refuses_an_empty_file(api_as, users, order_in):
    order = order_in("accepted")
    response = complete(api_as, users, order, [upload("empty.pdf", b"")])
    assert response.status_code == 400
    assert "empty" in response.json()["evidence"][0]


def test_it_refuses_no_file_at_all(api_as, users, order_in):
    order = order_in("accepted")
    response = complete(api_as, users, order, [])
    assert response.status_code == 400
    assert "at least one" in response.json()["evidence"][0]


def test_it_stores_nothing_when_one_file_of_several_is_bad(api_as, users, order_in):
    order = order_in("accepted")
    response = complete(api_as, users, order, [pdf_upload(), upload("x.pdf", EXE_BYTES)])
    assert response.status_code == 400
    assert not EvidenceFile.objects.filter(order=order).exists()


def test_it_needs_a_summary(api_as, users, order_in):
    order = order_in("accepted")
    response = complete(api_as, users, order, [pdf_upload()], summary="")
    assert response.status_code == 400
    assert "summary" in response.json()


def test_it_answers_409_for_an_order_never_accepted(api_as, users, demo):
    response = complete(api_as, users, demo["order"], [pdf_upload()])
    assert response.status_code == 409
    assert not EvidenceFile.objects.exists()


def test_it_answers_404_to_another_provider(api_as, users, order_in):
    order = order_in("accepted")
    response = complete(api_as, users, order, [pdf_upload()], username="provider-graphene")
    assert response.status_code == 404


def test_it_completes_a_disputed_order_again(api_as, users, order_in):
    order = order_in("disputed")
    response = complete(api_as, users, order, [pdf_upload("revised.pdf")], summary="Revised.")
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "completed"
    assert order.completion_summary == "Revised."
    assert order.evidence.count() == 2


def test_the_page_shows_file_errors_next_to_the_field(client, users, order_in):
    order = order_in("accepted")
    client.force_login(users["provider-sit"])
    response = client.post(
        f"/orders/{order.pk}/complete/",
        {"summary": "Done", "evidence": [upload("r.pdf", b"text")]},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["evidence"]
    order.refresh_from_db()
    assert order.status == "accepted"


def test_the_page_answers_409_for_an_order_never_accepted(client, users, demo):
    client.force_login(users["provider-sit"])
    page = client.get(f"/orders/{demo['order'].pk}/complete/")
    assert "must be accepted" in page.content.decode()
    response = client.post(
        f"/orders/{demo['order'].pk}/complete/", {"summary": "x", "evidence": [pdf_upload()]}
    )
    assert response.status_code == 409


def test_the_enterprise_is_told_and_the_trail_records_it(
    api_as, users, order_in, mailoutbox, django_capture_on_commit_callbacks
):
    from regions.services import audit_trail_for

    order = order_in("accepted")
    with django_capture_on_commit_callbacks(execute=True):
        complete(api_as, users, order, [pdf_upload("final.pdf")])
    assert "enterprise-jiangnan@example.com" in mailoutbox[-1].to
    entry = list(audit_trail_for(order))[-1]
    assert (entry.action, entry.from_status, entry.to_status) == (
        "complete",
        "accepted",
        "completed",
    )
    assert entry.data["evidence"] == ["final.pdf"]


def test_a_file_just_over_the_limit_is_told_by_how_much(api_as, users, order_in, settings):
    """21,000,009 bytes against 20 MB read "20.0 MB; the limit is 20.0 MB"."""
    settings.UPLOAD_MAX_BYTES = 20 * 1048576
    order = order_in("accepted")
    content = b"%PDF-1.4\n" + b"0" * (21_000_009 - 9)
    response = complete(api_as, users, order, [pdf_upload("big-report.pdf", content=content)])
    assert response.status_code == 400
    assert response.json()["evidence"] == [
        "“big-report.pdf” is 20.03 MB; the limit is 20.00 MB per file."
    ]


def test_megabytes_are_told_apart_to_the_byte():
    from portal.files import megabytes_apart

    assert megabytes_apart(20 * 1048576 + 1, 20 * 1048576) == ("20.000001", "20.000000")
    assert megabytes_apart(30 * 1048576, 20 * 1048576) == ("30.0", "20.0")
