from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.exports.conftest import body_of, column, csv_rows, xlsx_rows
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db


def test_it_exports_the_districts_waiting_applications_as_csv(demo, login, applications):
    mine = applications("enterprise-jiangnan", 2, amount="1234.5")
    applications("enterprise-yangpu", 3)
    response = login(demo["users"]["official-wujin"]).get("/exports/applications.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    rows = csv_rows(response)
    assert rows[0][:4] == ["#", "Submitted", "Enterprise", "Credit code"]
    # A bare URL is the queue as the page opens it: submitted applications only, WUJIN's.
    assert sorted(column(rows, "#")) == sorted(str(a.pk) for a in mine)
    assert set(column(rows, "Requested amount (CNY)")) == {"1234.50"}
    assert set(column(rows, "Status")) == {"Submitted"}
    assert set(column(rows, "District")) == {"Wujin District"}


def test_it_applies_the_pages_filters(demo, login, applications):
    small = applications("enterprise-jiangnan", 1, amount="500.00")
    big = applications("enterprise-jiangnan", 1, amount="80000.00")
    client = login(demo["users"]["official-wujin"])
    rows = csv_rows(client.get("/exports/applications.csv?status=submitted&amount_min=1000"))
    assert column(rows, "#") == [str(big[0].pk)]
    rows = csv_rows(client.get("/exports/applications.csv?status=&ordering=amount_asc"))
    ids = column(rows, "#")
    assert ids[0] == str(small[0].pk) and len(ids) == 3  # with the seed's approved one
    assert column(rows, "Voucher")[-1] == demo["voucher"].serial
    rows = csv_rows(client.get("/exports/applications.csv?status=approved"))
    assert column(rows, "Approved amount (CNY)") == [f"{demo['voucher'].face_value:.2f}"]
    rows = csv_rows(client.get("/exports/applications.csv?status=submitted&industry=textiles"))
    assert rows[1:] == []


def test_bad_filters_are_refused_with_nothing_exported(demo, login, applications):
    applications("enterprise-jiangnan", 2)
    client = login(demo["users"]["official-wujin"])

    export = client.get(
        "/exports/applications.csv?amount_min=lots&status=bogus", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert export.status_code == 400
    assert export["Content-Type"] == "text/plain; charset=utf-8"
    text = export.content.decode()
    assert "amount_min" in text and "status" in text and "未导出" in text


def test_the_operator_exports_every_district(demo, login, applications):
    applications("enterprise-jiangnan", 1)
    applications("enterprise-yangpu", 1)
    applications("enterprise-hefei", 1)
    rows = csv_rows(login(demo["users"]["operator"]).get("/exports/applications.csv"))
    assert set(column(rows, "District")) == {
        "Wujin District",
        "Yangpu District",
        "Hefei High-tech Zone",
    }


def test_the_xlsx_opens_with_the_same_rows_and_money_as_numbers(demo, login, applications):
    applications("enterprise-jiangnan", 3, amount="1234.56")
    applications("enterprise-yangpu", 2)
    response = login(demo["users"]["official-wujin"]).get("/exports/applications.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="applications-' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0][0] == "#" and len(rows) == 4
    amounts = column(rows, "Requested amount (CNY)")
    assert all(isinstance(a, float | int) for a in amounts)  # numbers, not text
    assert [Decimal(str(a)) for a in amounts] == [Decimal("1234.56")] * 3
    assert set(column(rows, "Enterprise")) == {"Changzhou Jiangnan Graphene Technology Co., Ltd."}


def test_the_money_cells_show_two_decimals(demo, login, applications):
    from io import BytesIO

    from openpyxl import load_workbook

    applications("enterprise-jiangnan", 1, amount="1000")
    response = login(demo["users"]["official-wujin"]).get("/exports/applications.xlsx")
    sheet = load_workbook(BytesIO(body_of(response))).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Requested amount (CNY)") + 1)
    assert cell.value == 1000 and cell.number_format == "#,##0.00"


def test_it_runs_the_same_queries_for_5_or_300_rows(demo, login, applications):
    client = login(demo["users"]["official-wujin"])
    applications("enterprise-jiangnan", 5)
    counts = {}
    for fmt in ("csv", "xlsx"):
        with CaptureQueriesContext(connection) as few:
            body_of(client.get(f"/exports/applications.{fmt}"))
        counts[fmt] = len(few)
    applications("enterprise-jiangnan", 295)
    for fmt in ("csv", "xlsx"):
        with CaptureQueriesContext(connection) as many:
            response = client.get(f"/exports/applications.{fmt}")
            rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        assert len(rows) == 301
        assert len(many) == counts[fmt] <= 6


def test_the_headers_and_labels_are_chinese_in_chinese(demo, login, applications):
    Enterprise.objects.filter(pk=demo["users"]["enterprise-jiangnan"].enterprise_id).update(
        name="常州江南石墨烯科技有限公司"
    )
    applications("enterprise-jiangnan", 1)
    client = login(demo["users"]["official-wujin"], language="zh-hans")
    rows = csv_rows(client.get("/exports/applications.csv"))
    for header in ("企业", "信用代码", "所属行业", "状态", "申请金额（元）"):
        assert header in rows[0]
    assert column(rows, "企业") == ["常州江南石墨烯科技有限公司"]
    assert column(rows, "所在区") == ["武进区"]
    assert column(rows, "状态") == ["已提交"]
    xlsx = xlsx_rows(client.get("/exports/applications.xlsx"))
    assert "企业" in xlsx[0] and column(xlsx, "企业") == ["常州江南石墨烯科技有限公司"]


def test_the_queue_links_to_its_exports_with_its_filters(demo, login):
    client = login(demo["users"]["official-wujin"])
    html = client.get("/official/applications/?status=approved&industry=graph&page=1").content
    html = html.decode()
    assert 'href="/exports/applications.csv?status=approved&amp;industry=graph"' in html
    assert 'href="/exports/applications.xlsx?status=approved&amp;industry=graph"' in html
    assert (
        'href="/exports/applications.csv"' in client.get("/official/applications/").content.decode()
    )
