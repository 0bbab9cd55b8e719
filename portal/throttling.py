"""Throttles of the API (REST_FRAMEWORK DEFAULT_THROTTLE_CLASSES), answered 429 + Retry-After.

A module of their own: DRF imports the throttle classes while it defines APIView, so they
cannot live in portal/api.py, which imports DRF's views.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from portal.security import client_ip


class AnonThrottle(AnonRateThrottle):
    """DRF's per-client throttle, reading the rate when used rather than at import.

    DRF copies DEFAULT_THROTTLE_RATES into a class attribute at import, so a changed setting
    (a test's `settings` fixture, a reloaded config) would be ignored.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # DRF's own ident trusts any X-Forwarded-For unless NUM_PROXIES is set, so a client
        # could pick a fresh identity, and a fresh allowance, with every request.
        return client_ip(request)


class UserThrottle(UserRateThrottle):
    """DRF's per-user throttle (anonymous clients by address), rate read when used."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request)
