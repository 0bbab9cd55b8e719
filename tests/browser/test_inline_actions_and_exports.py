"""In a real browser: the provider's inline accept/decline of orders with JavaScript on
(htmx swaps the row) and off (plain POST and redirect), the export links, and the settlement
batch's progress bar polling until the batch is computed."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from providers.models import ServiceOrder
from tests.browser.conftest import check_page, expect, log_in

pytestmark = pytest.mark.browser


def _second_order(site):
    order = site.demo["order"]
    return ServiceOrder.objects.create(
        enterprise=order.enterprise,
        provider=order.provider,
        voucher=order.voucher,
        title="Raman spectroscopy of the powder",
        contract_amount="20000.00",
    )


def _row(page, order):
    return page.locator(f"#order-{order.pk}")


def test_the_provider_accepts_and_declines_in_the_list_with_javascript(site, page):
    first, second = site.demo["order"], _second_order(site)
    log_in(page, site.url, "provider-sit", site.password)
    page.goto(site.at("/orders/"))
    check_page(page, "orders-inline")
    url = page.url
    # By the keyboard: the focus follows the redrawn row to its outcome (it fell to the
    # page's body, and the next Tab went to the footer).
    _row(page, first).get_by_role("button", name="Accept").focus()
    page.keyboard.press("Enter")
    expect(_row(page, first)).to_contain_text("You accepted the order.")
    expect(_row(page, first).locator(".message-success")).to_be_focused()
    expect(_row(page, first).locator(".badge")).to_have_text("Accepted")
    assert page.url == url  # the row was swapped, the page stayed
    # The tabs counted it again, without a reload.
    expect(page.locator("#order-tabs")).to_contain_text("Accepted (1)")
    row = _row(page, second)
    row.get_by_label("Reason for declining").fill("No instrument time this month.")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Decline").click()
    expect(_row(page, second)).to_contain_text("You declined the order.")
    check_page(page, "orders-inline-done")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("accepted", "declined")
    assert second.status_reason == "No instrument time this month."


def test_the_same_forms_work_without_javascript(site, new_context):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    order = site.demo["order"]
    log_in(page, site.url, "provider-sit", site.password)
    page.goto(site.at("/orders/"))
    _row(page, order).get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert page.url == site.at("/orders/")
    expect(page.locator(".messages")).to_contain_text("You accepted the order.")
    expect(_row(page, order).locator(".badge")).to_have_text("Accepted")
    order.refresh_from_db()
    assert order.status == "accepted"


def test_an_official_downloads_the_filtered_list(site, page):
    log_in(page, site.url, "official-wujin", site.password)
    page.goto(site.at("/vouchers/?status=active"))
    check_page(page, "vouchers-export-links")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0] == site.demo["voucher"].serial
    with page.expect_download() as download:
        page.get_by_role("link", name="Export Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_the_batch_page_polls_until_the_batch_is_computed(site, page):
    from regions.models import SettlementBatch
    from regions.settlement.services import settlement_run

    # Opened by hand so that no worker runs it before the page is looked at.
    batch = SettlementBatch.objects.create(cutoff=timezone.now() - timedelta(seconds=1))
    log_in(page, site.url, "operator", site.password)
    page.goto(site.at(f"/settlement/{batch.pk}/"))
    expect(page.locator("#batch-progress progress")).to_be_visible()
    check_page(page, "batch-progress-open")
    with page.expect_request(f"**/settlement/{batch.pk}/progress/", timeout=5000):
        pass  # htmx polls the partial
    settlement_run(batch_id=batch.pk)
    # The poll that sees it computed reloads the page, which shows the result, not the bar.
    expect(page.locator("#batch-progress progress")).to_have_count(0, timeout=8000)
    # With nothing to settle the batch closes at once; with transfers it stays computed.
    expect(page.locator("#batch-progress .badge")).to_have_text(re.compile("Computed|Closed"))
    check_page(page, "batch-progress-computed")
