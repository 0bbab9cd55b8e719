import pytest

from regions.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_it_withdraws_on_the_page(client, demo, submit):
    application = submit("enterprise-jiangnan")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.post(f"/applications/{application.pk}/withdraw/")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert AuditEntry.objects.filter(
        object_id=str(application.pk), action="withdraw", to_status="withdrawn"
    ).exists()


def test_it_withdraws_by_api_and_frees_the_cap(api_as, demo, submit):
    application = submit("enterprise-jiangnan", "100000.00")
    client = api_as(demo["users"]["enterprise-jiangnan"])
    response = client.post(f"/api/voucher-applications/{application.pk}/withdraw/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    again = client.post(
        "/api/voucher-applications/",
        {"requested_amount": "100000.00", "purpose": "Second try"},
        format="json",
    )
    assert again.status_code == 201


def test_a_decided_application_cannot_be_withdrawn(api_as, demo, submit, approve):
    application = submit("enterprise-jiangnan")
    approve(application)
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        f"/api/voucher-applications/{application.pk}/withdraw/"
    )
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.status == "approved"


def test_the_official_cannot_withdraw(api_as, demo, submit):
    application = submit("enterprise-jiangnan")
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/voucher-applications/{application.pk}/withdraw/"
    )
    assert response.status_code == 403


def test_another_enterprise_gets_404(api_as, client, demo, submit):
    application = submit("enterprise-jiangnan")
    response = api_as(demo["users"]["enterprise-yangpu"]).post(
        f"/api/voucher-applications/{application.pk}/withdraw/"
    )
    assert response.status_code == 404
    client.force_login(demo["users"]["enterprise-yangpu"])
    assert client.post(f"/applications/{application.pk}/withdraw/").status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"
