"""A form whose token or session no longer holds says what happened, in the reader's
language: Django's CSRF page was English developer help with no way back, and a form sent
after signing out landed on a login page that said nothing."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def token_of(client, path: str) -> str:
    client.get(path)
    return client.cookies["csrftoken"].value


def test_logging_in_in_a_second_tab_then_in_the_first_explains_and_leads_on(demo):
    client = csrf_client()
    stale = token_of(client, "/login/")  # tab A opens the form
    credentials = {"username": "enterprise-jiangnan", "password": "demo-pass-2026"}
    fresh = token_of(client, "/login/")  # tab B opens it too and signs in
    assert client.post("/login/", {**credentials, "csrfmiddlewaretoken": fresh}).status_code == 302
    # Signing in gave a new token: tab A's form no longer holds.
    response = client.post(
        "/login/", {**credentials, "csrfmiddlewaretoken": stale}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "表单已过期" in body and "您已登录" in body
    assert 'href="/dashboard/"' in body
    assert "Reason given for failure" not in body  # Django's developer help


def test_a_form_with_no_valid_token_asks_to_open_it_again(demo):
    client = csrf_client()
    response = client.post("/signup/", {"csrfmiddlewaretoken": "x" * 32})
    assert response.status_code == 403
    body = response.content.decode()
    assert "The form had expired" in body and 'href="/signup/"' in body


def test_a_form_sent_after_signing_out_says_so_on_the_login_page(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    client.post("/logout/")
    response = client.post(
        "/applications/new/", {"requested_amount": "1000", "purpose": "x"}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "what you sent was not saved" in response.content.decode()


def test_an_ordinary_login_page_says_nothing_of_an_ended_session(client, demo):
    assert "not saved" not in client.get("/login/").content.decode()
