import pytest

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
