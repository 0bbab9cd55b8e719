"""A form sent after its session ended says so on the login page it is sent to."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _


class SignInAgainAfterAPost:
    """`login_required` answers a POST from a signed-out session (signed out in another tab,
    or the session expired) with a redirect to the login page, which then said nothing: the
    person signed in again and found the form empty, not knowing it had not been sent."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.login_path = None

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code == 302
            and not request.path.startswith("/api/")
            and not request.user.is_authenticated
        ):
            if self.login_path is None:
                self.login_path = resolve_url(settings.LOGIN_URL)
            if response["Location"].split("?")[0] == self.login_path:
                messages.warning(
                    request,
                    _(
                        "Your session had ended, so what you sent was not saved: log in "
                        "again and send it once more."
                    ),
                )
        return response
