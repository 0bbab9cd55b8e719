"""Throttles of the API (REST_FRAMEWORK DEFAULT_THROTTLE_CLASSES), answered 429 + Retry-After.

A module of their own: DRF imports the throttle classes while it defines APIView, so they
cannot live in portal/api.py, which imports DRF's views.

They fail open: the counts live in the cache (Redis when CACHE_URL says so), and a cache
that is away must not turn every API call into a 500. Requests go through uncounted and a
warning is logged; the cache's short socket timeouts (settings) bound the wait.
"""

import logging

import redis.exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from portal.security import client_ip

logger = logging.getLogger(__name__)

CACHE_ERRORS = (redis.exceptions.RedisError, OSError)


class FailOpen:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            logger.warning("throttle %s: cache unavailable, request allowed: %r", self.scope, exc)
            return True


class AnonThrottle(FailOpen, AnonRateThrottle):
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


class UserThrottle(FailOpen, UserRateThrottle):
    """DRF's per-user throttle (anonymous clients by address), rate read when used."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request)
