import pytest
from django.core import mail

from regions.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_it_rejects_with_a_reason(api_as, demo, submit, django_capture_on_commit_callbacks):
    application = submit("enterprise-hefei")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(demo["users"]["official-hefei"]).post(
            f"/api/voucher-applications/{application.pk}/reject/",
            {"note": "Not a technical need"},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    application.refresh_from_db()
    assert application.decision_note == "Not a technical need"
    assert application.decided_by == demo["users"]["official-hefei"]
    assert (
        AuditEntry.objects.get(object_id=str(application.pk), action="reject").reason
        == "Not a technical need"
    )
    assert [m.to for m in mail.outbox] == [["enterprise-hefei@example.com"]]
    assert "Not a technical need" in mail.outbox[0].body


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "   "}])
def test_a_rejection_without_reason_is_400(api_as, demo, submit, body):
    application = submit("enterprise-hefei")
    response = api_as(demo["users"]["official-hefei"]).post(
        f"/api/voucher-applications/{application.pk}/reject/", body, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["note"][0]
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_rejection_without_reason_on_the_page_says_so(client, demo, submit):
    application = submit("enterprise-hefei")
    client.force_login(demo["users"]["official-hefei"])
    response = client.post(f"/applications/{application.pk}/reject/", {"note": ""}, follow=True)
    assert "Give the reason" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_it_rejects_inline_with_htmx(client, demo, submit):
    application = submit("enterprise-hefei")
    client.force_login(demo["users"]["official-hefei"])
    response = client.post(
        f"/applications/{application.pk}/reject/", {"note": "Duplicate"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"badge-rejected" in response.content
    application.refresh_from_db()
    assert application.status == "rejected"


def test_a_second_decision_is_409(api_as, demo, submit):
    application = submit("enterprise-hefei")
    client = api_as(demo["users"]["official-hefei"])
    url = f"/api/voucher-applications/{application.pk}/reject/"
    assert client.post(url, {"note": "No"}).status_code == 200
    assert client.post(url, {"note": "No again"}).status_code == 409


def test_an_enterprise_gets_403_and_another_district_404(api_as, demo, submit):
    application = submit("enterprise-hefei")
    url = f"/api/voucher-applications/{application.pk}/reject/"
    assert api_as(demo["users"]["enterprise-hefei"]).post(url, {"note": "x"}).status_code == 403
    assert api_as(demo["users"]["official-nanhu"]).post(url, {"note": "x"}).status_code == 404
