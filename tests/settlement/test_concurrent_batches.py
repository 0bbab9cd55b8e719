"""Batches racing on PostgreSQL: two batches at once, and the same batch run twice at once
(a retried task while the first is still running). One connection per thread."""

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from regions.models import SettlementBatch, SettlementObligation
from regions.services import reconciliation_run
from regions.settlement import services as settlement_services
from regions.settlement.services import settlement_claim_range, settlement_compute, settlement_run
from vouchers.models import Redemption

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_threads(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            # Connect before the barrier: on a loaded machine opening the connection took
            # longer than the other thread's whole claim, and one batch got nothing.
            connection.ensure_connection()
            barrier.wait(timeout=10)
            call()
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


@pytest.fixture
def loaded(demo, settings, monkeypatch):
    settings.SETTLEMENT_CHUNK_SIZE = 25
    # A short pause inside each chunk makes the two claimers interleave for sure.
    monkeypatch.setenv("SETTLEMENT_CHUNK_DELAY_SECONDS", "0.03")
    call_command("seed_load", enterprises=8, vouchers=16, redemptions=800, verbosity=0)
    return Redemption.objects.filter(cross_region=True).aggregate(total=Sum("amount"))["total"]


def test_two_batches_at_once_claim_disjoint_sets(loaded, monkeypatch):
    cutoff = timezone.now()
    first = SettlementBatch.objects.create(cutoff=cutoff)
    second = SettlementBatch.objects.create(cutoff=cutoff)
    # Make the interleaving certain rather than likely: after its first claimed chunk each
    # batch waits until the other has claimed something too (on a loaded machine one thread
    # once started only after the other had claimed all 600 rows).
    has_claimed = {first.pk: threading.Event(), second.pk: threading.Event()}
    claim_chunk = settlement_services._claim_chunk

    def interleaved_claim_chunk(batch_id, *args):
        result = claim_chunk(batch_id, *args)
        if result and result[0]:
            has_claimed[batch_id].set()
            other = second.pk if batch_id == first.pk else first.pk
            assert has_claimed[other].wait(timeout=60), "the other batch never claimed"
        return result

    monkeypatch.setattr(settlement_services, "_claim_chunk", interleaved_claim_chunk)
    in_threads(
        lambda: settlement_claim_range(batch_id=first.pk),
        lambda: settlement_claim_range(batch_id=second.pk),
    )
    settlement_compute(batch_id=first.pk)
    settlement_compute(batch_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.redemption_count > 0 and second.redemption_count > 0
    assert first.redemption_count + second.redemption_count == 600
    assert not Redemption.objects.filter(cross_region=True, settlement_item__isnull=True)
    assert first.gross_total + second.gross_total == loaded
    for batch in (first, second):
        mine = Redemption.objects.filter(settlement_item__batch=batch).aggregate(t=Sum("amount"))[
            "t"
        ]
        assert batch.gross_total == mine
    report = reconciliation_run()
    assert report.ok, report.breaches


def test_the_same_batch_run_twice_at_once_settles_once(loaded):
    batch = SettlementBatch.objects.create(cutoff=timezone.now())
    in_threads(
        lambda: settlement_run(batch_id=batch.pk),
        lambda: settlement_run(batch_id=batch.pk),
        lambda: settlement_run(batch_id=batch.pk),
    )
    batch.refresh_from_db()
    assert batch.status in ("computed", "closed")
    assert batch.redemption_count == 600 == batch.claimed_count
    assert batch.gross_total == loaded
    assert (
        SettlementObligation.objects.filter(batch=batch).aggregate(t=Sum("amount"))["t"] == loaded
    )
    assert sum(p.amount for p in batch.net_positions.all()) == Decimal("0")
    assert batch.net_positions.count() == 4
