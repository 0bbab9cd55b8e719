"""One bank transfer for many claims is written in bulk: the statements it sends do not grow
with the number of claims, and the rows it writes are those paying the claims one by one
writes (journal entries and lines, audit rows, the statistics' monthly summary), the ledger
reconciled."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regions.models import AuditEntry, JournalEntry, StatisticsMonthlyDistrict
from regions.statistics_summary import MICROSECOND
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption
from vouchers.services import redemption_mark_paid, redemptions_mark_paid

pytestmark = pytest.mark.django_db

AMOUNTS = ["800.00", "1200.50", "99.50", "0.01", "4321.99"]


@pytest.fixture
def voucher(demo):
    return make_voucher(demo["enterprises"]["enterprise-jiangnan"], "500000.00")


def _claims(demo, voucher, sit, amounts):
    return [approved_redemption(demo, voucher, sit, amount) for amount in amounts]


def _pay_together(claims, reference, actor):
    return redemptions_mark_paid(
        redemption_ids=[claim.pk for claim in claims], payment_reference=reference, actor=actor
    )


def _paid_this_month(region) -> tuple[int, int]:
    now = timezone.localtime()
    row = StatisticsMonthlyDistrict.objects.filter(
        year=now.year, month=now.month, region=region
    ).first()
    return (row.payments, row.payment_wait_us) if row else (0, 0)


def _written(claim: Redemption) -> dict:
    """What paying `claim` wrote, with its own id written as #: comparable across claims."""
    claim.refresh_from_db()
    entry = JournalEntry.objects.get(redemption=claim, reference__endswith=":pay")
    audit = AuditEntry.objects.get(
        object_type="vouchers.redemption",
        object_id=str(claim.pk),
        action=AuditEntry.Action.MARK_PAID,
    )
    return {
        "claim": (claim.status, claim.payment_reference, claim.payment_reference_key),
        "entry": (
            entry.reference.replace(str(claim.pk), "#"),
            re.sub(rf"#{claim.pk}\b", "#", entry.description),
            entry.settlement_batch_id,
        ),
        "lines": sorted(
            (
                line.account.kind,
                line.account.region_id,
                line.account.provider_id,
                line.debit,
                line.credit,
            )
            for line in entry.lines.select_related("account")
        ),
        "audit": (
            audit.actor_id,
            audit.from_status,
            audit.to_status,
            audit.reason,
            audit.data,
        ),
    }


def test_a_transfer_sends_as_many_statements_for_50_claims_as_for_one(
    demo, voucher, sit, yangpu, django_assert_max_num_queries
):
    # A first payment makes the district's cash account and the month's summary row, which
    # later payments find.
    _pay_together(_claims(demo, voucher, sit, ["10.00"]), "WARM-UP", yangpu)
    one = _claims(demo, voucher, sit, ["10.00"])
    fifty = _claims(demo, voucher, sit, ["10.00"] * 50)

    with CaptureQueriesContext(connection) as for_one:
        _pay_together(one, "ONE-1", yangpu)
    # Claim by claim, 50 claims sent 414 statements (22 for one).
    with django_assert_max_num_queries(len(for_one)):
        _pay_together(fifty, "FIFTY-1", yangpu)

    assert len(for_one) <= 20
    assert Redemption.objects.filter(pk__in=[c.pk for c in fifty], status="paid").count() == 50


def test_a_transfer_writes_what_paying_its_claims_one_by_one_writes(
    demo, voucher, sit, yangpu, django_capture_on_commit_callbacks
):
    together = _claims(demo, voucher, sit, AMOUNTS)
    one_by_one = _claims(demo, voucher, sit, AMOUNTS)
    region = yangpu.region
    before = _paid_this_month(region)

    _pay_together(together, " HB 2026-0001 ", yangpu)
    after_together = _paid_this_month(region)
    for claim in one_by_one:
        redemption_mark_paid(
            redemption_id=claim.pk, payment_reference=" HB 2026-0001 ", actor=yangpu
        )
    after_one_by_one = _paid_this_month(region)

    assert [_written(claim) for claim in together] == [_written(claim) for claim in one_by_one]
    assert _written(together[0])["lines"] == [
        ("cash", region.pk, None, Decimal("0.00"), Decimal("800.00")),
        ("payable", region.pk, sit.pk, Decimal("800.00"), Decimal("0.00")),
    ]
    # The summary gained each claim once, its wait in whole microseconds, either way.
    for claims, (was, now) in [
        (together, (before, after_together)),
        (one_by_one, (after_together, after_one_by_one)),
    ]:
        waits = sum((claim.paid_at - claim.claimed_at) // MICROSECOND for claim in claims)
        assert (now[0] - was[0], now[1] - was[1]) == (len(claims), waits)
    # One audit row and one journal entry per claim, no more.
    ids = [str(claim.pk) for claim in together + one_by_one]
    assert AuditEntry.objects.filter(object_id__in=ids, action="mark_paid").count() == 10
    assert JournalEntry.objects.filter(reference__endswith=":pay", redemption__in=ids).count() == 10
    call_command("reconcile", verbosity=0)  # raises CommandError on any breach


def test_a_transfer_with_a_claim_not_waiting_writes_nothing(demo, voucher, sit, yangpu):
    claims = _claims(demo, voucher, sit, ["10.00"] * 6)
    redemption_mark_paid(redemption_id=claims[3].pk, payment_reference="EARLIER", actor=yangpu)
    entries, audits = JournalEntry.objects.count(), AuditEntry.objects.count()
    summary = _paid_this_month(yangpu.region)

    with pytest.raises(Exception, match="paid already, reference EARLIER"):
        _pay_together(claims, "LATER", yangpu)

    assert (JournalEntry.objects.count(), AuditEntry.objects.count()) == (entries, audits)
    assert _paid_this_month(yangpu.region) == summary
    statuses = Redemption.objects.filter(pk__in=[c.pk for c in claims]).values_list(
        "status", flat=True
    )
    assert sorted(statuses) == ["approved"] * 5 + ["paid"]
