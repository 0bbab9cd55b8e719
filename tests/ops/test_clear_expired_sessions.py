"""The beat deletes expired sessions every night (`portal.tasks.clear_expired_sessions`, as
`manage.py clearsessions` does): Django never deletes them itself."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.tasks import clear_expired_sessions


def _session(key: str, expires_in: timedelta) -> None:
    Session.objects.create(
        session_key=key, session_data="e30:1", expire_date=timezone.now() + expires_in
    )


def test_it_removes_an_expired_session_and_keeps_a_live_one(db):
    _session("expired0000000000000000000000000", timedelta(seconds=-1))
    _session("live00000000000000000000000000000", timedelta(days=1))

    clear_expired_sessions.delay()

    assert list(Session.objects.values_list("session_key", flat=True)) == [
        "live00000000000000000000000000000"
    ]


def test_it_uses_the_configured_store(db, settings):
    settings.SESSION_ENGINE = "portal.sessions"  # SESSION_STORE=cached_db
    _session("expired0000000000000000000000000", timedelta(seconds=-1))
    clear_expired_sessions.delay()
    assert not Session.objects.exists()


def test_the_beat_runs_it_every_day():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "portal.tasks.clear_expired_sessions"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]  # a crontab: one hour and minute, every day
    assert (len(schedule.hour), len(schedule.minute), len(schedule.day_of_week)) == (1, 1, 7)
