from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.idempotency import purge_idempotency_keys
from portal.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(make_user):
    user = make_user("alice")
    now = timezone.now()
    for key, age in [("fresh", 1), ("day-old", 23), ("stale", 25), ("ancient", 24 * 30)]:
        IdempotencyRecord.objects.create(
            user=user,
            key=key,
            method="POST",
            path="/api/x/",
            request_hash="0" * 64,
            response_status=201,
            response_body={"text": "{}"},
            created_at=now - timedelta(hours=age),
        )


def keys():
    return set(IdempotencyRecord.objects.values_list("key", flat=True))


def test_it_deletes_records_older_than_24_hours(records):
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)

    assert keys() == {"fresh", "day-old"}
    assert "Deleted 2" in out.getvalue()


def test_it_takes_a_longer_age(records):
    call_command("purge_idempotency_keys", hours=48, stdout=StringIO())

    assert keys() == {"fresh", "day-old", "stale"}


def test_it_refuses_to_keep_keys_less_than_24_hours(records):
    with pytest.raises(CommandError, match="24 hours"):
        call_command("purge_idempotency_keys", hours=1)
    assert len(keys()) == 4


def test_it_runs_as_a_celery_task(records):
    assert purge_idempotency_keys.apply().get() == 2
    assert keys() == {"fresh", "day-old"}
