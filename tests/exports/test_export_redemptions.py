import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.exports.conftest import body_of, column, csv_rows, xlsx_rows
from tests.redemptions.factories import approved_redemption, make_order, provider_user
from tests.vouchers.factories import make_voucher
from vouchers import services as redemptions

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(demo):
    """WUJIN's voucher pays SIT (YANGPU): one approved, one paid, one pending claim; and a
    NANHU voucher paying Weikai (NANHU) that neither WUJIN nor YANGPU may see."""
    voucher = demo["voucher"]
    sit = demo["providers"]["provider-sit"]
    approved = approved_redemption(demo, voucher, sit, "1000.00")
    paid = approved_redemption(demo, voucher, sit, "2000.50", paid=True)
    order = make_order(voucher, sit, "9000.00")
    pending = redemptions.redemption_claim(
        service_order_id=order.pk, amount="300.00", actor=provider_user(demo, sit)
    )
    nanhu = make_voucher(demo["enterprises"]["enterprise-nanhu"], "50000.00")
    elsewhere = approved_redemption(demo, nanhu, demo["providers"]["provider-weikai"], "700.00")
    return {"approved": approved, "paid": paid, "pending": pending, "elsewhere": elsewhere}


def ids(rows):
    return sorted(int(i) for i in column(rows, "#"))


def test_it_exports_the_redemptions_an_official_sees(demo, login, story):
    rows = csv_rows(login(demo["users"]["official-wujin"]).get("/exports/redemptions.csv"))
    assert ids(rows) == sorted(story[k].pk for k in ("approved", "paid", "pending"))
    by_id = dict(zip(column(rows, "#"), column(rows, "Amount (CNY)"), strict=True))
    assert by_id[str(story["paid"].pk)] == "2000.50"
    paid_row = rows[column(rows, "#").index(str(story["paid"].pk)) + 1]
    assert paid_row[rows[0].index("Payment reference")] == f"PAY-{story['paid'].pk}"
    assert paid_row[rows[0].index("Issuing district")] == "Wujin District"
    assert paid_row[rows[0].index("Provider's district")] == "Yangpu District"
    # The provider's district sees them too; NANHU sees only its own.
    yangpu = csv_rows(login(demo["users"]["official-yangpu"]).get("/exports/redemptions.csv"))
    assert ids(yangpu) == ids(rows)
    nanhu = csv_rows(login(demo["users"]["official-nanhu"]).get("/exports/redemptions.csv"))
    assert ids(nanhu) == [story["elsewhere"].pk]


def test_it_filters_by_status_as_the_list_page(demo, login, story):
    client = login(demo["users"]["official-wujin"])
    rows = csv_rows(client.get("/exports/redemptions.csv?status=pending"))
    assert ids(rows) == [story["pending"].pk]
    assert column(rows, "Status") == ["Pending"]


def test_the_approval_queue_is_the_issuing_districts_pending_claims(demo, login, story):
    rows = csv_rows(
        login(demo["users"]["official-wujin"]).get("/exports/redemptions.csv?queue=to_approve")
    )
    assert ids(rows) == [story["pending"].pk]
    none = csv_rows(
        login(demo["users"]["official-yangpu"]).get("/exports/redemptions.csv?queue=to_approve")
    )
    assert none[1:] == []


def test_the_payment_queue_is_the_providers_districts_approved_claims(demo, login, story):
    client = login(demo["users"]["official-yangpu"])
    response = client.get("/exports/redemptions.xlsx?queue=to_pay")
    assert 'filename="redemptions-to-pay-' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert ids(rows) == [story["approved"].pk]
    assert column(rows, "Amount (CNY)") == [1000]


def test_the_queues_are_for_officials_and_unknown_queues_404(demo, login, story):
    operator = login(demo["users"]["operator"])
    assert operator.get("/exports/redemptions.csv?queue=to_pay").status_code == 403
    assert operator.get("/exports/redemptions.csv?queue=everything").status_code == 404
    rows = csv_rows(operator.get("/exports/redemptions.csv"))
    assert len(rows) - 1 == 4


def test_the_page_links_carry_the_queue(demo, login, story):
    client = login(demo["users"]["official-wujin"])
    assert (
        "/exports/redemptions.csv?queue=to_approve"
        in client.get("/official/redemptions/").content.decode()
    )
    assert (
        "/exports/redemptions.xlsx?queue=to_pay"
        in client.get("/official/payments/").content.decode()
    )
    assert (
        "/exports/redemptions.csv?status=paid"
        in client.get("/redemptions/?status=paid").content.decode()
    )


def test_it_runs_the_same_queries_for_few_or_many_rows(demo, login, story):
    client = login(demo["users"]["operator"])
    with CaptureQueriesContext(connection) as few:
        body_of(client.get("/exports/redemptions.csv"))
    voucher = make_voucher(demo["enterprises"]["enterprise-hefei"], "100000.00")
    for _ in range(15):
        approved_redemption(demo, voucher, demo["providers"]["provider-graphene"], "10.00")
    with CaptureQueriesContext(connection) as many:
        rows = csv_rows(client.get("/exports/redemptions.csv"))
    assert len(rows) == 20 and len(many) == len(few) <= 4
