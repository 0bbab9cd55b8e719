"""A deactivated account's owner who types the right password is told the account is
deactivated and whom to ask; a wrong password reads as for any account, so the message
tells nobody else which accounts exist. Neither signs in nor gets an API token."""

import pytest
from axes.models import AccessAttempt
from rest_framework.authtoken.models import Token

from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

DEACTIVATED = "This account has been deactivated. Contact your district office or the programme"


def login_page(client, password, username="alice"):
    return client.post(
        "/login/", {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en"
    )


def token(api_client, password, username="alice"):
    return api_client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def failures(username="alice") -> int:
    return sum(a.failures_since_start for a in AccessAttempt.objects.filter(username=username))


@pytest.fixture
def deactivated(alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    return alice


def test_the_right_password_says_the_account_is_deactivated(client, deactivated):
    response = login_page(client, PASSWORD)

    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["__all__"][0].code == "inactive"
    assert DEACTIVATED in response.content.decode()
    assert not logged_in(client)


def test_a_wrong_password_reads_as_for_an_account_nobody_has(client, deactivated):
    wrong = login_page(client, "wrong-pass-2026")
    nobody = login_page(client, "wrong-pass-2026", username="nobody-at-all")

    assert wrong.status_code == nobody.status_code == 400
    assert DEACTIVATED not in wrong.content.decode()
    assert wrong.context["form"].non_field_errors() == nobody.context["form"].non_field_errors()
    assert not logged_in(client)


def test_an_active_account_signs_in_as_before(client, alice):
    assert login_page(client, "wrong-pass-2026").status_code == 400
    assert DEACTIVATED not in login_page(client, "wrong-pass-2026").content.decode()

    response = login_page(client, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_wrong_passwords_count_towards_the_lock_out_as_for_an_active_account(client, deactivated):
    statuses = [login_page(client, "wrong").status_code for _ in range(5)]

    assert statuses == [400, 400, 400, 400, 429]
    assert failures() == 5
    # Locked out, the right password is answered by the lock-out, not by the message.
    locked = login_page(client, PASSWORD)
    assert locked.status_code == 429
    assert DEACTIVATED not in locked.content.decode()


def test_wrong_passwords_are_counted_one_each(client, deactivated):
    login_page(client, "wrong")
    login_page(client, "wrong again")

    assert failures() == 2


def test_the_token_endpoint_refuses_it_with_the_reason_for_the_right_password(
    api_client, deactivated
):
    right = token(api_client, PASSWORD)
    wrong = token(api_client, "wrong-pass-2026")

    assert right.status_code == 403
    assert right.json()["code"] == "account_deactivated"
    assert right.json()["detail"].startswith(DEACTIVATED)
    assert wrong.status_code == 400
    assert "deactivated" not in wrong.content.decode()
    assert not Token.objects.filter(user=deactivated).exists()


def test_an_active_accounts_token_is_made_as_before(api_client, alice):
    response = token(api_client, PASSWORD)

    assert response.status_code == 200
    assert Token.objects.get(user=alice).key == response.json()["token"]
