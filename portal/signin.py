"""Signing in: a deactivated account told so (with the right password only), and a form sent
after its session ended saying so on the login page it is sent to."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Set on the request by DeactivatedAccountBackend: the password was right, the account is off.
DEACTIVATED_MARK = "portal_deactivated_account"


# What the login page and the token endpoint answer then.
DEACTIVATED_MESSAGE = gettext_lazy(
    "This account has been deactivated. Contact your district office or the programme operator."
)


def is_deactivated_account(request) -> bool:
    """Whether the sign-in of `request` (Django's, or DRF's around it) gave the right password
    of a deactivated account."""
    return bool(getattr(getattr(request, "_request", request), DEACTIVATED_MARK, False))


class DeactivatedAccountBackend:
    """Tells a deactivated account's owner why the right password does not sign in, and tells
    nobody else anything. Listed after the lock-out and before ModelBackend
    (AUTHENTICATION_BACKENDS).

    ModelBackend refuses an inactive account as it refuses a wrong password, so its owner read
    "wrong password" and tried again. Here, for an inactive account alone, the password is
    checked; when it is right the request is marked (`is_deactivated_account`) and the pages
    say the account is deactivated. Either way PermissionDenied ends the authentication: it
    fails as before (django-axes counts it, as it counted it), without a second password
    hash in ModelBackend, so an inactive account takes as long to refuse as any other.

    Never returns a user, and has no get_user: no session and no API token is made through
    it, and the test client's force_login passes it by."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            return None  # ModelBackend runs its hasher for a name nobody has
        if user.is_active:
            return None
        if user.check_password(password) and request is not None:
            setattr(getattr(request, "_request", request), DEACTIVATED_MARK, True)
        raise PermissionDenied


class SignInForm(AuthenticationForm):
    """Django's login form, saying so when the password of a deactivated account is right;
    a wrong one reads as for any account."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": DEACTIVATED_MESSAGE,
    }

    def get_invalid_login_error(self):
        if is_deactivated_account(self.request):
            return ValidationError(self.error_messages["inactive"], code="inactive")
        return super().get_invalid_login_error()


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
