"""A demand past its deadline closes itself (the daily beat task)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from providers.models import Demand
from providers.tasks import close_expired_demands
from regions.models import AuditEntry
from tests.providers.demand_factories import propose, publish

pytestmark = pytest.mark.django_db


def test_the_beat_task_closes_expired_demands(users):
    expired = publish(users["enterprise-jiangnan"], title="Expired")
    current = publish(users["enterprise-jiangnan"], title="Current")
    proposal = propose(users["provider-sit"], expired)
    Demand.objects.filter(pk=expired.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    assert close_expired_demands.delay().get() == {"closed": 1}
    expired.refresh_from_db()
    current.refresh_from_db()
    proposal.refresh_from_db()
    assert expired.status == "closed"
    assert current.status == "open"
    assert proposal.status == "declined"
    assert AuditEntry.objects.filter(
        object_type="providers.demand", object_id=str(expired.pk), action="expire"
    ).exists()
    assert close_expired_demands.delay().get() == {"closed": 0}


def test_the_task_is_in_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "providers.tasks.close_expired_demands" in tasks
