"""Django's CommonMiddleware, except that a POST (PUT, PATCH, DELETE) to a URL without its
trailing slash is redirected with 308, which keeps the method and the body.

Django answers such a POST with a 500 (RuntimeError) while DEBUG is on, and with a 301 in
production, which clients follow as a GET: the write is silently lost. A 308 makes the client
send the same request again to the slashed URL."""

from django.http import HttpResponsePermanentRedirect
from django.middleware.common import CommonMiddleware
from django.utils.http import escape_leading_slashes

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


class CommonMiddlewareKeepingMethod(CommonMiddleware):
    def get_full_path_with_slash(self, request):
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))

    def process_request(self, request):
        redirect = super().process_request(request)
        return self._keep_method(request, redirect) if redirect is not None else None

    def process_response(self, request, response):
        answer = super().process_response(request, response)
        # Only the slash redirect made here (in place of a 404), never a view's own answer.
        return self._keep_method(request, answer) if answer is not response else answer

    @staticmethod
    def _keep_method(request, redirect):
        if request.method in SAFE_METHODS:
            return redirect
        return PermanentRedirectKeepingMethod(redirect["Location"])
