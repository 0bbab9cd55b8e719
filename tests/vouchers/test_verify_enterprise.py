import pytest
from django.core import mail

from regions.models import AuditEntry, User
from tests.vouchers.conftest import valid_credit_code
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(demo):
    enterprise = Enterprise.objects.create(
        name="Unverified Co.",
        credit_code=valid_credit_code(),
        region=demo["regions"]["WUJIN"],
        industry="Robotics",
        size="micro",
        contact_name="Zhang San",
        contact_email="zhang@unverified.example",
    )
    user = User.objects.create_user(
        username="unverified", password="x-pass-2026!", role="enterprise", enterprise=enterprise
    )
    return enterprise, user


def test_the_list_shows_the_districts_unverified_enterprises(client, demo, newcomer):
    client.force_login(demo["users"]["official-wujin"])
    response = client.get("/official/enterprises/")
    assert response.status_code == 200
    assert list(response.context["enterprises"]) == [newcomer[0]]


def test_the_list_is_empty_for_another_district(client, demo, newcomer):
    client.force_login(demo["users"]["official-yangpu"])
    assert list(client.get("/official/enterprises/").context["enterprises"]) == []


def test_the_list_is_forbidden_to_enterprises(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert client.get("/official/enterprises/").status_code == 403


def test_it_verifies_on_the_page(client, demo, newcomer, django_capture_on_commit_callbacks):
    official = demo["users"]["official-wujin"]
    client.force_login(official)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/enterprises/{newcomer[0].pk}/verify/")
    assert response.status_code == 302
    newcomer[0].refresh_from_db()
    assert newcomer[0].verified_by == official
    assert newcomer[0].verified_at is not None
    assert AuditEntry.objects.filter(action="verify", object_id=str(newcomer[0].pk)).exists()
    assert [m.to for m in mail.outbox] == [["zhang@unverified.example"]]


def test_it_verifies_by_api(api_as, demo, newcomer):
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/enterprises/{newcomer[0].pk}/verify/"
    )
    assert response.status_code == 200
    assert response.json()["verified"] is True


def test_a_second_verification_is_409(api_as, demo, newcomer):
    client = api_as(demo["users"]["official-wujin"])
    client.post(f"/api/enterprises/{newcomer[0].pk}/verify/")
    response = client.post(f"/api/enterprises/{newcomer[0].pk}/verify/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_an_official_of_another_district_gets_404(api_as, client, demo, newcomer):
    response = api_as(demo["users"]["official-nanhu"]).post(
        f"/api/enterprises/{newcomer[0].pk}/verify/"
    )
    assert response.status_code == 404
    client.force_login(demo["users"]["official-nanhu"])
    assert client.post(f"/enterprises/{newcomer[0].pk}/verify/").status_code == 404
    newcomer[0].refresh_from_db()
    assert not newcomer[0].is_verified


def test_the_enterprise_cannot_verify_itself(api_as, demo, newcomer):
    response = api_as(newcomer[1]).post(f"/api/enterprises/{newcomer[0].pk}/verify/")
    assert response.status_code == 403
    newcomer[0].refresh_from_db()
    assert not newcomer[0].is_verified


def test_an_unverified_enterprise_may_not_apply(api_as, client, demo, newcomer):
    response = api_as(newcomer[1]).post(
        "/api/voucher-applications/",
        {"requested_amount": "10000.00", "purpose": "Robot arm testing"},
        format="json",
    )
    assert response.status_code == 409
    assert "not been verified" in response.json()["detail"]
    client.force_login(newcomer[1])
    page = client.post(
        "/applications/new/", {"requested_amount": "10000.00", "purpose": "Robot arm testing"}
    )
    assert page.status_code == 400
    assert "not been verified" in str(page.context["form"].non_field_errors())
    assert not newcomer[0].applications.exists()
