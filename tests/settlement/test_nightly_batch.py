from datetime import timedelta

import pytest
from django.utils import timezone

from regions.models import SettlementBatch
from regions.tasks import create_nightly_settlement_batch
from tests.settlement.factories import spread

pytestmark = pytest.mark.django_db


def test_it_settles_what_is_waiting(demo, django_capture_on_commit_callbacks):
    expected = spread(demo, 8)
    with django_capture_on_commit_callbacks(execute=True):
        result = create_nightly_settlement_batch.delay().get()
    batch = SettlementBatch.objects.get(pk=result["batch"])
    assert batch.status == "computed" and batch.created_by is None
    assert batch.gross_total == sum(expected.values())


def test_it_creates_nothing_when_nothing_waits(demo):
    assert create_nightly_settlement_batch.delay().get()["batch"] is None
    assert not SettlementBatch.objects.exists()


def test_it_resumes_a_batch_left_open(demo):
    spread(demo, 4)
    stale = SettlementBatch.objects.create(cutoff=timezone.now())
    SettlementBatch.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    result = create_nightly_settlement_batch.delay().get()
    stale.refresh_from_db()
    assert result["resumed"] == [stale.pk]
    assert stale.status == "computed" and stale.redemption_count == 3
