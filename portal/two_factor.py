"""Second factor at sign-in: a TOTP authenticator app, with one-time recovery codes.

District officials and the operator (and any staff account) must have one when REQUIRE_2FA
is on; anyone who has set one up is asked for it at every sign-in. Devices are django-otp's
(TOTPDevice, StaticDevice), so the operator can remove a lost one in the admin.
"""

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# What the session remembers of the user's second factor, so that pages need no query.
SESSION_KEY = "portal_second_factor"
SETUP, VERIFY, NONE = "setup", "verify", "none"


def second_factor_required(user) -> bool:
    return settings.REQUIRE_2FA and (user.is_official or user.is_operator or user.is_staff)


def has_second_factor(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def second_factor_state(user) -> str:
    """VERIFY when the user has a device, SETUP when one is required and missing, else NONE."""
    if has_second_factor(user):
        return VERIFY
    if second_factor_required(user):
        return SETUP
    return NONE


def remember_second_factor_state(sender, request, user, **kwargs):
    """At sign-in, note in the session what the user owes, so pages need no query for it."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = second_factor_state(user)


def totp_device_for_setup(*, user) -> TOTPDevice:
    """The user's unconfirmed TOTP device, made once, so reloading the page keeps its key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a code from the app; returns fresh recovery codes, or None
    when the code is wrong. A confirmed device replaces the user's earlier one."""
    if device.user_id != user.pk or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Tokens made before were made without this step: from now on a token takes a code.
    Token.objects.filter(user=user).delete()
    return recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user) -> list[str]:
    """New one-time recovery codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_check(*, user, token: str):
    """The device that accepts `token` (a TOTP code or an unused recovery code), or None.

    django-otp spends a recovery code on use, refuses a TOTP code seen before, and slows
    down repeated failures on each device."""
    token = "".join(token.split())
    if not token:
        return None
    return match_token(user, token)


def otpauth_qr_svg(uri: str) -> str:
    """The otpauth:// address as an inline SVG QR code, for the authenticator app."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


class SecondFactorMiddleware:
    """Keeps a signed-in user who owes a second factor on the set-up or verify page.

    After django_otp's OTPMiddleware, which tells whether this session's sign-in was
    verified. The API answers 403 instead of redirecting; token clients give their code to
    the token endpoint instead.
    """

    EXEMPT_PREFIXES = ("/account/2fa/", "/logout/", "/login/", "/static/", "/i18n/", "/healthz/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(self.EXEMPT_PREFIXES):
            state = request.session.get(SESSION_KEY)
            if state is None:  # a session from before sign-in noted it
                state = second_factor_state(user)
                request.session[SESSION_KEY] = state
            if state != NONE and not user.is_verified():
                return self._send_to_second_factor(request, state)
        return self.get_response(request)

    @staticmethod
    def _send_to_second_factor(request, state):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Sign in with your second factor first.", "code": "otp_required"},
                status=403,
            )
        name = "two-factor-verify" if state == VERIFY else "two-factor-setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
