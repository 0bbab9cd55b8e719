"""The language switch in the header."""

from django.views.i18n import set_language as switch_language

from portal.emails import remember_language


def set_language(request):
    """Django's `set_language`, which also keeps the choice as the language of the person's
    e-mails when they are signed in (portal/emails.py)."""
    response = switch_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        remember_language(request.user, request.POST.get("language"))
    return response
