"""The API's JSON renderer (portal/renderers.py) writes the bytes DRF's JSONRenderer writes."""

import datetime
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from portal.renderers import PortalJSONRenderer

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

VALUES = {
    "plain": {"a": 1, "b": "two", "c": None, "d": True, "e": [1.5, -2, 0], "f": {}},
    "chinese and line separators": {"name": "杨浦区\u2028创新\u2029券", "emoji": "🧪"},
    "utc with microseconds": datetime.datetime(2026, 12, 5, 8, 30, 1, 123456, tzinfo=datetime.UTC),
    "utc on the second": datetime.datetime(2026, 12, 5, 8, 30, tzinfo=datetime.UTC),
    "shanghai": datetime.datetime(2026, 12, 5, 16, 30, 0, 5, tzinfo=SHANGHAI),
    "zoneinfo utc": datetime.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC")),
    "naive": datetime.datetime(2026, 12, 5, 8, 30, 1),
    "date": datetime.date(2026, 2, 28),
    "time": datetime.time(9, 5, 7, 12),
    "decimal": decimal.Decimal("1234.50"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy translation": gettext_lazy("Only a service provider claims a redemption."),
    "error detail": [ErrorDetail("This field is required.", code="required")],
    "integer keys": {1: "one", 2: "two"},
    "tuple and set": {"t": (1, 2), "s": {3}},
    "big integer": 2**70,
    "serializer data": ReturnDict(
        {"rows": ReturnList([{"x": 1}], serializer=None)}, serializer=None
    ),
    "escapes": 'quote " backslash \\ tab \t newline \n nul \x00',
}


@pytest.mark.parametrize("name", list(VALUES))
def test_the_same_bytes_as_drf(name):
    value = VALUES[name]
    assert PortalJSONRenderer().render(value) == JSONRenderer().render(value)


def test_a_tiny_float_is_the_same_number():
    import json

    data = {"share": 1e-05, "rate": 0.125}
    assert json.loads(PortalJSONRenderer().render(data)) == data


def test_indented_answers_are_drfs_own():
    data = {"a": [1, 2], "b": "c"}
    rendered = PortalJSONRenderer().render(data, "application/json; indent=4")
    assert rendered == JSONRenderer().render(data, "application/json; indent=4")
    assert b"\n    " in rendered


def test_nothing_renders_as_nothing():
    assert PortalJSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_with_it(demo, api_as):
    assert api_settings.DEFAULT_RENDERER_CLASSES[0] is PortalJSONRenderer
    response = api_as(demo["users"]["operator"]).get("/api/vouchers/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, PortalJSONRenderer)
    row = response.json()["results"][0]
    # A datetime left to the renderer by the lean list reads as DRF writes it: UTC, with Z.
    assert row["issued_at"].endswith("Z")
    assert "+" not in row["issued_at"]


@pytest.mark.django_db
def test_an_error_body_is_json_too(api_as, demo):
    response = api_as(demo["users"]["operator"]).get("/api/vouchers/NO-SUCH-SERIAL/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
