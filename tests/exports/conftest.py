"""Helpers for the export tests: read a CSV or XLSX download back into rows, and make rows
in bulk (direct model writes: these tests read lists, they do not test the services)."""

import csv
import io
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from regions.selectors import current_year

_numbers = itertools.count(1)


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    data = body_of(response)
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with the UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(body_of(response)), read_only=True)
    sheet = workbook.worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def column(rows, header) -> list:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def login(client):
    def as_user(user, *, language=None):
        client.force_login(user)
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return as_user


@pytest.fixture
def applications(demo):
    """`applications(enterprise_username, n, amount=..., status=...)` -> created applications."""
    from vouchers.models import VoucherApplication

    def make(username="enterprise-jiangnan", n=1, *, amount="1000.00", status="submitted"):
        enterprise = demo["users"][username].enterprise
        now = timezone.now()
        rows = [
            VoucherApplication(
                enterprise=enterprise,
                region=enterprise.region,
                year=current_year(),
                requested_amount=Decimal(amount),
                approved_amount=Decimal(amount) if status == "approved" else None,
                purpose=f"Need #{next(_numbers)}",
                status=status,
                submitted_at=now - timedelta(minutes=i),
            )
            for i in range(n)
        ]
        return VoucherApplication.objects.bulk_create(rows)

    return make
