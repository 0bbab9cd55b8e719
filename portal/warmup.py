"""A web process's start-up work, done as it boots rather than in its first request.

Django imports the URLconf (and with it every view, serializer, form and the libraries they
import: openpyxl, the PDF writer) when the first request is resolved, and loads a language's
catalogue when a request first asks for it. In a gunicorn worker that was 300 ms to a second
of one unlucky request's time after every deploy, every worker restart and every crash, and
under load the whole machine's CPU for that moment. Nothing here touches the database: a
worker must boot while PostgreSQL is away (its health check says so).
"""

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018 - a cached property: imports every view
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Innovation Voucher Portal")
