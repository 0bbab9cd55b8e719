import pytest

pytestmark = pytest.mark.django_db

FIELDS = {
    "serial",
    "enterprise",
    "issuing_region",
    "face_value",
    "balance",
    "held",
    "redeemed",
    "status",
    "issued_at",
    "expires_at",
}


@pytest.fixture
def issued(demo, submit, approve):
    """One more voucher in each district besides the seed one in Wujin."""
    return {
        code: approve(submit(username, "5000.00"))
        for code, username in [
            ("YANGPU", "enterprise-yangpu"),
            ("NANHU", "enterprise-nanhu"),
            ("HEFEI_HT", "enterprise-hefei"),
        ]
    }


def test_the_holder_sees_its_voucher_with_the_contract_fields(api_as, demo):
    response = api_as(demo["users"]["enterprise-jiangnan"]).get("/api/vouchers/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    voucher = body["results"][0]
    assert FIELDS <= set(voucher)
    assert voucher["serial"] == demo["voucher"].serial
    assert voucher["issuing_region"] == "WUJIN"
    assert voucher["face_value"] == "200000.00"
    assert voucher["balance"] == "200000.00"
    assert voucher["held"] == "0.00"


def test_one_voucher_by_serial(api_as, demo):
    serial = demo["voucher"].serial
    response = api_as(demo["users"]["official-wujin"]).get(f"/api/vouchers/{serial}/")
    assert response.status_code == 200
    assert response.json()["serial"] == serial


def test_officials_see_their_districts_vouchers(api_as, demo, issued):
    body = api_as(demo["users"]["official-nanhu"]).get("/api/vouchers/").json()
    assert [v["serial"] for v in body["results"]] == [issued["NANHU"].serial]


def test_outsiders_get_404(api_as, demo):
    serial = demo["voucher"].serial
    for username in ("official-yangpu", "enterprise-hefei", "provider-graphene"):
        assert api_as(demo["users"][username]).get(f"/api/vouchers/{serial}/").status_code == 404


def test_the_operator_filters_by_region_status_and_enterprise(api_as, demo, issued):
    client = api_as(demo["users"]["operator"])
    assert client.get("/api/vouchers/").json()["count"] == 4
    by_region = client.get("/api/vouchers/?issuing_region=YANGPU").json()
    assert [v["serial"] for v in by_region["results"]] == [issued["YANGPU"].serial]
    assert client.get("/api/vouchers/?status=revoked").json()["count"] == 0
    enterprise = demo["enterprises"]["enterprise-hefei"].pk
    assert client.get(f"/api/vouchers/?enterprise={enterprise}").json()["count"] == 1


def test_the_district_filter_takes_any_case_and_an_unknown_code_lists_nothing(api_as, demo, issued):
    client = api_as(demo["users"]["operator"])
    lower = client.get("/api/vouchers/?issuing_region=nanhu").json()
    assert [v["serial"] for v in lower["results"]] == [issued["NANHU"].serial]
    unknown = client.get("/api/vouchers/?issuing_region=ATLANTIS")
    assert unknown.status_code == 200
    assert unknown.json()["count"] == 0 and unknown.json()["results"] == []


def test_filters_of_one_request_leave_the_next_unfiltered(api_as, demo, issued):
    """Filters are copied shallowly per request (portal.filters.ApiFilterSet): a method
    filter must run on its own request's filter set, and nothing carries over."""
    client = api_as(demo["users"]["operator"])
    assert client.get("/api/vouchers/?issuing_region=WUJIN").json()["count"] == 1
    assert client.get("/api/vouchers/?issuing_region=YANGPU").json()["count"] == 1
    assert client.get("/api/vouchers/").json()["count"] == 4


def test_a_refused_filter_value_stays_with_its_own_request(api_as, demo, issued):
    """The filter form's fields are shared between requests (portal.filters.SharedFormFields):
    a value refused in one request is not an error of the next, nor the other way round."""
    client = api_as(demo["users"]["operator"])
    assert client.get("/api/vouchers/?year=abc").status_code == 400
    assert client.get("/api/vouchers/?year=2026&status=active").status_code == 200
    refused = client.get("/api/vouchers/?status=lost")
    assert refused.status_code == 400 and "status" in refused.json()
    assert "year" not in refused.json()
    assert client.get("/api/vouchers/").json()["count"] == 4


def test_an_unknown_status_is_400(api_as, demo):
    response = api_as(demo["users"]["operator"]).get("/api/vouchers/?status=lost")
    assert response.status_code == 400


def test_ordering(api_as, demo, issued):
    client = api_as(demo["users"]["operator"])
    values = [
        v["face_value"] for v in client.get("/api/vouchers/?ordering=face_value").json()["results"]
    ]
    assert values == sorted(values, key=float)


def test_the_list_runs_a_constant_number_of_queries(
    api_as, demo, issued, django_assert_max_num_queries
):
    client = api_as(demo["users"]["operator"])
    # token auth, count, page
    with django_assert_max_num_queries(3):
        assert client.get("/api/vouchers/?issuing_region=WUJIN&status=active").status_code == 200


def test_the_application_list_runs_a_constant_number_of_queries(
    api_as, demo, issued, submit, django_assert_max_num_queries
):
    for _ in range(5):
        submit("enterprise-yangpu", "100.00")
    client = api_as(demo["users"]["operator"])
    with django_assert_max_num_queries(3):
        body = client.get("/api/voucher-applications/").json()
    assert body["count"] == 9
    assert {a["voucher"] is None for a in body["results"]} == {True, False}


def test_the_application_list_filters_by_status_and_region(api_as, demo, issued, submit):
    submit("enterprise-yangpu", "100.00")
    client = api_as(demo["users"]["operator"])
    assert client.get("/api/voucher-applications/?status=submitted").json()["count"] == 1
    assert client.get("/api/voucher-applications/?region=YANGPU").json()["count"] == 2
    ordered = client.get("/api/voucher-applications/?ordering=requested_amount").json()
    amounts = [a["requested_amount"] for a in ordered["results"]]
    assert amounts == sorted(amounts, key=float)


def test_an_enterprise_sees_only_its_applications(api_as, demo, issued):
    body = api_as(demo["users"]["enterprise-nanhu"]).get("/api/voucher-applications/").json()
    assert {a["enterprise"] for a in body["results"]} == {
        demo["enterprises"]["enterprise-nanhu"].pk
    }
