"""The statement PDF as a reader gets it (its text extracted by poppler's `pdftotext`): every
amount as the pages print money, "¥190,000.00", totals included, and when each claim was
approved, in programme time as the pages print it. It printed "190000.00" and no time."""

import shutil
import subprocess
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from django.utils import timezone

from regions.exports import statement_pdf
from regions.models import Region
from regions.settlement.services import settlement_batch_create, settlement_run
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)  # to look at: pytest --basetemp=DIR
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed"
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout


@pytest.fixture
def large_claim(demo):
    """A Wujin voucher spending ¥190,000.00 with a Yangpu provider, approved yesterday at
    1:30 in Shanghai (the day before in UTC), settled in a computed batch."""
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "250000.00")
    redemption = approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "190000.00")
    yesterday = timezone.localdate(timezone=SHANGHAI) - timedelta(days=1)
    approved_at = datetime.combine(yesterday, time(1, 30), tzinfo=SHANGHAI)
    Redemption.objects.filter(pk=redemption.pk).update(decided_at=approved_at)
    redemption.refresh_from_db()
    batch = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch, redemption


def test_the_statement_pdf_prints_amounts_as_the_pages_do(large_claim, tmp_path):
    batch, redemption = large_claim
    wujin = Region.objects.get(code="WUJIN")
    owes = batch.obligations.filter(from_region=wujin).values_list("amount", flat=True)
    assert sum(owes) >= Decimal("190000.00")

    text = pdf_text(statement_pdf(batch, wujin), tmp_path)

    words = text.split()
    # The claim's row, and the totals: what Wujin owes and its net position (negative).
    assert "¥190,000.00" in words
    owes_total = f"¥{sum(owes):,.2f}"
    assert f"owes {owes_total}" in " ".join(words)
    position = batch.net_positions.get(region=wujin).amount
    assert position < 0 and f"-¥{-position:,.2f}" in words
    # No amount left bare: every figure with two decimals carries the sign.
    bare = [w for w in words if w.replace(",", "").replace(".", "").isdigit() and "." in w]
    assert bare == []
    # The Chinese names still render (the embedded CJK font maps back to text).
    assert "上海应用技术大学" in text and "武进区" in text


def test_the_statement_pdf_says_when_each_claim_was_approved(large_claim, tmp_path):
    batch, redemption = large_claim
    yangpu = Region.objects.get(code="YANGPU")

    text = pdf_text(statement_pdf(batch, yangpu), tmp_path)

    assert "批准时间 approval" in text  # the header; "time" may wrap under it
    row = next(line for line in text.splitlines() if line.split()[:1] == [str(redemption.pk)])
    # Programme time (Asia/Shanghai), to the minute, as the pages print it; not UTC's date.
    approved = redemption.decided_at.astimezone(SHANGHAI)
    assert approved.date() != redemption.decided_at.astimezone(ZoneInfo("UTC")).date()
    assert f"{approved:%Y-%m-%d} 01:30" in row and "¥190,000.00" in row
    assert redemption.voucher.serial in row
    # Every claim of the statement has its time.
    claims = Redemption.objects.filter(settlement_item__batch=batch).filter(
        Q(issuing_region=yangpu) | Q(provider_region=yangpu)
    )
    assert claims.exists()
    for decided in claims.values_list("decided_at", flat=True):
        assert f"{decided.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" in text
