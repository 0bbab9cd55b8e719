import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.exports.conftest import body_of, column, csv_rows, xlsx_rows
from tests.vouchers.factories import make_voucher
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db


def test_it_exports_the_districts_vouchers(demo, login):
    extra = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "2500.00")
    make_voucher(demo["enterprises"]["enterprise-yangpu"], "9000.00")
    rows = csv_rows(login(demo["users"]["official-wujin"]).get("/exports/vouchers.csv"))
    assert rows[0][:3] == ["Serial", "Enterprise", "Credit code"]
    assert column(rows, "Serial") == [extra.serial, demo["voucher"].serial]
    assert column(rows, "Face value (CNY)")[0] == "2500.00"
    assert column(rows, "Balance (CNY)")[0] == "2500.00"
    assert column(rows, "Held (CNY)")[0] == "0.00"
    assert column(rows, "Cross-region")[0] == "Yes"
    assert column(rows, "Status")[0] == "Active"


def test_it_filters_by_status_as_the_page(demo, login):
    revoked = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "100.00")
    Voucher.objects.filter(pk=revoked.pk).update(status=Voucher.Status.REVOKED)
    client = login(demo["users"]["official-wujin"])
    assert column(csv_rows(client.get("/exports/vouchers.csv?status=revoked")), "Serial") == [
        revoked.serial
    ]
    # An unknown status is refused: a file of every voucher would pass for the filtered one.
    refused = client.get("/exports/vouchers.csv?status=bogus")
    assert refused.status_code == 400
    assert (
        "status" in refused.content.decode() and "Nothing was exported" in refused.content.decode()
    )


def test_the_operator_gets_every_district_in_xlsx(demo, login):
    make_voucher(demo["enterprises"]["enterprise-yangpu"], "9000.00")
    rows = xlsx_rows(login(demo["users"]["operator"]).get("/exports/vouchers.xlsx"))
    assert len(rows) == 3
    assert sorted(column(rows, "District")) == ["Wujin District", "Yangpu District"]
    assert 9000 in column(rows, "Face value (CNY)")


def test_it_runs_the_same_queries_for_few_or_many_rows(demo, login):
    client = login(demo["users"]["official-wujin"])
    with CaptureQueriesContext(connection) as few:
        body_of(client.get("/exports/vouchers.csv"))
    for _ in range(40):
        make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10.00")
    with CaptureQueriesContext(connection) as many:
        rows = csv_rows(client.get("/exports/vouchers.csv"))
    assert len(rows) == 42 and len(many) == len(few) <= 4


def test_the_list_links_to_its_exports_for_officials_only(demo, login):
    html = login(demo["users"]["official-wujin"]).get("/vouchers/?status=active").content.decode()
    assert 'href="/exports/vouchers.csv?status=active"' in html
    assert 'href="/exports/vouchers.xlsx?status=active"' in html
    enterprise = login(demo["users"]["enterprise-jiangnan"]).get("/vouchers/").content.decode()
    assert "/exports/" not in enterprise


def test_amounts_say_their_unit_and_the_expiry_is_a_day(client, demo):
    """Its amounts had no "(CNY)", where the other exports' do; 到期日 carried a time."""
    import csv
    import io

    from django.utils import timezone

    from vouchers.models import Voucher

    client.force_login(demo["users"]["operator"])
    response = client.get("/exports/vouchers.csv", HTTP_ACCEPT_LANGUAGE="en")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *body = list(csv.reader(io.StringIO(text)))
    assert {"Face value (CNY)", "Balance (CNY)", "Held (CNY)", "Redeemed (CNY)"} <= set(header)
    expires = header.index("Expires")
    serial = header.index("Serial")
    for row in body:
        voucher = Voucher.objects.get(serial=row[serial])
        assert row[expires] == timezone.localtime(voucher.expires_at).date().isoformat()
