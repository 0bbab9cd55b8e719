"""A batch that stops moving is resumed: by the minute beat, or by the operator's button."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.errors import InvalidTransition, NotAllowed
from regions.models import AuditEntry, SettlementBatch
from regions.settlement.services import resume_stalled_batches, settlement_batch_resume
from regions.tasks import resume_stalled_settlement_batches
from tests.settlement.factories import obligations_of, spread

pytestmark = pytest.mark.django_db


def _stalled_batch(*, minutes_ago: int = 10) -> SettlementBatch:
    """An open batch whose worker died before it claimed anything (its task never ran)."""
    batch = SettlementBatch.objects.create(cutoff=timezone.now())
    SettlementBatch.objects.filter(pk=batch.pk).update(
        progressed_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return batch


def test_the_beat_resumes_a_batch_that_stopped_moving(demo, django_capture_on_commit_callbacks):
    expected = spread(demo, 6)
    batch = _stalled_batch()
    with django_capture_on_commit_callbacks(execute=True):
        result = resume_stalled_settlement_batches.delay().get()
    batch.refresh_from_db()
    assert result["resumed"] == [batch.pk]
    assert batch.status == "computed"
    assert obligations_of(batch) == expected
    assert (
        AuditEntry.objects.filter(
            object_type="regions.settlementbatch", object_id=str(batch.pk), action="resume"
        ).count()
        == 1
    )


def test_the_beat_leaves_a_batch_that_is_moving(demo, settings):
    settings.SETTLEMENT_STALL_SECONDS = 120
    spread(demo, 2)
    moving = _stalled_batch(minutes_ago=1)
    assert resume_stalled_batches() == []
    moving.refresh_from_db()
    assert moving.status == "open"


def test_the_operator_resumes_a_stalled_batch_from_its_page(
    demo, client, django_capture_on_commit_callbacks
):
    spread(demo, 4)
    batch = _stalled_batch()
    client.force_login(demo["users"]["operator"])
    page = client.get(f"/settlement/{batch.pk}/")
    assert b"stalled" in page.content.lower()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/settlement/{batch.pk}/resume/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "computed"
    assert b"stalled" not in client.get(f"/settlement/{batch.pk}/").content.lower()


def test_the_api_resumes_a_batch(demo, api_as, django_capture_on_commit_callbacks):
    spread(demo, 4)
    batch = _stalled_batch()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(demo["users"]["operator"]).post(
            f"/api/settlement-batches/{batch.pk}/resume/"
        )
    assert response.status_code == 202, response.content
    batch.refresh_from_db()
    assert batch.status == "computed"


def test_an_official_may_not_resume(demo, api_as):
    batch = _stalled_batch()
    with pytest.raises(NotAllowed):
        settlement_batch_resume(batch_id=batch.pk, actor=demo["users"]["official-wujin"])
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/settlement-batches/{batch.pk}/resume/"
    )
    assert response.status_code in (403, 404)


def test_a_computed_batch_is_not_resumed(demo):
    spread(demo, 2)
    batch = _stalled_batch()
    SettlementBatch.objects.filter(pk=batch.pk).update(status="computed")
    with pytest.raises(InvalidTransition):
        settlement_batch_resume(batch_id=batch.pk, actor=demo["users"]["operator"])
    assert resume_stalled_batches() == []
