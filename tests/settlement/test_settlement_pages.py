import re

import pytest

from regions.models import ReconciliationReport, SettlementBatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_the_operator_sees_the_matrix_and_history(
    computed, demo, login, django_assert_max_num_queries
):
    batch, expected = computed
    client = login(demo["users"]["operator"])
    with django_assert_max_num_queries(20):
        body = client.get("/settlement/").content.decode()
    # Districts by name, not by code.
    assert "Hefei High-tech Zone" in body and f"/settlement/{batch.pk}/" in body
    assert "Run settlement now" in body


def test_run_now_creates_a_batch(demo, login, django_capture_on_commit_callbacks):
    from tests.settlement.factories import spread

    spread(demo, 4)
    client = login(demo["users"]["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settlement/run/")
    batch = SettlementBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/settlement/{batch.pk}/"
    assert batch.status == "computed"


def test_the_computed_batch_e_mail_links_it_and_writes_the_total_as_the_pages(
    demo, login, django_capture_on_commit_callbacks, mailoutbox
):
    """It read "190000.00 CNY gross", and sent the reader to find the batch."""
    from tests.settlement.factories import spread

    spread(demo, 4)
    with django_capture_on_commit_callbacks(execute=True):
        login(demo["users"]["operator"]).post("/settlement/run/")
    batch = SettlementBatch.objects.get()
    (computed,) = [
        m for m in mailoutbox if "computed" in m.subject and demo["users"]["operator"].email in m.to
    ]
    assert f"/settlement/{batch.pk}/" in computed.body
    assert f"¥{batch.gross_total:,.2f} in all" in computed.body


def test_the_settlement_pages_are_for_the_operator(demo, login):
    for name in ("official-wujin", "provider-sit"):
        assert login(demo["users"][name]).get("/settlement/").status_code == 403
        assert login(demo["users"][name]).post("/settlement/run/").status_code == 403


def test_the_operator_records_a_transfer_in_the_page(computed, demo, login):
    batch, _ = computed
    client = login(demo["users"]["operator"])
    page = client.get(f"/settlement/{batch.pk}/").content.decode()
    assert "Record transfer" in page
    for transfer in batch.transfers.all():
        client.post(
            f"/settlement/{batch.pk}/transfers/{transfer.pk}/confirm/",
            {"payment_reference": f"REF-{transfer.pk}"},
        )
    batch.refresh_from_db()
    assert batch.status == "closed"


def test_an_official_sees_its_statements(computed, demo, login):
    batch, _ = computed
    client = login(demo["users"]["official-yangpu"])
    page = client.get("/official/statements/").content.decode()
    assert f"/settlement/{batch.pk}/statements/YANGPU.csv" in page
    csv = client.get(f"/settlement/{batch.pk}/statements/YANGPU.csv")
    assert csv.status_code == 200 and csv["Content-Disposition"].endswith('.csv"')
    assert client.get(f"/settlement/{batch.pk}/statements/YANGPU.pdf").content.startswith(b"%PDF")
    assert client.get(f"/settlement/{batch.pk}/statements/WUJIN.csv").status_code == 404
    assert client.get(f"/settlement/{batch.pk}/").status_code == 200


def test_the_batch_page_polls_while_open(demo, login):
    batch = SettlementBatch.objects.create(cutoff="2020-01-01T00:00:00Z")
    client = login(demo["users"]["operator"])
    assert 'hx-trigger="every 2s"' in client.get(f"/settlement/{batch.pk}/").content.decode()
    partial = client.get(f"/settlement/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="batch-progress"')


def test_the_reconciliation_page_lists_reports_and_runs_one(demo, login):
    client = login(demo["users"]["operator"])
    client.post("/settlement/reconciliation/run/")
    assert ReconciliationReport.objects.count() == 1
    assert "OK" in client.get("/settlement/reconciliation/").content.decode()
    assert (
        login(demo["users"]["official-wujin"]).get("/settlement/reconciliation/").status_code == 403
    )


def test_the_header_shows_the_money_pages_per_role(demo, login):
    assert "/settlement/" in login(demo["users"]["operator"]).get("/redemptions/").content.decode()
    body = login(demo["users"]["official-wujin"]).get("/redemptions/").content.decode()
    assert "/official/redemptions/" in body and "/official/payments/" in body
    assert "/official/statements/" in body
    assert (
        'href="/redemptions/"'
        in login(demo["users"]["provider-sit"]).get("/redemptions/").content.decode()
    )


def test_with_nothing_waiting_run_now_makes_no_empty_batch(computed, demo, login):
    client = login(demo["users"]["operator"])
    page = client.get("/settlement/").content.decode()
    assert 'disabled aria-describedby="nothing-waits"' in page

    response = client.post("/settlement/run/", follow=True)

    assert SettlementBatch.objects.count() == 1
    assert "No approved cross-region redemption waits" in response.content.decode()


def test_a_later_batch_does_not_hide_one_still_to_be_paid(computed, demo, login):
    from regions.settlement.services import settlement_batch_create, settlement_run
    from tests.settlement.factories import spread

    unpaid, _ = computed
    spread(demo, 2)
    later = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=later.pk)

    page = login(demo["users"]["operator"]).get("/settlement/").content.decode()

    notice = page[page.index("Earlier batches with transfers still to record") :]
    assert f'href="/settlement/{unpaid.pk}/"' in notice.split("</section>")[0]


def test_a_double_click_on_run_now_starts_one_batch(demo, login):
    from tests.settlement.factories import spread

    spread(demo, 4)
    client = login(demo["users"]["operator"])
    key = re.search(
        r'name="submission_key" value="([^"]+)"', client.get("/settlement/").content.decode()
    )[1]

    first = client.post("/settlement/run/", {"submission_key": key})
    second = client.post("/settlement/run/", {"submission_key": key})

    assert SettlementBatch.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_reconciliation_reports_name_what_they_counted_in_chinese(demo, login):
    from regions.services import reconciliation_run

    reconciliation_run()
    client = login(demo["users"]["operator"])

    page = client.get(
        "/settlement/reconciliation/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "分录行" in page and "journal_lines" not in page


def test_a_district_without_a_transfer_is_not_told_the_positions_cancel_out(computed, demo, login):
    """An official of a district with no transfer read "Nothing to transfer: the positions
    cancel out" beside a batch that had transfers; an empty batch said the same."""
    batch, _ = computed
    transfers = list(batch.transfers.select_related("from_region", "to_region"))
    assert transfers
    involved = {t.from_region.code for t in transfers} | {t.to_region.code for t in transfers}
    outside = next(
        (u for u in demo["users"].values() if u.is_official and u.region.code not in involved),
        None,
    )
    if outside is not None:  # at most three transfers among four districts: usually one is out
        page = login(outside).get(f"/settlement/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        body = page.content.decode()
        assert "positions cancel out" not in body
        assert "neither pays nor receives a transfer in this batch" in body

    empty = SettlementBatch.objects.create(
        cutoff=batch.cutoff, status=SettlementBatch.Status.CLOSED, claimed_count=0
    )
    body = (
        login(demo["users"]["operator"])
        .get(f"/settlement/{empty.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "Nothing was settled in this batch" in body and "positions cancel out" not in body
