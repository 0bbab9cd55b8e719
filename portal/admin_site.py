"""The admin site: for the operator only, signed in through the portal's own login page, so
with its lock-out and the same second factor."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    # "Django administration" named the framework, not the programme, to its operator.
    site_header = _("Innovation Voucher Portal: administration")
    site_title = _("Innovation Voucher Portal administration")

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff and (user.is_superuser or user.is_operator)):
            return False
        return user.is_verified() if settings.REQUIRE_2FA else True

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in, yet not allowed here: another login would not change that.
            raise PermissionDenied
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")


def unregister_secrets(site: admin.AdminSite) -> None:
    """API tokens and second-factor devices stay out of the admin, for the operator and
    superusers alike: a token or a TOTP key read there signs in as its owner, second factor
    included, and with two officials' tokens one person could give both approvals of four
    eyes. Deactivating a person deletes their tokens; each person manages their own second
    step at /account/2fa/."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token, TokenProxy

    for model in (Token, TokenProxy, TOTPDevice, StaticDevice):
        if site.is_registered(model):
            site.unregister(model)


class OperatorReadsAdminBackend:
    """The operator reads every table in the admin, and changes none there: what changes
    money, a state or who may act goes through the portal's pages, with its rules and an
    audit entry. (Without this, an operator who is not a superuser met an empty admin.)
    Authenticates nobody; only answers permission questions."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm, obj=None):
        return bool(
            user.is_active
            and getattr(user, "is_operator", False)
            and perm.partition(".")[2].startswith("view_")
        )

    def has_module_perms(self, user, app_label):
        return bool(user.is_active and getattr(user, "is_operator", False))
