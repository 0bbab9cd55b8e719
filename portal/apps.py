import sqlite3

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

SQLITE_INTEGER = range(-(2**63), 2**63)


def _sqlite_integer(value: int):
    """An integer SQLite can hold as it is; a larger one as its text, which no integer column
    equals. The sqlite3 module refused such a number with OverflowError, a 500 for
    `?enterprise=99999999999999999999` or a form's category id, where PostgreSQL simply finds
    nothing (and a model field's validation refuses it before any write)."""
    return value if value in SQLITE_INTEGER else str(value)


def remember_sign_in_language(sender, request, user, **kwargs):
    """The page someone signs in on is in the language they read: their e-mails will be too
    (portal/emails.py)."""
    from django.utils import translation

    from portal.emails import remember_language

    if request is not None:
        remember_language(user, translation.get_language())


class PortalConfig(AppConfig):
    """What every app shares (see README: Layout); an app so that it can hold shared tables,
    template tags and the sign-in signals."""

    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal import authentication  # noqa: F401 - its signals drop cached tokens
        from portal.two_factor import remember_second_factor_state

        user_logged_in.connect(remember_second_factor_state, dispatch_uid="portal-second-factor")
        user_logged_in.connect(remember_sign_in_language, dispatch_uid="portal-language")
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
            sqlite3.register_adapter(int, _sqlite_integer)


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's own admin site as `admin.site`."""

    default_site = "portal.admin_site.PortalAdminSite"

    def ready(self):
        super().ready()  # autodiscover: every app's admin module registers its models
        from django.contrib import admin

        from portal.admin_site import unregister_secrets

        unregister_secrets(admin.site)


class LockoutConfig(AxesAppConfig):
    """django-axes, named in the admin in the reader's language: it ships no Chinese, so its
    tables' and columns' names are in our catalogue (portal/axes_words.py)."""

    verbose_name = _("Login lock-out")
