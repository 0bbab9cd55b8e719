from decimal import Decimal

import pytest
from django.utils import timezone

from regions.models import SettlementBatch

pytestmark = pytest.mark.django_db


def test_the_operator_creates_a_batch_answered_202(
    demo, api_as, django_capture_on_commit_callbacks
):
    from tests.settlement.factories import spread

    expected = spread(demo, 8)
    client = api_as(demo["users"]["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/settlement-batches/", {}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "open"
    detail = client.get(f"/api/settlement-batches/{response.json()['id']}/").json()
    assert detail["status"] == "computed"
    assert detail["gross_total"] == f"{sum(expected.values()):.2f}"
    assert {
        (o["from_region"], o["to_region"]): Decimal(o["amount"]) for o in detail["obligations"]
    } == expected
    assert set(detail["net_positions"]) == {"YANGPU", "WUJIN", "NANHU", "HEFEI_HT"}
    assert sum(Decimal(v) for v in detail["net_positions"].values()) == 0


def test_the_programme_begins_at_midnight_in_china_not_in_utc(demo, api_as):
    client = api_as(demo["users"]["operator"])
    year = timezone.now().year
    # 00:30 on January 1st in China, 16:30 UTC the day before: within the programme.
    answer = client.post(
        "/api/settlement-batches/", {"cutoff": f"{year - 1}-12-31T16:30:00Z"}, format="json"
    )
    assert answer.status_code == 202, answer.content


def test_a_cutoff_can_be_given_and_must_not_be_in_the_future(demo, api_as):
    client = api_as(demo["users"]["operator"])
    year = timezone.now().year  # the demo's rules are this year's
    ok = client.post(
        "/api/settlement-batches/", {"cutoff": f"{year}-01-02T00:00:00Z"}, format="json"
    )
    assert ok.status_code == 202 and ok.json()["cutoff"].startswith(f"{year}-01-02")
    # Before the programme's first year: nothing to settle.
    early = client.post(
        "/api/settlement-batches/", {"cutoff": "0001-01-01T00:00:00Z"}, format="json"
    )
    assert early.status_code == 400 and "before the programme began" in str(early.json())
    # The programme began at midnight in China, and says so (it said 00:00 UTC, 08:00 there).
    assert f"began, {year}-01-01T00:00+08:00" in str(early.json())
    late = client.post(
        "/api/settlement-batches/", {"cutoff": "2999-01-01T00:00:00Z"}, format="json"
    )
    assert late.status_code == 400 and "cutoff" in late.json()
    # The refusal names both moments, with their offset (the API's times are UTC).
    assert "2999-01-01T00:00+00:00 is later than now" in str(late.json()["cutoff"])
    bad = client.post("/api/settlement-batches/", {"cutoff": "yesterday"}, format="json")
    assert bad.status_code == 400
    # The refusal offers the date alone too, which is accepted (midnight UTC).
    assert "YYYY-MM-DD: midnight UTC" in str(bad.json()["cutoff"])
    SettlementBatch.objects.update(status=SettlementBatch.Status.CLOSED)  # its workers done
    day = client.post("/api/settlement-batches/", {"cutoff": f"{year}-01-03"}, format="json")
    assert day.status_code == 202 and day.json()["cutoff"] == f"{year}-01-03T00:00:00Z"


def test_a_cutoff_time_without_offset_is_utc_and_one_with_it_is_read_in_it(demo, api_as):
    client = api_as(demo["users"]["operator"])
    year = timezone.now().year

    china = client.post(
        "/api/settlement-batches/", {"cutoff": f"{year}-01-02T09:00+08:00"}, format="json"
    )
    SettlementBatch.objects.update(status=SettlementBatch.Status.CLOSED)  # its workers done
    naive = client.post(
        "/api/settlement-batches/", {"cutoff": f"{year}-01-02T09:00"}, format="json"
    )

    assert china.json()["cutoff"] == f"{year}-01-02T01:00:00Z"
    assert naive.json()["cutoff"] == f"{year}-01-02T09:00:00Z"
    bad = client.post("/api/settlement-batches/", {"cutoff": "2026-13-01T09:00"}, format="json")
    assert "+08:00 for China" in str(bad.json()["cutoff"])


def test_only_the_operator_creates_batches(demo, api_as):
    for name in ("official-wujin", "provider-sit", "enterprise-jiangnan"):
        assert api_as(demo["users"][name]).post("/api/settlement-batches/", {}).status_code == 403
    assert not SettlementBatch.objects.exists()


def test_an_official_sees_its_districts_part(computed, demo, api_as):
    batch, _ = computed
    body = (
        api_as(demo["users"]["official-nanhu"]).get(f"/api/settlement-batches/{batch.pk}/").json()
    )
    assert list(body["net_positions"]) == ["NANHU"]
    assert all("NANHU" in (o["from_region"], o["to_region"]) for o in body["obligations"])
    assert all("NANHU" in (t["from_region"], t["to_region"]) for t in body["transfers"])


def test_providers_and_enterprises_see_no_batches(computed, demo, api_as):
    for name in ("provider-sit", "enterprise-jiangnan"):
        assert api_as(demo["users"][name]).get("/api/settlement-batches/").status_code == 403


def test_confirm_transfer_closes_on_the_last_one(computed, demo, api_as):
    batch, _ = computed
    client = api_as(demo["users"]["operator"])
    transfers = client.get(f"/api/settlement-batches/{batch.pk}/").json()["transfers"]
    assert 1 <= len(transfers) <= 3
    url = f"/api/settlement-batches/{batch.pk}/confirm-transfer/"
    assert api_as(demo["users"]["official-wujin"]).post(url, {}).status_code == 403
    missing = client.post(
        url, {"from_region": "WUJIN", "to_region": "WUJIN", "payment_reference": "x"}
    )
    assert missing.status_code == 400
    empty = client.post(
        url, {**{k: transfers[0][k] for k in ("from_region", "to_region")}, "payment_reference": ""}
    )
    assert empty.status_code == 400
    for i, transfer in enumerate(transfers):
        response = client.post(
            url,
            {
                "from_region": transfer["from_region"],
                "to_region": transfer["to_region"],
                "payment_reference": f"TR-{i}",
            },
        )
        assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "closed"
    assert [t["payment_reference"] for t in body["transfers"]] == [
        f"TR-{i}" for i in range(len(transfers))
    ]
    again = client.post(
        url,
        {
            "from_region": transfers[0]["from_region"],
            "to_region": transfers[0]["to_region"],
            "payment_reference": "X",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 409
    # It said "(this one is Closed)", not that the transfer was recorded already.
    assert again.json()["detail"] == (
        "This batch is closed: every transfer of it is recorded already."
    )


def test_statements_by_suffix_and_by_query(computed, demo, api_as):
    batch, expected = computed
    client = api_as(demo["users"]["official-wujin"])
    csv = client.get(f"/api/settlement-batches/{batch.pk}/statements/WUJIN.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = b"".join(csv.streaming_content).decode()
    # A byte-order mark first, as every CSV export: Excel then reads the Chinese names.
    assert text.splitlines()[0].startswith("\ufeffredemption,voucher")
    pdf = client.get(f"/api/settlement-batches/{batch.pk}/statements/WUJIN/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/api/settlement-batches/{batch.pk}/statements/NANHU.csv").status_code == 404
    operator = api_as(demo["users"]["operator"])
    assert (
        operator.get(f"/api/settlement-batches/{batch.pk}/statements/NANHU.pdf").status_code == 200
    )
    assert (
        operator.get(f"/api/settlement-batches/{batch.pk}/statements/PUDONG.csv").status_code == 404
    )


def test_the_list_runs_a_constant_number_of_queries(
    computed, demo, api_as, django_assert_max_num_queries
):
    client = api_as(demo["users"]["operator"])
    with django_assert_max_num_queries(5):
        assert client.get("/api/settlement-batches/").json()["count"] == 1


def test_no_second_batch_while_one_is_still_settling(demo, api_as, client):
    """Two tabs of "Run settlement now" made two batches: the second stood empty and closed
    at ¥0.00 above the one that held the claims."""
    from tests.redemptions.factories import approved_redemption
    from tests.vouchers.factories import make_voucher

    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    assert approved_redemption(demo, voucher, demo["providers"]["provider-sit"]).cross_region
    api = api_as(demo["users"]["operator"])
    first = api.post("/api/settlement-batches/", {}, format="json")
    assert first.status_code == 202  # its workers run after the commit: still open here
    second = api.post("/api/settlement-batches/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert second.status_code == 409, second.content
    assert second.json()["code"] == "batch_running"
    assert f"Batch #{first.json()['id']} is still settling" in str(second.json())
    assert "once it is computed" in second.json()["detail"]
    assert "T" not in second.json()["detail"].split("up to ", 1)[1][:16]  # not ISO 8601
    client.force_login(demo["users"]["operator"])
    page = client.post("/settlement/run/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "is still settling" in page.content.decode()
    assert SettlementBatch.objects.count() == 1


def test_an_unknown_district_in_a_transfer_is_told_the_codes_there_are(computed, demo, api_as):
    batch, _ = computed
    response = api_as(demo["users"]["operator"]).post(
        f"/api/settlement-batches/{batch.pk}/confirm-transfer/",
        {"from_region": "YP", "to_region": "WUJIN", "payment_reference": "TR-1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["from_region"] == [
        "There is no code “YP”: use one of HEFEI_HT, NANHU, WUJIN, YANGPU."
    ]


def test_a_statement_follows_accept_and_names_its_formats(computed, demo, api_as):
    """`Accept: application/pdf` got the CSV; `?format=json` or `xlsx` a 404, read as if
    the batch or the district did not exist."""
    batch, _ = computed
    client = api_as(demo["users"]["official-wujin"])
    url = f"/api/settlement-batches/{batch.pk}/statements/WUJIN/"
    pdf = client.get(url, HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(url)["Content-Type"].startswith("text/csv")
    for asked in ("json", "xlsx"):
        refused = client.get(f"{url}?format={asked}", HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 406, (asked, refused.content)
        assert refused.json()["detail"] == f"A statement comes as csv or pdf, not {asked}."
    assert client.get(f"/api/settlement-batches/{batch.pk}/statements/NOPE/").status_code == 404
