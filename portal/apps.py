from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class PortalConfig(AppConfig):
    """What every app shares (see README: Layout); an app so that it can hold shared tables,
    template tags and the sign-in signals."""

    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal import authentication  # noqa: F401 - its signals drop cached tokens
        from portal.two_factor import remember_second_factor_state

        user_logged_in.connect(remember_second_factor_state, dispatch_uid="portal-second-factor")


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's own admin site as `admin.site`."""

    default_site = "portal.admin_site.PortalAdminSite"
