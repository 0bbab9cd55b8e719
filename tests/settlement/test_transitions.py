"""SettlementBatch.TRANSITIONS walked edge by edge: each listed edge succeeds through its
service; every other edge is refused with InvalidTransition and leaves the row as it was."""

import itertools

import pytest
from django.utils import timezone

from portal.errors import InvalidTransition
from regions.models import AuditEntry, JournalEntry, SettlementBatch
from regions.settlement.services import (
    settlement_batch_close,
    settlement_batch_confirm,
    settlement_claim_range,
    settlement_compute,
)
from tests.settlement.factories import spread

pytestmark = pytest.mark.django_db

Status = SettlementBatch.Status
TRANSITIONS = SettlementBatch.TRANSITIONS

# The service that moves a batch into each status; a batch is only ever created open.
SERVICES = {
    Status.COMPUTED: lambda batch: settlement_compute(batch_id=batch.pk),
    Status.CONFIRMED: lambda batch: settlement_batch_confirm(batch=batch, actor=None),
    Status.CLOSED: lambda batch: settlement_batch_close(batch=batch, actor=None),
}

ALLOWED = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
REFUSED = [
    (a, b)
    for a, b in itertools.product(Status.values, Status.values)
    if b not in TRANSITIONS[a] and b != Status.OPEN
]


def _batch(status: str) -> SettlementBatch:
    return SettlementBatch.objects.create(cutoff=timezone.now(), status=status)


def _snapshot(batch: SettlementBatch) -> dict:
    return {
        "row": SettlementBatch.objects.filter(pk=batch.pk).values().get(),
        "audit": AuditEntry.objects.filter(object_id=str(batch.pk)).count(),
        "journal": JournalEntry.objects.count(),
        "obligations": batch.obligations.count(),
    }


def test_every_status_has_its_edges_written_out():
    assert set(TRANSITIONS) == set(Status.values)


def test_no_edge_leads_back_to_open():
    assert all(Status.OPEN not in targets for targets in TRANSITIONS.values())


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=lambda s: str(s))
def test_it_takes_each_allowed_edge(demo, from_status, to_status):
    if from_status == Status.OPEN:
        # Claimed cross-region redemptions, so computing leaves transfers to pay (and the
        # batch stops at computed instead of closing at once).
        spread(demo, 8)
        batch = _batch(Status.OPEN)
        assert settlement_claim_range(batch_id=batch.pk) > 0
    else:
        batch = _batch(from_status)
    SERVICES[to_status](batch)
    batch.refresh_from_db()
    assert batch.status == to_status
    entry = AuditEntry.objects.filter(object_id=str(batch.pk)).latest("id")
    assert (entry.from_status, entry.to_status) == (from_status, to_status)


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED, ids=lambda s: str(s))
def test_it_refuses_every_other_edge(demo, from_status, to_status):
    batch = _batch(from_status)
    before = _snapshot(batch)
    with pytest.raises(InvalidTransition):
        SERVICES[to_status](batch)
    assert _snapshot(batch) == before
