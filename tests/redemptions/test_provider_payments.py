"""A provider's statement of payments received: /provider/payments/ and its CSV file."""

import csv
import io
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regions.selectors import programme_today
from tests.redemptions.factories import approved_redemption, official_of
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption
from vouchers.services import redemption_mark_paid

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
THIS_YEAR = programme_today().year
LAST_YEAR = THIS_YEAR - 1


def paid_at(redemption, *args):
    """Move a recorded payment to another moment (Shanghai time): the service records now."""
    Redemption.objects.filter(pk=redemption.pk).update(paid_at=datetime(*args, tzinfo=SHANGHAI))
    redemption.refresh_from_db()
    return redemption


@pytest.fixture
def voucher(demo):
    return make_voucher(demo["enterprises"]["enterprise-jiangnan"], "300000.00")


@pytest.fixture
def as_provider(client, demo):
    client.force_login(demo["users"]["provider-sit"])
    return client


def pay(demo, voucher, provider, amount, *when):
    redemption = approved_redemption(demo, voucher, provider, amount, paid=True)
    return paid_at(redemption, *when) if when else redemption


def csv_rows(response) -> tuple[bytes, list[list[str]]]:
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_it_lists_the_providers_payments_the_latest_first(demo, voucher, sit, as_provider):
    older = pay(demo, voucher, sit, "800.00", THIS_YEAR, 1, 5, 10)
    newer = pay(demo, voucher, sit, "1250.50", THIS_YEAR, 1, 20, 10)
    approved_redemption(demo, voucher, sit, "300.00")  # approved, not paid: not listed

    response = as_provider.get("/provider/payments/")

    assert response.status_code == 200
    assert [row.pk for row in response.context["page"]] == [newer.pk, older.pk]
    body = response.content.decode()
    table = body[body.index('id="payments"') :]
    assert table.index(newer.payment_reference) < table.index(older.payment_reference)
    assert f'href="/redemptions/{newer.pk}/"' in table
    assert f"{THIS_YEAR}-01-20" in table and "¥1,250.50" in table
    assert voucher.serial in table and "Yangpu District" in table
    assert voucher.enterprise.name in table
    assert "¥300.00" not in table


def test_it_opens_on_the_current_year(demo, voucher, sit, as_provider):
    this = pay(demo, voucher, sit, "800.00", THIS_YEAR, 1, 2, 9)
    last = pay(demo, voucher, sit, "500.00", LAST_YEAR, 6, 1, 9)

    assert [r.pk for r in as_provider.get("/provider/payments/").context["page"]] == [this.pk]
    page = as_provider.get(f"/provider/payments/?year={LAST_YEAR}").context["page"]
    assert [r.pk for r in page] == [last.pk]
    page = as_provider.get("/provider/payments/?year=all").context["page"]
    assert [r.pk for r in page] == [this.pk, last.pk]


def test_the_year_choices_are_every_year_since_the_first_and_all(demo, voucher, sit, as_provider):
    pay(demo, voucher, sit, "500.00", LAST_YEAR - 2, 3, 1, 9)

    choices = as_provider.get("/provider/payments/").context["filters"].fields["year"].choices

    years = [str(year) for year in range(THIS_YEAR, LAST_YEAR - 3, -1)]
    assert [value for value, _label in choices] == [*years, "all"]


def test_a_year_or_district_that_paid_nothing_is_an_empty_statement(
    demo, voucher, sit, as_provider
):
    """A saved link to a quiet year or to another district answers as the empty statement it
    is: the filters were limited to what had been paid, and answered 400 until then."""
    pay(demo, voucher, sit, "500.00", LAST_YEAR - 2, 3, 1, 9)

    for query in (f"year={LAST_YEAR}", "region=WUJIN", f"year={THIS_YEAR}&region=HEFEI_HT"):
        response = as_provider.get(f"/provider/payments/?{query}")
        assert response.status_code == 200, query
        assert "No paid claim in this selection" in response.content.decode()
        assert as_provider.get(f"/provider/payments.csv?{query}").status_code == 200


def test_a_payment_counts_on_the_programmes_day(demo, voucher, sit, as_provider):
    """01:30 on 1 January in Shanghai is still 31 December in UTC: the new year's payment."""
    claim = pay(demo, voucher, sit, "800.00", THIS_YEAR, 1, 1, 1, 30)

    response = as_provider.get("/provider/payments/")

    assert [r.pk for r in response.context["page"]] == [claim.pk]
    assert f"{THIS_YEAR}-01-01" in response.content.decode()
    january = response.context["totals"].periods[0]
    assert (january.period.month, january.count, january.total) == (1, 1, Decimal("800.00"))


def test_it_totals_the_selection_and_each_month(demo, voucher, sit, as_provider):
    pay(demo, voucher, sit, "100.00", LAST_YEAR, 1, 3, 9)
    pay(demo, voucher, sit, "200.50", LAST_YEAR, 1, 28, 9)
    pay(demo, voucher, sit, "1000.00", LAST_YEAR, 3, 15, 9)
    pay(demo, voucher, sit, "7.00", THIS_YEAR, 1, 1, 9)  # another year: not in the totals

    response = as_provider.get(f"/provider/payments/?year={LAST_YEAR}")

    totals = response.context["totals"]
    assert (totals.count, totals.total) == (3, Decimal("1300.50"))
    # A past year: all twelve months, those without payment too.
    assert [(p.period.month, p.count, p.total) for p in totals.periods] == [
        (1, 2, Decimal("300.50")),
        (2, 0, Decimal("0")),
        (3, 1, Decimal("1000.00")),
        *[(month, 0, Decimal("0")) for month in range(4, 13)],
    ]
    body = response.content.decode()
    assert "¥1,300.50" in body and "3 claims paid" in body
    months = body[body.index('id="period-totals"') :]
    assert re.search(
        rf"{LAST_YEAR}-01</td>\s*<td class=\"num\">2</td>\s*<td class=\"num\">¥300.50", months
    )


def test_all_years_are_totalled_by_year(demo, voucher, sit, as_provider):
    pay(demo, voucher, sit, "100.00", LAST_YEAR, 5, 3, 9)
    pay(demo, voucher, sit, "7.00", THIS_YEAR, 1, 1, 9)

    totals = as_provider.get("/provider/payments/?year=all").context["totals"]

    assert (totals.count, totals.total) == (2, Decimal("107.00"))
    assert [(p.period.year, p.count, p.total) for p in totals.periods] == [
        (LAST_YEAR, 1, Decimal("100.00")),
        (THIS_YEAR, 1, Decimal("7.00")),
    ]


def test_it_filters_by_paying_district(demo, voucher, sit, as_provider):
    """A provider that moved district was paid by each district in turn (written as such:
    the ledger has no accounts of a provider's second district)."""
    from_yangpu = pay(demo, voucher, sit, "800.00", THIS_YEAR, 1, 2, 9)
    from_nanhu = pay(demo, voucher, sit, "600.00", THIS_YEAR, 1, 3, 9)
    Redemption.objects.filter(pk=from_nanhu.pk).update(provider_region=demo["regions"]["NANHU"])

    response = as_provider.get("/provider/payments/?region=NANHU")

    assert [r.pk for r in response.context["page"]] == [from_nanhu.pk]
    assert response.context["totals"].total == Decimal("600.00")
    page = as_provider.get("/provider/payments/?region=YANGPU").context["page"]
    assert [r.pk for r in page] == [from_yangpu.pk]
    choices = response.context["filters"].fields["region"].choices
    assert [str(value) for value, _label in choices] == ["", "YANGPU", "WUJIN", "NANHU", "HEFEI_HT"]


def test_it_says_what_is_approved_and_waiting(demo, voucher, sit, as_provider):
    approved_redemption(demo, voucher, sit, "300.00")
    approved_redemption(demo, voucher, sit, "200.25")

    body = as_provider.get("/provider/payments/").content.decode()

    assert "Approved, awaiting payment: 2 claims, ¥500.25" in body
    assert 'href="/redemptions/?status=approved"' in body


def test_with_no_payment_it_says_so(demo, as_provider):
    response = as_provider.get("/provider/payments/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "No paid claim in this selection" in body
    assert "awaiting payment" not in body
    assert 'id="payments"' not in body


@pytest.mark.parametrize(
    "query, says",
    [
        ("year=1999", "Year: “1999” is none of its choices."),
        ("year=twenty", "Year: “twenty” is none of its choices."),
        ("region=XX", "Paying district: “XX” is none of its choices."),
        (f"year={THIS_YEAR + 1}", f"Year: “{THIS_YEAR + 1}” is none of its choices."),
    ],
)
def test_a_filter_it_cannot_read_is_400(demo, voucher, sit, as_provider, query, says):
    pay(demo, voucher, sit, "800.00")

    response = as_provider.get(f"/provider/payments/?{query}")

    assert response.status_code == 400
    body = response.content.decode()
    assert says in body and 'id="filter-errors"' in body
    assert 'id="payments"' not in body and 'id="totals"' not in body
    exported = as_provider.get(f"/provider/payments.csv?{query}")
    assert exported.status_code == 400 and says in exported.content.decode()


@pytest.mark.parametrize("username", ["enterprise-jiangnan", "official-yangpu", "operator"])
def test_it_is_for_providers_only(demo, client, username):
    user = demo["users"].get(username) or next(u for u in demo["users"].values() if u.is_operator)
    client.force_login(user)
    assert client.get("/provider/payments/").status_code == 403
    assert client.get("/provider/payments.csv").status_code == 403


def test_a_provider_without_its_provider_yet_is_refused(demo, client):
    user = demo["users"]["provider-sit"]
    type(user).objects.filter(pk=user.pk).update(provider=None)
    user.refresh_from_db()
    client.force_login(user)
    assert client.get("/provider/payments/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/provider/payments/")
    assert response.status_code == 302 and "/login" in response.url


def test_a_provider_sees_only_its_own_payments(demo, voucher, sit, client):
    graphene = demo["providers"]["provider-graphene"]
    own = pay(demo, voucher, sit, "800.00")
    other = pay(demo, voucher, graphene, "900.00")
    approved_redemption(demo, voucher, graphene, "450.00")

    client.force_login(demo["users"]["provider-sit"])
    response = client.get("/provider/payments/?year=all")
    assert [r.pk for r in response.context["page"]] == [own.pk]
    body = response.content.decode()
    assert other.payment_reference not in body and "¥900.00" not in body
    assert "awaiting payment" not in body  # graphene's approved claim is not sit's
    _body, rows = csv_rows(client.get("/provider/payments.csv?year=all"))
    assert [row[3] for row in rows[1:-1]] == [str(own.pk)]

    client.force_login(demo["users"]["provider-graphene"])
    page = client.get("/provider/payments/?year=all").context["page"]
    assert [r.pk for r in page] == [other.pk]


def test_the_csv_holds_the_selection_and_its_total(demo, voucher, sit, as_provider):
    first = pay(demo, voucher, sit, "800.00", THIS_YEAR, 1, 1, 1, 30)
    second = pay(demo, voucher, sit, "1250.5", THIS_YEAR, 1, 9, 16)
    pay(demo, voucher, sit, "99.00", LAST_YEAR, 12, 1, 9)  # another year

    response = as_provider.get("/provider/payments.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="payments-received-{THIS_YEAR}-' in response["Content-Disposition"]
    body, rows = csv_rows(response)
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0] == [
        "Paid",
        "Payment reference",
        "Paying district",
        "Claim",
        "Enterprise",
        "Voucher",
        "Amount (CNY)",
    ]
    name = voucher.enterprise.name
    assert rows[1:] == [
        [f"{THIS_YEAR}-01-09", second.payment_reference, "Yangpu District", str(second.pk), name,
         voucher.serial, "1250.50"],
        [f"{THIS_YEAR}-01-01", first.payment_reference, "Yangpu District", str(first.pk), name,
         voucher.serial, "800.00"],
        ["Total: 2 claims", "", "", "", "", "", "2050.50"],
    ]  # fmt: skip


def test_the_csv_header_is_in_the_readers_language(demo, voucher, sit, as_provider):
    pay(demo, voucher, sit, "800.00")

    _body, rows = csv_rows(
        as_provider.get("/provider/payments.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    )

    assert "付款凭证号" in rows[0] and "金额（元）" in rows[0]
    assert rows[1][2] == "杨浦区"  # the district named in Chinese too


def test_the_csv_neutralises_what_a_spreadsheet_would_run(demo, voucher, sit, as_provider):
    claim = approved_redemption(demo, voucher, sit, "800.00")
    redemption_mark_paid(
        redemption_id=claim.pk,
        payment_reference='=HYPERLINK("http://x.example")',
        actor=official_of(demo, "YANGPU"),
    )
    voucher.enterprise.__class__.objects.filter(pk=voucher.enterprise_id).update(name="@SUM(A1)")

    _body, rows = csv_rows(as_provider.get("/provider/payments.csv"))

    assert rows[1][1] == '\'=HYPERLINK("http://x.example")'
    assert rows[1][4] == "'@SUM(A1)"


def test_the_page_and_the_csv_cost_the_same_queries_for_more_rows(
    demo, voucher, sit, as_provider, django_assert_max_num_queries
):
    graphene_voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "300000.00")
    pay(demo, voucher, sit, "100.00", THIS_YEAR, 1, 1, 9)
    approved_redemption(demo, voucher, sit, "50.00")
    as_provider.get("/provider/payments/")  # warm: the session, the user
    with CaptureQueriesContext(connection) as few:
        as_provider.get("/provider/payments/")
    with CaptureQueriesContext(connection) as few_csv:
        csv_rows(as_provider.get("/provider/payments.csv"))
    for day in range(2, 8):  # more rows, of two vouchers and enterprises
        pay(demo, voucher if day % 2 else graphene_voucher, sit, "100.00", THIS_YEAR, 1, day, 9)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = as_provider.get("/provider/payments/")
    assert len(response.context["page"]) == 7
    with django_assert_max_num_queries(len(few_csv.captured_queries)):
        _body, rows = csv_rows(as_provider.get("/provider/payments.csv"))
    assert len(rows) == 9


def test_pages_of_payments_keep_the_filters(demo, voucher, sit, as_provider):
    for day in (1, 2, 3):
        pay(demo, voucher, sit, "100.00", LAST_YEAR, 2, day, 9)

    response = as_provider.get(f"/provider/payments/?year={LAST_YEAR}&page_size=2")

    assert len(response.context["page"]) == 2
    assert f"?year={LAST_YEAR}&amp;page_size=2&amp;page=2" in response.content.decode()
    page = as_provider.get(f"/provider/payments/?year={LAST_YEAR}&page_size=2&page=2")
    assert [r.paid_at.astimezone(SHANGHAI).day for r in page.context["page"]] == [1]


def test_the_dashboard_and_the_claims_list_link_to_it(demo, as_provider):
    assert 'href="/provider/payments/"' in as_provider.get("/provider/").content.decode()
    assert 'href="/provider/payments/"' in as_provider.get("/redemptions/").content.decode()


def test_on_a_phone_each_payment_is_a_card_with_labels(demo, voucher, sit, as_provider):
    pay(demo, voucher, sit, "800.00")

    body = as_provider.get("/provider/payments/").content.decode()

    assert '<table class="data stack" id="payments">' in body
    for label in ("Paid", "Payment reference", "Paying district", "Claim", "Enterprise"):
        assert f'data-label="{label}"' in body


def test_the_page_reads_in_chinese(demo, voucher, sit, as_provider):
    pay(demo, voucher, sit, "800.00")

    response = as_provider.get("/provider/payments/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    body = response.content.decode()
    assert "付款凭证号" in body and "杨浦区" in body
