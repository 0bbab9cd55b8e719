"""The language switch in the header."""

from django.http import HttpResponseRedirect
from django.views.i18n import set_language as switch_language

from portal.emails import remember_language, supported_language
from portal.views import next_or


def set_language(request):
    """Django's `set_language`, which also keeps the choice as the language of the person's
    e-mails when they are signed in (portal/emails.py). A language the portal has no pages in
    (Django itself ships French) changes nothing: the pages would fall back to English while
    the cookie said French."""
    if request.method == "POST" and supported_language(request.POST.get("language")) is None:
        return HttpResponseRedirect(next_or(request, "/"))
    response = switch_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        remember_language(request.user, request.POST.get("language"))
    return response
