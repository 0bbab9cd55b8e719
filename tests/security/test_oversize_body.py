"""A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused 413 with a sentence saying so,
as JSON under /api/, before anything reads it (it was Django's HTML 400, the debug page in
the demo)."""

import json
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
def test_an_oversize_json_body_is_413_json(api_as, demo, settings, debug):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"requested_amount": "1000.00", "purpose": "x" * (2 * 1024 * 1024)})
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/voucher-applications/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than 1 MB.",
        "code": "too_large",
    }


def test_an_oversize_form_is_a_short_page_in_the_readers_language(client, demo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client.force_login(demo["users"]["enterprise-jiangnan"])
    applications = demo["users"]["enterprise-jiangnan"].enterprise.applications
    before = applications.count()
    response = client.post(
        "/applications/new/",
        urlencode({"requested_amount": "1000.00", "purpose": "x" * (2 * 1024 * 1024)}),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 413
    assert "1 MB" in response.content.decode() and "<!doctype html>" in response.content.decode()
    assert applications.count() == before


def test_a_body_within_the_limit_goes_through(api_as, demo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/voucher-applications/",
        {"requested_amount": "1000.00", "purpose": "Test the graphene line"},
        format="json",
    )
    assert response.status_code == 201


def test_an_oversize_multipart_text_field_is_413_too(api_as, demo, settings):
    """Multipart bodies pass the early check (their files have their own limits); text
    fields beyond the limit are refused by Django while parsing, answered 413 as well."""
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        "/api/voucher-applications/",
        {"requested_amount": "1000.00", "purpose": "x" * (2 * 1024 * 1024)},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
