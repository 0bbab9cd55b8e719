"""Throttles of the API (REST_FRAMEWORK DEFAULT_THROTTLE_CLASSES), answered 429 + Retry-After,
and `page_throttle_wait` for the few pages that need one (the public serial check, sign-up).

A module of their own: DRF imports the throttle classes while it defines APIView, so they
cannot live in portal/api.py, which imports DRF's views.

They fail open: the counts live in the cache (Redis when CACHE_URL says so), and a cache
that is away must not turn every API call into a 500. Requests go through uncounted and a
warning is logged; the cache's short socket timeouts (settings) bound the wait.
"""

import logging
import math

import redis.exceptions
from django.conf import settings
from django.utils.translation import ngettext
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

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


def window_count(cache, key: str, *, duration: int, now: float) -> int:
    """Count one request in the window at `key` and return the window's count so far.

    The window opens with the first request and lasts `duration` seconds: one cache round
    trip (an atomic increment) per request. DRF's own throttle read the client's whole list
    of request times and wrote it back on every request (two round trips, a list as long as
    the rate, and a race between processes that lost counts). A window that opens at the
    first request, rather than on the clock's minute, cannot be reset by a client timing its
    requests at a boundary; at worst a client gets its rate twice across two adjacent windows.
    """
    try:
        count = cache.incr(key)
    except ValueError:  # no window open (or it just closed)
        if cache.add(key, 1, duration):
            cache.set(key + ":opened", now, duration)
            return 1
        count = cache.incr(key)  # another process opened it meanwhile
    if count == 1:
        # Redis's INCR recreated a key that expired after Django's existence check,
        # without an expiry: give it one, or the window would never close.
        cache.touch(key, duration)
        cache.set(key + ":opened", now, duration)
    return count


def window_wait(cache, key: str, *, duration: int, now: float) -> float:
    """Seconds until the window at `key` closes (its whole length if that is not known)."""
    try:
        opened = cache.get(key + ":opened")
    except CACHE_ERRORS:
        opened = None
    if opened is None:
        return duration
    return max(1, duration - (now - opened))


def _client(request) -> str:
    """Whom a page's or an endpoint's allowance is counted for: its account when signed in,
    else its address."""
    user = getattr(request, "user", None)
    return f"user-{user.pk}" if user is not None and user.is_authenticated else client_ip(request)


def page_throttle_wait(request, throttle_class) -> int | None:
    """Count a page request with an API throttle class (its rate, window and client, failing
    open like the API's): None while the client is within its rate, else the whole seconds
    until its window closes, for a 429's Retry-After."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return None
    return math.ceil(throttle.wait())


class WindowCounter:
    """DRF's SimpleRateThrottle counting in a window per client (`window_count`)."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        count = window_count(self.cache, self.key, duration=self.duration, now=self.now)
        return count <= self.num_requests

    def wait(self):
        # Only for a throttled request: when its window closes.
        return window_wait(self.cache, self.key, duration=self.duration, now=self.now)


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


class SerialCheckThrottle(FailOpen, WindowCounter, SimpleRateThrottle):
    """The public serial check's allowance (THROTTLE_VERIFY) on its API endpoint, counted in
    the same window as its page (`page_throttle_wait`, regions/views): one allowance
    per client, whichever way it asks."""

    scope = "verify"

    def get_rate(self):
        return settings.THROTTLE_VERIFY

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": _client(request)}


class SignupThrottle(FailOpen, WindowCounter, SimpleRateThrottle):
    """Sign-up attempts per client address (THROTTLE_SIGNUP), counted by the sign-up page
    (`page_throttle_wait`) on every POST, a refused one too: a script could otherwise fill
    the districts' verification queues, or try e-mail addresses to learn which have an
    account."""

    scope = "signup"

    def get_rate(self):
        return settings.THROTTLE_SIGNUP

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


def _sign_up_allowance_refusal(request, message) -> tuple[int, str] | None:
    """None within THROTTLE_SIGNUP, else the seconds to wait and `message(minutes)`."""
    wait = page_throttle_wait(request, SignupThrottle)
    if wait is None:
        return None
    minutes = max(1, math.ceil(wait / 60))
    return wait, message(minutes) % {"minutes": minutes}


def signup_refusal(request) -> tuple[int, str] | None:
    """For a sign-up POST (an enterprise's, or a provider's application with its account):
    None within THROTTLE_SIGNUP, else the seconds to wait and the page's message. Both forms
    count in one allowance: each creates an account and says whether an address has one."""
    return _sign_up_allowance_refusal(
        request,
        lambda minutes: ngettext(
            "Too many sign-ups from your network: try again in %(minutes)s minute.",
            "Too many sign-ups from your network: try again in %(minutes)s minutes.",
            minutes,
        ),
    )


def invitation_refusal(request) -> tuple[int, str] | None:
    """For a colleague's invitation: counted in the sign-up allowance, because it too creates
    an account and says whether an address has one; an account made by a provider's
    application could otherwise send invitations (real e-mails from the portal) without end."""
    return _sign_up_allowance_refusal(
        request,
        lambda minutes: ngettext(
            "Too many invitations from your network: try again in %(minutes)s minute.",
            "Too many invitations from your network: try again in %(minutes)s minutes.",
            minutes,
        ),
    )


def password_reset_refusal(request) -> tuple[int, str] | None:
    """For the forgotten-password form: counted in the sign-up allowance. Each request queues
    a row in the outbox for any address (regions.accounts.password_reset_request), and the
    limit per address alone let a script queue rows for invented addresses without end."""
    return _sign_up_allowance_refusal(
        request,
        lambda minutes: ngettext(
            "Too many password requests from your network: try again in %(minutes)s minute.",
            "Too many password requests from your network: try again in %(minutes)s minutes.",
            minutes,
        ),
    )
