"""Who the client is, and requests refused before any view sees them."""

import re
import unicodedata
from ipaddress import ip_address, ip_network

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.errors import ValidationFailed


def _in_networks(address: str, networks: list[str]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in ip_network(network, strict=False) for network in networks)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, unless that is one of TRUSTED_PROXY_IPS.

    Behind a trusted proxy, X-Forwarded-For is read from the right: the first address that
    is not itself a trusted proxy is the one the proxy saw. Anything a client writes further
    left is its own claim and is ignored, so a spoofed header can neither hide an attacker
    nor reset its lock-out counter. With no trusted proxy configured the header is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.TRUSTED_PROXY_IPS
    if not trusted or not _in_networks(remote, trusted):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _in_networks(hop, trusted):
            try:
                return str(ip_address(hop))
            except ValueError:
                return remote
    return remote


# DRF's own message for a NUL in a JSON string, named here so that the portal's catalogue
# holds a Chinese translation of it (DRF's reads "不允许是用空字符串", garbled).
DRF_NUL_MESSAGE = gettext_noop("Null characters are not allowed.")


def _refusal(request, status: int, *, code: str, api_message: str, page_message: str, **values):
    """JSON under /api/, a short page elsewhere, in the reader's language: these refusals
    come before LocaleMiddleware has run, so the language is asked here."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _(api_message) % values, "code": code}, status=status)
        message = _(page_message) % values
    page = format_html(
        '<!doctype html><html lang="{}"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{}</title><p>{}</p></html>",
        language,
        status,
        message,
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def oversize_refusal(request):
    """413, saying how much the portal takes."""
    return _refusal(
        request,
        413,
        code="too_large",
        api_message=gettext_noop("The request body is larger than %(limit)s MB."),
        page_message=gettext_noop(
            "What you sent is larger than %(limit)s MB, more than any form of the portal "
            "takes. Go back and shorten it."
        ),
        limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024),
    )


class RefuseOversizeBodies:
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE that is not a multipart upload (whose
    files have limits of their own), before anything reads it. Django refuses such a body
    only when something reads it, as a SuspiciousOperation: an HTML 400 under /api/ (the
    debug page in the demo) that did not say what was wrong."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and request.method in ("POST", "PUT", "PATCH", "DELETE")
            and not request.content_type.startswith("multipart/")
            and self._length(request) > limit
        ):
            return oversize_refusal(request)
        return self.get_response(request)

    @staticmethod
    def _length(request) -> int:
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0


class RefuseNulCharacters:
    """400 for a NUL character in the path, the query string or a form body.

    No address, filter or form value of the portal holds one, and PostgreSQL refuses NUL in
    text, so a lookup with one would fail deep in a view with a 500. Multipart bodies are
    left alone: uploaded files may hold any byte, and their text fields are checked by the
    forms and serializers that read them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._holds_nul(request):
            return _refusal(
                request,
                400,
                code="bad_request",
                api_message=gettext_noop("The request holds a NUL character."),
                page_message=gettext_noop(
                    "What you sent holds a NUL character (\\0), which the portal cannot store. "
                    "Go back, remove it (it often comes with text pasted from another program) "
                    "and send again: your text is still in the form."
                ),
            )
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request) -> bool:
        if "\x00" in request.path_info:
            return True
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return True
        if request.content_type == "application/x-www-form-urlencoded":
            return b"%00" in request.body or b"\x00" in request.body
        return False


class ContentSecurityPolicy:
    """Sends the CONTENT_SECURITY_POLICY setting with every response that has none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


# Characters that change how the text around them is shown without being seen themselves:
# the bidirectional embeddings, overrides and isolates, and the directional marks. In a name
# they let "公司ABC" print as something else on a public certificate or verification page.
HIDDEN_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def refuse_hidden_controls(value: str, *, field: str) -> str:
    """A text as given, refused when it holds a character that reorders the text it is shown
    in (a name or title could read backwards on a public page); the error names the field."""
    if HIDDEN_CONTROLS.search(value or ""):
        raise ValidationFailed(
            _("Remove the invisible direction characters (U+202E and the like) from the text."),
            field=field,
            code="hidden_characters",
        )
    return value


def refuse_format_characters(value: str, *, field: str) -> str:
    """A person's or an organisation's name as given, refused when it holds an invisible
    format character (Unicode category Cf: zero-width spaces and joiners, the word joiner,
    the byte-order mark): 李, U+200B, 四 shows as 李四 on every page and is another name to
    every search and comparison. The direction characters, also Cf, keep their own words."""
    refuse_hidden_controls(value, field=field)
    if any(unicodedata.category(character) == "Cf" for character in value or ""):
        raise ValidationFailed(
            _("This value contains invisible formatting characters."),
            field=field,
            code="hidden_characters",
        )
    return value


# Letters and symbols that print as blank space although Unicode calls them visible: the
# Hangul fillers, the braille blank, the Mongolian vowel separator.
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


def _shows(character: str) -> bool:
    """Whether a reader sees the character: not a control or format character (soft hyphen,
    zero-width characters, tags), not a space or separator, not a combining mark standing
    alone, not a blank-looking letter."""
    return unicodedata.category(character)[0] not in "CZM" and character not in BLANK_LOOKING


def shown_text(value: str | None, *, field: str) -> str:
    """The text as a reader will see it: stripped, refused when it holds direction characters,
    and empty when nothing in it shows (a title of zero-width characters and control codes
    was a blank link on the public pages), so that a required field's check refuses it."""
    value = (value or "").strip()
    refuse_hidden_controls(value, field=field)
    refuse_control_characters(value, field=field)
    if not any(_shows(character) for character in value):
        return ""
    return value


# What typed text may hold besides what shows: line breaks and tabs. Any other control
# character (an escape sequence, a bell) reaches the e-mails and the exports as it is.
TYPED_CONTROLS = frozenset("\t\n\r")


def refuse_control_characters(value: str, *, field: str) -> str:
    """A text as given, refused when it holds a control character nobody types (C0/C1
    controls other than line breaks and tabs: ESC [31m colours a terminal reading the
    e-mail, BEL rings it)."""
    if any(
        unicodedata.category(character) == "Cc" and character not in TYPED_CONTROLS
        for character in value or ""
    ):
        raise ValidationFailed(
            _("Remove the control characters (escape codes and the like) from the text."),
            field=field,
            code="control_characters",
        )
    return value


def written_text(value: str | None, *, field: str, limit: int, required: bool = True) -> str:
    """A text someone wrote for others to read (a notice, an expert's profile): as shown,
    refused when required and empty, or longer than `limit` characters."""
    value = shown_text(value, field=field)
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field, code="required")
    if len(value) > limit:
        raise ValidationFailed(
            _("At most %(limit)s characters.") % {"limit": limit}, field=field, code="max_length"
        )
    return value
