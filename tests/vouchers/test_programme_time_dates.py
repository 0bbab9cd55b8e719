"""Dates told to people are the programme's (settings.TIME_ZONE, Asia/Shanghai) whatever the
channel. The API reads times in UTC (portal.api.ApiTimesInUtc): a voucher approved through it
at 23:45 UTC is issued at 07:45 the next day in Shanghai, and its e-mail and certificate must
give the dates its page gives, not the UTC day before."""

import base64
import re
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from vouchers.models import Voucher
from vouchers.services.vouchers import voucher_expire

pytestmark = pytest.mark.django_db


def _late_evening_utc(year: int) -> datetime:
    """23:45 UTC on 6 December of `year`: 07:45 on 7 December in Shanghai."""
    return datetime(year, 12, 6, 23, 45, tzinfo=UTC)


def pdf_dates(content: bytes) -> list[str]:
    """The YYYY-MM-DD dates the PDF's pages draw, in order. ReportLab writes the ASCII of a
    string as itself inside `(...) Tj`; its page streams are ASCII85 and Flate encoded."""
    text = []
    streams = re.findall(rb"<<([^<>]*)>>\s*stream\r?\n(.*?)endstream", content, re.S)
    for header, stream in streams:
        if b"/ASCII85Decode" in header:
            stream = base64.a85decode(stream.strip(), adobe=True)
        if b"/FlateDecode" in header:
            stream = zlib.decompress(stream)
        text += re.findall(rb"\((.*?)\) Tj", stream, re.S)
    return re.findall(r"\d{4}-\d{2}-\d{2}", b"\n".join(text).decode("latin-1"))


@pytest.fixture
def approved_through_the_api(api_as, demo, submit, monkeypatch, django_capture_on_commit_callbacks):
    """An application approved through the API at 23:45 UTC; the voucher it issued."""
    application = submit("enterprise-jiangnan", "10000.00")
    instant = _late_evening_utc(application.year)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(demo["users"]["official-wujin"]).post(
            f"/api/voucher-applications/{application.pk}/approve/",
            {"approved_amount": "10000.00"},
            format="json",
        )
    assert response.status_code == 200, response.json()
    monkeypatch.undo()
    return Voucher.objects.select_related("application__region").get(application=application)


def _expected_dates(voucher: Voucher) -> tuple[date, date]:
    issued = date(voucher.application.year, 12, 7)
    validity = voucher.expires_at - voucher.issued_at
    return issued, issued + timedelta(days=validity.days)


def test_the_issue_email_gives_the_expiry_in_programme_time(approved_through_the_api):
    voucher = approved_through_the_api
    _issued, expires = _expected_dates(voucher)
    [message] = mail.outbox
    assert f"It is valid until {expires.isoformat()}." in message.body


def test_the_certificate_gives_the_validity_in_programme_time(approved_through_the_api):
    voucher = approved_through_the_api
    issued, expires = _expected_dates(voucher)
    with voucher.certificate_pdf.open("rb") as pdf:
        assert pdf_dates(pdf.read()) == [issued.isoformat(), expires.isoformat()]


def test_the_certificate_drawn_on_an_api_download_is_in_programme_time(
    api_as, demo, approved_through_the_api
):
    voucher = approved_through_the_api
    issued, expires = _expected_dates(voucher)
    Voucher.objects.filter(pk=voucher.pk).update(certificate_pdf="")
    response = api_as(demo["users"]["enterprise-jiangnan"]).get(
        f"/api/vouchers/{voucher.serial}/certificate/"
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert pdf_dates(content) == [issued.isoformat(), expires.isoformat()]


def test_the_voucher_page_gives_the_same_dates(client, demo, approved_through_the_api):
    voucher = approved_through_the_api
    issued, expires = _expected_dates(voucher)
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(f"/vouchers/{voucher.serial}/").content.decode()
    assert issued.isoformat() in page and expires.isoformat() in page


def test_the_expiry_reason_gives_the_programme_date(approved_through_the_api):
    voucher = approved_through_the_api
    expires_at = _late_evening_utc(voucher.application.year)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=expires_at)
    with timezone.override(UTC):  # as any caller reading times in UTC
        assert voucher_expire(voucher_id=voucher.pk, now=expires_at + timedelta(minutes=1))
    voucher.refresh_from_db()
    assert voucher.status_reason == f"Expired on {voucher.application.year}-12-07."
