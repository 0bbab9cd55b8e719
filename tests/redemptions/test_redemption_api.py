import pytest

from tests.located import assert_located
from tests.redemptions.factories import approved_redemption, confirm, make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(demo):
    confirm(demo["order"])
    return demo


def claim(api_as, demo, payload, user="provider-sit"):
    return api_as(demo["users"][user]).post("/api/redemptions/", payload, format="json")


def test_a_provider_creates_a_claim(api_as, seed):
    response = claim(api_as, seed, {"service_order": seed["order"].pk, "amount": "150000.00"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["voucher"] == seed["voucher"].serial
    assert body["amount"] == "150000.00"
    assert (body["issuing_region"], body["provider_region"], body["cross_region"]) == (
        "WUJIN",
        "YANGPU",
        True,
    )
    assert body["status"] == "pending" and body["settlement_batch"] is None


def test_the_claims_answer_is_what_reading_it_back_answers(api_as, seed):
    """The answer is rendered from the rows the claim wrote, not re-read: it must say
    exactly what the redemption's own endpoint says about it afterwards."""
    response = claim(api_as, seed, {"service_order": seed["order"].pk, "amount": "150000"})
    assert response.status_code == 201, response.json()
    assert_located(api_as(seed["users"]["provider-sit"]), response, "/api/redemptions/{id}/")
    body = response.json()
    again = api_as(seed["users"]["provider-sit"]).get(f"/api/redemptions/{body['id']}/")
    assert again.json() == body


def test_a_second_claim_on_the_order_is_409(api_as, seed):
    claim(api_as, seed, {"service_order": seed["order"].pk, "amount": "10.00"})
    response = claim(api_as, seed, {"service_order": seed["order"].pk, "amount": "10.00"})
    assert response.status_code == 409 and response.json()["code"] == "already_redeemed"


@pytest.mark.parametrize(
    "amount,status",
    [
        ("0", 400),
        ("-1", 400),
        ("abc", 400),
        ("1.001", 400),
        ("NaN", 400),
        ("1e400", 400),
        ("150000.01", 400),
        ("", 400),
    ],
)
def test_bad_amounts_are_refused_without_a_500(api_as, seed, amount, status):
    response = claim(api_as, seed, {"service_order": seed["order"].pk, "amount": amount})
    assert response.status_code == status, response.content
    assert not Redemption.objects.exists()


def test_above_the_balance_is_409(api_as, seed):
    voucher = make_voucher(seed["enterprises"]["enterprise-jiangnan"], "100.00")
    order = make_order(voucher, seed["providers"]["provider-sit"], "1000.00")
    response = claim(api_as, seed, {"service_order": order.pk, "amount": "100.01"})
    assert response.status_code == 409 and response.json()["code"] == "insufficient_balance"


def test_a_non_numeric_order_is_400(api_as, seed):
    assert claim(api_as, seed, {"service_order": "x", "amount": "1"}).status_code == 400


def test_another_providers_order_is_404(api_as, seed):
    response = claim(
        api_as, seed, {"service_order": seed["order"].pk, "amount": "1"}, user="provider-ustc"
    )
    assert response.status_code == 404


def test_an_enterprise_may_not_claim(api_as, seed):
    response = claim(
        api_as, seed, {"service_order": seed["order"].pk, "amount": "1"}, user="enterprise-jiangnan"
    )
    assert response.status_code == 403


def test_each_role_sees_its_scope(api_as, seed):
    users = seed["users"]
    made = claim(api_as, seed, {"service_order": seed["order"].pk, "amount": "10.00"}).json()
    visible = {
        name: [r["id"] for r in api_as(users[name]).get("/api/redemptions/").json()["results"]]
        for name in [
            "provider-sit",
            "provider-graphene",
            "official-wujin",
            "official-yangpu",
            "official-nanhu",
            "enterprise-jiangnan",
            "enterprise-yangpu",
            "operator",
        ]
    }
    assert visible == {
        "provider-sit": [made["id"]],
        "provider-graphene": [],
        "official-wujin": [made["id"]],
        "official-yangpu": [made["id"]],
        "official-nanhu": [],
        "enterprise-jiangnan": [made["id"]],
        "enterprise-yangpu": [],
        "operator": [made["id"]],
    }
    assert api_as(users["official-nanhu"]).get(f"/api/redemptions/{made['id']}/").status_code == 404


def test_it_filters(api_as, seed):
    voucher = make_voucher(seed["enterprises"]["enterprise-yangpu"])
    approved_redemption(seed, voucher, seed["providers"]["provider-sit"], "5.00")
    claim(api_as, seed, {"service_order": seed["order"].pk, "amount": "10.00"})
    client = api_as(seed["users"]["operator"])

    def ids(query):
        return [r["amount"] for r in client.get(f"/api/redemptions/?{query}").json()["results"]]

    assert ids("cross_region=true") == ["10.00"]
    assert ids("cross_region=false") == ["5.00"]
    assert ids("status=approved") == ["5.00"]
    assert ids("issuing_region=WUJIN") == ["10.00"]
    assert sorted(ids("provider_region=YANGPU")) == ["10.00", "5.00"]


def test_the_list_runs_a_constant_number_of_queries(api_as, seed, django_assert_max_num_queries):
    voucher = make_voucher(seed["enterprises"]["enterprise-jiangnan"])
    for _ in range(15):
        approved_redemption(seed, voucher, seed["providers"]["provider-sit"], "1.00")
    client = api_as(seed["users"]["operator"])
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/redemptions/").json()["results"]) == 15


def test_approve_reject_and_mark_paid(api_as, seed):
    users = seed["users"]
    rid = claim(api_as, seed, {"service_order": seed["order"].pk, "amount": "10.00"}).json()["id"]
    assert (
        api_as(users["official-yangpu"]).post(f"/api/redemptions/{rid}/approve/").status_code == 404
    )
    assert (
        api_as(users["official-nanhu"]).post(f"/api/redemptions/{rid}/approve/").status_code == 404
    )
    assert api_as(users["provider-sit"]).post(f"/api/redemptions/{rid}/approve/").status_code == 403
    response = api_as(users["official-wujin"]).post(
        f"/api/redemptions/{rid}/approve/", {}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    again = api_as(users["official-wujin"]).post(f"/api/redemptions/{rid}/reject/", {"note": "x"})
    assert again.status_code == 409
    paid_by_issuer = api_as(users["official-wujin"]).post(
        f"/api/redemptions/{rid}/mark-paid/", {"payment_reference": "P"}
    )
    assert paid_by_issuer.status_code == 403  # it sees the claim; the provider's district pays
    missing = api_as(users["official-yangpu"]).post(
        f"/api/redemptions/{rid}/mark-paid/", {"payment_reference": ""}
    )
    assert missing.status_code == 400 and "payment_reference" in missing.json()
    paid = api_as(users["official-yangpu"]).post(
        f"/api/redemptions/{rid}/mark-paid/", {"payment_reference": "YP-1"}
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert paid.json()["payment_reference"] == "YP-1"


def test_reject_needs_a_note(api_as, seed):
    rid = claim(api_as, seed, {"service_order": seed["order"].pk, "amount": "10.00"}).json()["id"]
    client = api_as(seed["users"]["official-wujin"])
    assert client.post(f"/api/redemptions/{rid}/reject/", {}).status_code == 400
    response = client.post(f"/api/redemptions/{rid}/reject/", {"note": "Incomplete"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
