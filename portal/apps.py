from django.apps import AppConfig


class PortalConfig(AppConfig):
    """What every app shares (see README: Layout); an app so that it can hold shared tables
    and template tags."""

    name = "portal"
    verbose_name = "Portal"
