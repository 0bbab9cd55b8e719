"""What the portal answers when a request fails on the server's side.

A database that is restarting or unreachable is not a bug in the request: the client may
retry, so it gets 503 with Retry-After instead of 500. The pages are plain strings, not
templates that could need the database (the context processors read it) to render.
"""

import sys

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

from portal.security import oversize_refusal

RETRY_AFTER_SECONDS = 5
# psycopg's messages for a connection that was closed or never opened; the same classes
# also carry "no such column" and the like, which are bugs, not outages.
UNAVAILABLE_CLASSES = (OperationalError, InterfaceError)


def database_unavailable(error: BaseException | None) -> bool:
    if isinstance(error, UNAVAILABLE_CLASSES):
        return True
    # Django wraps the driver's error; psycopg's own classes may reach us unwrapped.
    cause = getattr(error, "__cause__", None)
    return isinstance(error, DatabaseError) and isinstance(cause, UNAVAILABLE_CLASSES)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def page_not_found(request, exception):
    """handler404: an API path that matches no route (`/api/vouchers/x.y/`) answers JSON like
    every other API error; pages keep the HTML 404."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """handler400 (a bad Host header, an unreadable upload): JSON under /api/. Text fields of
    a multipart body beyond DATA_UPLOAD_MAX_MEMORY_SIZE are a 413 that says so (other bodies
    are refused before they are read: portal.security.RefuseOversizeBodies)."""
    if isinstance(exception, RequestDataTooBig):
        return oversize_refusal(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Bad request."), "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent with a token that no longer holds, most often because
    the person signed in or out in another tab (signing in gives a new token) or sent a form
    twice without JavaScript. Django's own page is English developer help at desktop width,
    with no way back; this one says what happened, in the reader's language, and where to
    go. Nothing the form carried was done."""
    del reason  # Django's reason is for developers; the log has it.
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": _("CSRF check failed: send the request again from the portal's page."),
                "code": "csrf_failed",
            },
            status=403,
        )
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    # A path that begins "//" would be another site's address in a link.
    form_page = request.path if not request.path.startswith("//") else "/"
    context = {"signed_in": signed_in, "form_page": form_page}
    return render(request, "403_csrf.html", context, status=403)


def server_error(request):
    """handler500: 503 + Retry-After when the database is unavailable, else a plain 500."""
    error = sys.exc_info()[1]
    if database_unavailable(error):
        message = _("The portal is briefly unavailable. Please try again in a few seconds.")
        if _wants_json(request):
            response = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
        else:
            response = HttpResponse(_page(message), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    message = _("Something went wrong on our side. It has been logged; please try again later.")
    if _wants_json(request):
        return JsonResponse({"detail": message, "code": "server_error"}, status=500)
    return HttpResponse(_page(message), status=500)


def _page(message: str, *, back: str = "/", back_label: str = "/") -> str:
    return (
        f'<!doctype html><html lang="{escape(translation.get_language() or "zh-hans")}">'
        '<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_('Innovation Voucher Portal')}</title></head>"
        f"<body><main><h1>{_('Innovation Voucher Portal')}</h1><p>{message}</p>"
        f'<p><a href="{escape(back)}">{escape(back_label)}</a></p></main></body></html>'
    )


def _page_above(path: str) -> str:
    """The nearest address above `path` that is a page (`/orders/7/documents/` is a form's
    button; `/orders/7/` is the page the button sits on), else the home page."""
    segments = path.strip("/").split("/")
    while len(segments) > 1:
        segments.pop()
        candidate = "/" + "/".join(segments) + "/"
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return "/"


class MethodNotAllowedPage:
    """A page's 405: an address that takes a form's button (`/orders/2/confirm/`), visited by
    typing it, from a bookmark or from the browser's history, answers the portal's layout
    (templates/405.html, like 404.html and 403.html: a bare page of one sentence left the
    reader without header, menu and language switch), with a link to the page the button
    sits on. The status and the Allow header stay as the view set them; the API's 405s are
    DRF's JSON and pass untouched.

    Sits in MIDDLEWARE inside the session, locale, CSRF, authentication and messages
    middleware, so that the layout has the reader's language, user and menu, and so that a
    CSRF token the page's forms (the language switch, log out) use is also set as a cookie on
    the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not request.path.startswith("/api/")
            and not getattr(response, "streaming", False)
            and not response.content
        ):
            response.content = render_to_string(
                "405.html", {"back": _page_above(request.path)}, request=request
            ).encode()
            response["Content-Type"] = "text/html; charset=utf-8"
            # The length of the body sent, whatever the middleware around this one measured
            # before (a length of 0 before the page's bytes broke the browser's reading).
            response["Content-Length"] = str(len(response.content))
        return response
