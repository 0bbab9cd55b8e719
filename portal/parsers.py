"""The API's parsers: JSON that refuses deep nesting, multipart that refuses content it drops.

Python's json module recurses once per nesting level: a few thousand "[" in a request body
raise RecursionError, which DRF's parser does not catch (a 500). Real requests to the portal
nest a handful of levels, so anything past API_JSON_MAX_DEPTH is refused with a 400.

Django's multipart parser skips a part without a named Content-Disposition: a body of
anything between two boundaries parses as an empty form, and an action whose fields are all
optional then went ahead on it as if nothing had been sent. Such a body is refused instead.
"""

import io
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, MultiPartParser

STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when brackets outside strings nest deeper than `limit`; a scan, no parsing."""
    depth = 0
    for char in NOT_A_BRACKET.sub("", STRING.sub("", text)):
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(
                _("The body is not text in %(encoding)s.") % {"encoding": encoding}
            ) from error
        limit = settings.API_JSON_MAX_DEPTH
        if json_depth_exceeds(text, limit):
            raise ParseError(_too_deep(limit))
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as error:
            raise ParseError(_too_deep(limit)) from error
        except ParseError as error:
            # DRF's message quotes Python's json error in English, whatever the reader's
            # language: say where the body stops being JSON, in the reader's language.
            problem = error.__context__
            if not isinstance(problem, json.JSONDecodeError):
                raise
            raise ParseError(
                _("The body is not valid JSON (line %(line)s, column %(column)s).")
                % {"line": problem.lineno, "column": problem.colno}
            ) from problem


class StrictMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if parsed.data or parsed.files:
            return parsed
        request = (parser_context or {}).get("request")
        sent = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        boundary = _boundary_of(media_type or "")
        # An empty form is the closing boundary alone ("--B--", perhaps with a line break).
        if sent > len(boundary) + 8:
            raise ParseError(
                _(
                    "The multipart body holds no named field: every part needs a "
                    'Content-Disposition header with name="...".'
                )
            )
        return parsed


def _boundary_of(media_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', media_type)
    return match.group(1) if match else ""


def _too_deep(limit: int) -> str:
    return _("The JSON body nests deeper than %(limit)s levels.") % {"limit": limit}
