"""The API's JSON: DRF's JSONRenderer, the same bytes, written by orjson.

A page of 50 vouchers spent about a tenth of its time above its floor in the standard
library's encoder, and as much again in turning each row's two datetimes into text before
it (benchmarks/api.py). orjson writes a page in a fraction of that, and writes an aware
datetime in UTC as DRF does ("2026-12-05T08:30:00.123456Z"), so a lean list
(portal/lean.py) hands it the datetimes as they come from the database.

What orjson does not know (a lazy translation, a Decimal, a set) goes through DRF's own
encoder's `default`, as before. A value orjson refuses altogether (an integer beyond 64 bits)
and an indented answer (`Accept: application/json; indent=4`, the browsable API) are
written by DRF's renderer itself. Two differences, neither produced by a field of ours (money
is text): a float NaN or infinity is written as null where DRF's strict renderer fails the
request, and a float below 0.0001 without an exponent (0.00001 for 1e-05, the same number).
tests/api/test_renderers.py compares the two.
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
_DEFAULT = JSONEncoder().default


class PortalJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_DEFAULT, option=_OPTIONS)
        except (TypeError, ValueError):
            # orjson.JSONEncodeError is a TypeError: DRF's renderer decides (or raises) as
            # it always did.
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does, so that the JSON is also a strict subset of JavaScript.
        return rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
