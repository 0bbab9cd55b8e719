"""Wrong passwords lock the client address, the account from that address, and the account
itself once guessed at from many addresses, out of every login path."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.db.models import F

from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login_page(client, password, username="alice", **headers):
    return client.post("/login/", {"username": username, "password": password}, **headers)


def token(api_client, password, username="alice", **headers):
    return api_client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", **headers
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_after_100_wrong_ones_does_not_log_in(client, alice):
    for attempt in range(100):
        login_page(client, f"wrong-{attempt}")

    response = login_page(client, PASSWORD)

    assert response.status_code == 429
    assert not logged_in(client)


def test_the_limit_is_five_failures_by_default(client, alice):
    statuses = [login_page(client, "wrong").status_code for _ in range(5)]

    assert statuses == [400, 400, 400, 400, 429]


def test_the_login_page_says_locked_out_and_when_to_retry(client, alice):
    for _ in range(5):
        login_page(client, "wrong")

    response = login_page(client, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert "Too many failed logins" in response.text
    assert "15 minutes" in response.text


def test_the_token_endpoint_answers_429_after_the_limit(api_client, alice):
    for _ in range(5):
        token(api_client, "wrong")

    response = token(api_client, PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert int(response["Retry-After"]) == 15 * 60
    assert "token" not in response.json()
    # The page's sentence, with the wait, in the reader's language (django-axes's own detail
    # was English only): "failed attempts", since a deactivated account's right password
    # counts too.
    assert response.json()["detail"] == (
        "Logging in is blocked for this account or this network after too many failed "
        "attempts. Try again in 15 minutes."
    )
    chinese = token(api_client, PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "15 分钟" in chinese.json()["detail"]


def test_failures_on_the_page_and_the_api_add_up(client, api_client, alice):
    for _ in range(3):
        login_page(client, "wrong")
    for _ in range(2):
        token(api_client, "wrong")

    assert token(api_client, PASSWORD).status_code == 429


def test_a_new_x_forwarded_for_does_not_reset_the_count(client, api_client, alice):
    for attempt in range(5):
        login_page(client, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")

    assert login_page(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert token(api_client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 429
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_five_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(client, alice):
    # Anyone can type five wrong passwords for an official's name: that must not lock the
    # official out of their own office.
    for _ in range(5):
        login_page(client, "wrong", REMOTE_ADDR="192.0.2.1")

    assert login_page(client, PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 429
    response = login_page(client, PASSWORD, REMOTE_ADDR="192.0.2.2")
    assert response.status_code == 302
    assert logged_in(client)


def test_an_account_guessed_at_from_many_addresses_is_locked_everywhere(client, alice, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 12
    for address in range(3):
        for _ in range(4):
            login_page(client, "wrong", REMOTE_ADDR=f"192.0.2.{address}")

    response = login_page(client, PASSWORD, REMOTE_ADDR="198.51.100.1")

    assert response.status_code == 429
    assert not logged_in(client)


def test_the_account_limit_counts_only_the_cool_off(client, alice, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    for address in range(2):
        for _ in range(4):
            login_page(client, "wrong", REMOTE_ADDR=f"192.0.2.{address}")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))

    assert login_page(client, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302


def test_an_address_guessing_many_accounts_is_locked_out(client, alice, settings):
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        login_page(client, "wrong", username=f"guess-{number}", REMOTE_ADDR="192.0.2.1")

    assert login_page(client, PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 429
    # The account itself was never guessed at: from elsewhere it logs in.
    response = login_page(client, PASSWORD, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_right_password_works_after_the_cool_off(client, alice):
    for _ in range(5):
        login_page(client, "wrong")
    assert login_page(client, PASSWORD).status_code == 429

    # Fifteen minutes and a second pass since the last failure.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))
    response = login_page(client, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_the_limit_and_cool_off_come_from_settings(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    statuses = [login_page(client, "wrong").status_code for _ in range(2)]

    assert statuses == [400, 429]
    response = login_page(client, PASSWORD)
    assert response["Retry-After"] == "60"


def test_fewer_failures_than_the_limit_still_log_in(client, alice):
    for _ in range(4):
        login_page(client, "wrong")

    assert login_page(client, PASSWORD).status_code == 302


def test_the_admin_signs_in_through_the_locked_login_page(client, operator):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2F"


def test_failures_are_audited_and_listed_in_the_admin(client, alice, operator):
    for _ in range(2):
        login_page(client, "wrong")
    operator.is_superuser = True
    operator.save()
    client.force_login(operator)

    response = client.get("/admin/axes/accessfailurelog/")

    assert AccessFailureLog.objects.filter(username="alice").count() == 2
    assert response.status_code == 200
    assert "alice" in response.text


def test_a_few_made_up_names_do_not_lock_out_everyone_behind_the_address(client, alice):
    # A district office signs in from one address (its NAT): five wrong names from it locked
    # every official there out for 15 minutes.
    for number in range(5):
        assert login_page(client, "x", username=f"nobody-{number}").status_code == 400

    assert login_page(client, PASSWORD).status_code == 302
    assert logged_in(client)
