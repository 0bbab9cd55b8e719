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


class WindowCounter:
    """A counter per client and window, the window opening with the client's first request
    and lasting the rate's period: one cache round trip (an atomic increment) per request.

    DRF's own throttle read the client's whole list of request times and wrote it back on
    every request (two round trips, a list as long as the rate, and a race between
    processes that lost counts). A window that opens at the first request, rather than on
    the clock's minute, cannot be reset by a client timing its requests at a boundary; at
    worst a client gets its rate twice across two adjacent windows.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        try:
            count = self.cache.incr(self.key)
        except ValueError:  # no window open (or it just closed)
            if self.cache.add(self.key, 1, self.duration):
                self.cache.set(self.key + ":opened", self.now, self.duration)
                return True
            count = self.cache.incr(self.key)  # another process opened it meanwhile
        if count == 1:
            # Redis's INCR recreated a key that expired after Django's existence check,
            # without an expiry: give it one, or the window would never close.
            self.cache.touch(self.key, self.duration)
            self.cache.set(self.key + ":opened", self.now, self.duration)
        return count <= self.num_requests

    def wait(self):
        # Only for a throttled request: when its window closes.
        try:
            opened = self.cache.get(self.key + ":opened")
        except CACHE_ERRORS:
            opened = None
        if opened is None:
            return self.duration
        return max(1, self.duration - (self.now - opened))


class AnonThrottle(FailOpen, WindowCounter, AnonRateThrottle):
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


class UserThrottle(FailOpen, WindowCounter, UserRateThrottle):
    """DRF's per-user throttle (anonymous clients by address), rate read when used."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request)
