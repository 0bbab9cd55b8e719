"""Two operators record one bank reference for two batches' transfers at the same instant
(PostgreSQL, one connection per thread). Each held only its own batch's lock, so both read
"not recorded before" and both batches closed under one bank transfer. Now the second waits
for the first and is refused as any later recording is (409 `reference_recorded_before`)."""

import threading

import pytest
from django.db import connection

from regions.models import SettlementBatch
from regions.settlement import transfers
from regions.settlement.transfers import ReferenceRecordedBefore
from tests.settlement.test_transfer_reference_reuse import computed_batch, record

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_same_reference_for_two_batches_at_once_is_recorded_once(demo, monkeypatch):
    first = computed_batch(demo, ("enterprise-jiangnan", "provider-sit", "140000.00"))
    second = computed_batch(demo, ("enterprise-jiangnan", "provider-sit", "30000.00"))
    # Both recordings read the earlier transfers before either writes, when the order of
    # the threads allows it: the barrier holds each reader until the other has read too, or
    # gives up after a while (when the other is kept waiting before its read).
    read_together = threading.Barrier(2, timeout=3)
    read_earlier = transfers.transfers_recorded_with_reference

    def read_then_wait(**kwargs):
        earlier = read_earlier(**kwargs)
        try:
            read_together.wait()
        except threading.BrokenBarrierError:
            pass
        return earlier

    monkeypatch.setattr(transfers, "transfers_recorded_with_reference", read_then_wait)
    outcomes = {}

    def run(batch):
        try:
            connection.ensure_connection()
            record(demo, batch)
            outcomes[batch.pk] = "recorded"
        except ReferenceRecordedBefore:
            outcomes[batch.pk] = "refused"
        except Exception as error:  # surfaced by the assertion below
            outcomes[batch.pk] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(batch,)) for batch in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["recorded", "refused"], outcomes
    statuses = sorted(
        SettlementBatch.objects.filter(pk__in=outcomes).values_list("status", flat=True)
    )
    assert statuses == sorted([SettlementBatch.Status.CLOSED, SettlementBatch.Status.COMPUTED])
