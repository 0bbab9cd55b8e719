import re

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


def test_an_official_refuses_a_registration_and_the_enterprise_reads_why(
    client, demo, newcomer, django_capture_on_commit_callbacks
):
    enterprise, user = newcomer
    client.force_login(demo["users"]["official-wujin"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/enterprises/{enterprise.pk}/reject/", {"reason": "No such company in the register."}
        )

    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (
        enterprise.is_rejected and enterprise.rejection_reason == "No such company in the register."
    )
    assert enterprise not in client.get("/official/enterprises/").context["enterprises"]
    assert "No such company in the register." in mail.outbox[0].body
    assert AuditEntry.objects.filter(object_id=str(enterprise.pk), action="reject").exists()
    # The enterprise reads the reason and asks again: back in the queue.
    client.force_login(user)
    page = client.get("/dashboard/", follow=True).content.decode()
    assert "No such company in the register." in page and "Ask for the review again" in page
    client.post("/enterprise/review-again/")
    enterprise.refresh_from_db()
    assert not enterprise.is_rejected
    client.force_login(demo["users"]["official-wujin"])
    assert enterprise in client.get("/official/enterprises/").context["enterprises"]


def test_a_refused_enterprises_page_says_so_and_still_verifies(client, demo, newcomer):
    enterprise, _user = newcomer
    client.force_login(demo["users"]["official-wujin"])
    client.post(f"/enterprises/{enterprise.pk}/reject/", {"reason": "No such company."})

    page = client.get(f"/enterprises/{enterprise.pk}/", HTTP_ACCEPT_LANGUAGE="en").content
    page = page.decode()
    assert "Registration refused" in page and "No such company." in page
    assert "Waiting for verification" not in page
    assert f"/enterprises/{enterprise.pk}/verify/" in page
    # The history names the refused state, not its code.
    cells = re.sub(r' data-label="[^"]*"', "", page)  # the labels of a phone's cards
    assert "<td>Unverified</td><td>Refused</td>" in cells

    response = client.post(
        f"/enterprises/{enterprise.pk}/verify/", {"next": f"/enterprises/{enterprise.pk}/"}
    )
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.is_verified and not enterprise.is_rejected


def test_a_refusal_needs_a_reason_and_the_officials_district(api_as, demo, newcomer):
    enterprise, _user = newcomer
    url = f"/api/enterprises/{enterprise.pk}/reject/"

    assert (
        api_as(demo["users"]["official-wujin"])
        .post(url, {"reason": " "}, format="json")
        .status_code
        == 400
    )
    assert api_as(demo["users"]["official-yangpu"]).post(
        url, {"reason": "No."}, format="json"
    ).status_code in (403, 404)
    done = api_as(demo["users"]["official-wujin"]).post(
        url, {"reason": "Not in Wujin."}, format="json"
    )
    assert done.status_code == 200 and done.json()["rejection_reason"] == "Not in Wujin."
    again = api_as(demo["users"]["official-wujin"]).post(url, {"reason": "Twice."}, format="json")
    assert again.status_code == 409
    # A refused registration may still be verified: the official changed their mind.
    verified = api_as(demo["users"]["official-wujin"]).post(
        f"/api/enterprises/{enterprise.pk}/verify/"
    )
    assert verified.status_code == 200 and verified.json()["verified"] is True


def test_a_closed_registration_gives_its_credit_code_back(client, demo, newcomer):
    """An impostor registered the firm's code and was refused: the district closes that
    registration, its account ends for good, and the real firm registers with the code."""
    from tests.vouchers.test_signup import form

    enterprise, impostor = newcomer
    official = demo["users"]["official-wujin"]
    client.force_login(official)
    client.post(f"/enterprises/{enterprise.pk}/reject/", {"reason": "Not this firm's staff."})

    # Before closing, the code is taken.
    client.logout()
    taken = client.post("/signup/", form(demo, credit_code=enterprise.credit_code))
    assert taken.status_code == 400
    assert "already registered" in str(taken.context["form"].errors["credit_code"])

    client.force_login(official)
    queue = client.get("/official/enterprises/", HTTP_ACCEPT_LANGUAGE="en")
    assert list(queue.context["refused"]) == [enterprise]
    assert f"/enterprises/{enterprise.pk}/" in queue.content.decode()
    page = client.get(f"/enterprises/{enterprise.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/enterprises/{enterprise.pk}/close/" in page
    response = client.post(f"/enterprises/{enterprise.pk}/close/")
    assert response.status_code == 302
    enterprise.refresh_from_db()
    impostor.refresh_from_db()
    assert enterprise.is_closed and enterprise.closed_by == official
    assert not impostor.is_active
    assert AuditEntry.objects.filter(object_id=str(enterprise.pk), action="close").exists()
    queue = client.get("/official/enterprises/")
    assert list(queue.context["refused"]) == []
    page = client.get(f"/enterprises/{enterprise.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Registration closed" in page
    assert f"/enterprises/{enterprise.pk}/verify/" not in page
    assert f"/enterprises/{enterprise.pk}/close/" not in page

    client.logout()
    response = client.post("/signup/", form(demo, credit_code=enterprise.credit_code))
    assert response.status_code == 302
    firm = User.objects.get(username="newco").enterprise
    assert firm.pk != enterprise.pk and firm.credit_code == enterprise.credit_code
    # The closed one cannot come back: no verification, no second closing, no review.
    assert client.login(username="unverified", password="x-pass-2026!") is False


def test_only_a_refused_registration_closes_and_only_once(api_as, demo, newcomer):
    enterprise, user = newcomer
    official = api_as(demo["users"]["official-wujin"])
    url = f"/api/enterprises/{enterprise.pk}/close/"

    waiting = official.post(url)
    assert waiting.status_code == 409 and waiting.json()["code"] == "not_rejected"
    assert api_as(demo["users"]["official-yangpu"]).post(url).status_code in (403, 404)
    assert api_as(user).post(url).status_code == 403
    official.post(f"/api/enterprises/{enterprise.pk}/reject/", {"reason": "No."}, format="json")
    closed = official.post(url)
    assert closed.status_code == 200 and closed.json()["closed_at"]
    again = official.post(url)
    assert again.status_code == 409 and again.json()["code"] == "closed"
    verify = official.post(f"/api/enterprises/{enterprise.pk}/verify/")
    assert verify.status_code == 409 and verify.json()["code"] == "closed"
    enterprise.refresh_from_db()
    assert enterprise.verified_at is None


def test_two_open_registrations_of_one_code_are_refused_by_the_database(demo, newcomer):
    from django.db import IntegrityError, transaction

    enterprise, _user = newcomer
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.create(
            name="Second",
            credit_code=enterprise.credit_code,
            region=enterprise.region,
            industry="x",
            size="micro",
            contact_name="x",
            contact_email="x@example.com",
        )


def test_a_closed_registrations_account_cannot_be_reactivated(client, demo, newcomer):
    enterprise, user = newcomer
    official = demo["users"]["official-wujin"]
    client.force_login(official)
    client.post(f"/enterprises/{enterprise.pk}/reject/", {"reason": "Not this firm's staff."})
    client.post(f"/enterprises/{enterprise.pk}/close/")

    client.force_login(demo["users"]["operator"])
    response = client.post(f"/people/{user.pk}/reactivate/", follow=True)
    user.refresh_from_db()
    assert not user.is_active
    assert "closed for good" in response.content.decode()
    # The history names the closed state in the reader's language.
    client.force_login(official)
    page = client.get(f"/enterprises/{enterprise.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "<td>已关闭</td>" in page.content.decode() or "已关闭" in page.content.decode()


def test_the_history_names_the_official_by_name(client, demo, newcomer):
    """The history showed the account's user name ("official-wujin") where it has a name."""
    enterprise, _user = newcomer
    official = demo["users"]["official-wujin"]
    official.first_name, official.last_name = "芳", "王"
    official.save(update_fields=["first_name", "last_name"])
    client.force_login(official)
    client.post(f"/enterprises/{enterprise.pk}/reject/", {"reason": "No such company."})
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "<td>王芳</td>" in re.sub(r' data-label="[^"]*"', "", page)


def test_an_unverified_enterprise_gets_no_application_form_to_fill_in(client, demo, newcomer):
    """It filled the whole form in, and sending it was refused."""
    _enterprise, user = newcomer
    client.force_login(user)
    page = client.get("/applications/new/").content.decode()
    assert "has not been verified by the district office yet" in page
    assert 'enctype="multipart/form-data"' not in page
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert 'enctype="multipart/form-data"' in client.get("/applications/new/").content.decode()
