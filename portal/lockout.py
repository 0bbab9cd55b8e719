"""What a login answers once too many passwords were wrong.

Every login path (the /login/ page, POST /api/auth/token/, the admin login) authenticates
through `LockoutBackend`, so django-axes counts failures for the account and for the client
address (`portal.security.client_ip`) in one place, and refuses both once AXES_FAILURE_LIMIT
is reached until AXES_COOLOFF_TIME has passed.
"""

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off, get_lockout_message
from django.http import JsonResponse
from django.shortcuts import render


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, for authentications that come with a request.

    Without a request (the test client's `login()`, a management command) no client is
    trying passwords over the network, and axes would refuse to run at all.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def cool_off_seconds(request=None) -> int:
    cool_off = get_cool_off(request) or timedelta(0)
    return max(int(cool_off.total_seconds()), 1)


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: JSON for the API, the lock-out page for everything else."""
    retry_after = cool_off_seconds(request)
    minutes = max(retry_after // 60, 1)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": str(get_lockout_message()), "code": "locked_out"}, status=429
        )
    else:
        response = render(request, "security/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
