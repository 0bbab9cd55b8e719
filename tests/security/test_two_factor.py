"""Two-step sign-in for officials and the operator, with real TOTP codes from the device key."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import two_factor
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def required(settings):
    settings.REQUIRE_2FA = True


@pytest.fixture
def official(db):
    from regions.models import Region, User

    return User.objects.create_user(
        username="official",
        password=PASSWORD,
        role=User.Role.OFFICIAL,
        region=Region.objects.get(code="YANGPU"),
        is_staff=True,
    )


def code_of(device, steps_ahead=0):
    """The code the authenticator app shows now (or `steps_ahead` periods later)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):06d}"


def with_device(user):
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    codes = two_factor.recovery_codes_regenerate(user=user)
    return device, codes


def log_in(client, username="official"):
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_an_official_without_a_device_is_sent_to_set_up(client, official):
    log_in(client)

    response = client.get("/official/")

    assert response.status_code == 302
    assert response["Location"] == "/account/2fa/setup/?next=%2Fofficial%2F"


def test_every_other_page_waits_for_the_set_up(client, official):
    log_in(client)

    for path in ["/dashboard/", "/vouchers/", "/settlement/", "/admin/"]:
        assert client.get(path)["Location"].startswith("/account/2fa/setup/")


def test_the_api_in_the_same_session_answers_403(client, official):
    log_in(client)

    response = client.get("/api/vouchers/")

    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"


def test_the_setup_page_shows_the_key_as_qr_code_address_and_text(client, official):
    log_in(client)

    response = client.get("/account/2fa/setup/")

    device = TOTPDevice.objects.get(user=official, confirmed=False)
    assert response.status_code == 200
    assert "<svg" in response.text
    assert "otpauth://totp/" in response.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', response.text).group(1)
    from base64 import b32decode

    assert b32decode(secret) == device.bin_key


def test_reloading_the_setup_page_keeps_the_key(client, official):
    log_in(client)
    client.get("/account/2fa/setup/")
    client.get("/account/2fa/setup/")

    assert TOTPDevice.objects.filter(user=official).count() == 1


def test_a_wrong_code_does_not_confirm_the_device(client, official):
    log_in(client)
    client.get("/account/2fa/setup/")
    device = TOTPDevice.objects.get(user=official)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post("/account/2fa/setup/", {"code": wrong})

    device.refresh_from_db()
    assert response.status_code == 400
    assert not device.confirmed
    assert "not right" in response.text
    assert client.get("/official/").status_code == 302


def test_the_right_code_confirms_shows_recovery_codes_once_and_opens_the_portal(client, official):
    log_in(client)
    client.get("/account/2fa/setup/")
    device = TOTPDevice.objects.get(user=official)

    response = client.post("/account/2fa/setup/", {"code": code_of(device), "next": "/official/"})

    device.refresh_from_db()
    assert device.confirmed
    shown = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.text)
    assert len(shown) == two_factor.RECOVERY_CODE_COUNT
    assert set(shown) == set(StaticToken.objects.values_list("token", flat=True))
    assert client.get("/official/").status_code == 200
    # The codes page afterwards tells how many are left, not the codes themselves.
    page = client.get("/account/2fa/recovery-codes/")
    assert "10 unused recovery codes" in page.text
    assert shown[0] not in page.text


def test_the_next_sign_in_asks_for_a_code(client, official):
    device, _ = with_device(official)
    log_in(client)

    assert client.get("/official/")["Location"] == "/account/2fa/verify/?next=%2Fofficial%2F"
    response = client.post("/account/2fa/verify/", {"code": code_of(device), "next": "/official/"})

    assert response.status_code == 302
    assert response["Location"] == "/official/"
    assert client.get("/official/").status_code == 200


def test_a_wrong_code_at_sign_in_is_refused(client, official):
    device, _ = with_device(official)
    log_in(client)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post("/account/2fa/verify/", {"code": wrong})

    assert response.status_code == 400
    assert "not right" in response.text
    assert client.get("/official/").status_code == 302


def test_a_code_is_not_accepted_twice(client, official):
    device, _ = with_device(official)
    code = code_of(device)
    log_in(client)
    client.post("/account/2fa/verify/", {"code": code})
    client.post("/logout/")
    log_in(client)

    client.post("/account/2fa/verify/", {"code": code})

    assert client.get("/official/").status_code == 302


def test_a_recovery_code_signs_in_once(client, official):
    _, codes = with_device(official)
    log_in(client)
    client.post("/account/2fa/verify/", {"code": codes[0]})
    assert client.get("/official/").status_code == 200
    client.post("/logout/")
    log_in(client)

    client.post("/account/2fa/verify/", {"code": codes[0]})

    assert client.get("/official/").status_code == 302
    assert StaticToken.objects.count() == two_factor.RECOVERY_CODE_COUNT - 1


def test_new_recovery_codes_replace_the_old_ones(client, official):
    device, old = with_device(official)
    log_in(client)
    client.post("/account/2fa/verify/", {"code": code_of(device)})

    response = client.post("/account/2fa/recovery-codes/")

    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.text)
    assert len(new) == two_factor.RECOVERY_CODE_COUNT
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert not set(old) & set(new)


def test_the_operator_needs_it_too(client, operator):
    log_in(client, "operator-2fa")

    assert client.get("/operator/")["Location"].startswith("/account/2fa/setup/")


def test_an_enterprise_user_is_not_asked(client, alice):
    log_in(client, "alice")

    assert "2fa" not in client.get("/dashboard/").get("Location", "")


def test_nobody_is_asked_when_the_setting_is_off(client, official, settings):
    settings.REQUIRE_2FA = False
    log_in(client)

    assert client.get("/official/").status_code == 200


def test_the_token_endpoint_asks_for_set_up_first(api_client, official):
    response = api_client.post(
        "/api/auth/token/", {"username": "official", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "otp_setup_required"


def test_the_token_endpoint_needs_the_code(api_client, official):
    device, _ = with_device(official)
    credentials = {"username": "official", "password": PASSWORD}

    without = api_client.post("/api/auth/token/", credentials, format="json")
    right = api_client.post(
        "/api/auth/token/", {**credentials, "otp_code": code_of(device)}, format="json"
    )
    # Checked last: after a wrong code django-otp makes the device wait before the next try.
    wrong = api_client.post(
        "/api/auth/token/", {**credentials, "otp_code": code_of(device, 5)}, format="json"
    )

    assert without.status_code == 403
    assert without.json()["code"] == "otp_required"
    assert right.status_code == 200
    assert right.json()["token"]
    assert wrong.status_code == 403


def test_the_admin_is_for_the_verified_operator(client, operator):
    device, _ = with_device(operator)
    log_in(client, "operator-2fa")
    assert client.get("/admin/")["Location"].startswith("/account/2fa/verify/")

    client.post("/account/2fa/verify/", {"code": code_of(device)})

    assert client.get("/admin/").status_code == 200


def test_the_admin_is_closed_to_officials(client, official):
    device, _ = with_device(official)
    log_in(client)
    client.post("/account/2fa/verify/", {"code": code_of(device)})

    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403


def test_a_token_made_before_the_second_step_was_required_stops_working(
    api_client, client, official
):
    # The token was made while two-step sign-in was off (or before this official had to).
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=official)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    refused = api_client.get("/api/vouchers/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "otp_setup_required"
    # Setting the second step up deletes it: a new one takes a code at the token endpoint.
    log_in(client)
    client.get("/account/2fa/setup/")
    device = TOTPDevice.objects.get(user=official)
    client.post("/account/2fa/setup/", {"code": code_of(device), "next": "/official/"})
    assert not Token.objects.filter(user=official).exists()
    assert api_client.get("/api/vouchers/").status_code == 401


def test_an_enterprise_token_needs_no_second_step(api_client, alice):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=alice)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/vouchers/").status_code == 200
