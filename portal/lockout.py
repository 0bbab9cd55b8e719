"""What a login answers once too many passwords were wrong.

Every login path (the /login/ page, POST /api/auth/token/, the admin login) authenticates
through `LockoutBackend`, so django-axes counts failures in one place, and refuses until
AXES_COOLOFF_TIME has passed once AXES_FAILURE_LIMIT is reached by one client address
(`portal.security.client_ip`) or by one account from one address. An account alone is
locked only at LOGIN_ACCOUNT_FAILURE_LIMIT failures from all addresses together
(`LockoutHandler`): were five failures from anywhere enough, anyone could lock any official
out by typing five wrong passwords.
"""

from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_failure_limit,
)
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, for authentications that come with a request.

    Without a request (the test client's `login()`, a management command) no client is
    trying passwords over the network, and axes would refuse to run at all.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """axes' own count (an account from one address) against LOGIN_FAILURE_LIMIT; the
    address's failures over every account name against LOGIN_ADDRESS_FAILURE_LIMIT; the
    account's failures from every address against LOGIN_ACCOUNT_FAILURE_LIMIT.

    The address has a limit of its own, higher than an account's: a district office signs in
    from one address behind its NAT, and five mistyped user names (or anyone's made-up ones)
    locked every official there out."""

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        locked = get_failure_limit(request, credentials)
        since = get_cool_off_threshold(request)
        address = getattr(request, "axes_ip_address", None)
        if address and _failures(ip_address=address, attempt_time__gte=since) >= (
            settings.LOGIN_ADDRESS_FAILURE_LIMIT
        ):
            return max(failures, locked)
        username = get_client_username(request, credentials)
        if username and _failures(username=username, attempt_time__gte=since) >= (
            settings.LOGIN_ACCOUNT_FAILURE_LIMIT
        ):
            return max(failures, locked)
        return failures


def _failures(**attempts) -> int:
    return (
        AccessAttempt.objects.filter(**attempts).aggregate(total=Sum("failures_since_start"))[
            "total"
        ]
        or 0
    )


def cool_off_seconds(request=None) -> int:
    cool_off = get_cool_off(request) or timedelta(0)
    return max(int(cool_off.total_seconds()), 1)


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: JSON for the API, the lock-out page for everything else."""
    retry_after = cool_off_seconds(request)
    minutes = max(retry_after // 60, 1)
    if request.path.startswith("/api/"):
        # The page's sentence, in the reader's language: django-axes's own message is English
        # only, and said nothing of how long to wait.
        detail = ngettext(
            "Logging in is blocked for this account or this network after too many failed "
            "attempts. Try again in %(minutes)s minute.",
            "Logging in is blocked for this account or this network after too many failed "
            "attempts. Try again in %(minutes)s minutes.",
            minutes,
        ) % {"minutes": minutes}
        response = JsonResponse({"detail": detail, "code": "locked_out"}, status=429)
    else:
        response = render(request, "security/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
