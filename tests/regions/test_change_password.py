"""A signed-in user changes the password: the old one asked, the new one checked as at a
reset; the other sessions and the API tokens end, this session stays signed in."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

NEW = "Gr4phene-Powder-2027"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get("/account/password/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_user_changes_the_password_and_the_rest_signs_in_again(demo, password):
    user = demo["users"]["enterprise-jiangnan"]
    here, elsewhere = signed_in(user), signed_in(user)
    api = APIClient()
    token = api.post(
        "/api/auth/token/", {"username": user.username, "password": password}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/vouchers/").status_code == 200
    assert 'name="old_password"' in here.get("/account/password/").content.decode()

    response = here.post(
        "/account/password/",
        {"old_password": password, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )

    assert response.redirect_chain[0] == ("/dashboard/", 302)
    assert "Your password is changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(password)
    assert here.get("/account/password/").status_code == 200  # still signed in
    assert elsewhere.get("/account/password/").status_code == 302  # the other session ended
    assert api.get("/api/vouchers/").status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"old_password": "not-it", "new_password1": NEW, "new_password2": NEW}, "old_password"),
        ({"new_password1": NEW, "new_password2": NEW + "x"}, "new_password2"),
        ({"new_password1": "12345678", "new_password2": "12345678"}, "new_password2"),
    ],
)
def test_a_wrong_old_password_a_mismatch_or_a_weak_one_is_refused(demo, password, body, field):
    user = demo["users"]["enterprise-jiangnan"]
    client = signed_in(user)
    body = {"old_password": password, **body}
    response = client.post("/account/password/", body)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    user.refresh_from_db()
    assert user.check_password(password)
