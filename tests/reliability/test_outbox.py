"""The outbox: work a service queues is a row of its transaction, published after commit,
run once; a broker that is away delays it and never fails the request that committed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal import outbox
from portal.celery import app as celery_app
from portal.models import OutboxMessage
from tests.reliability.conftest import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outbox():
    """The demo's own messages (its seed e-mails and certificate) are done already; these
    tests count the rows they write themselves."""
    OutboxMessage.objects.all().delete()


@pytest.fixture
def unreachable_broker(monkeypatch):
    """Publishing goes to a port nobody listens on: a real refused connection."""
    monkeypatch.setattr(outbox, "_broker_away_until", 0.0)
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True
    celery_app.conf.broker_url = previous


def notify(subject: str) -> OutboxMessage:
    return outbox.enqueue(
        "regions.tasks.send_notification", recipients=["a@example.com"], subject=subject, body="."
    )


def test_it_runs_the_task_after_commit_and_marks_the_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = notify("hello")
    message.refresh_from_db()
    assert message.sent_at is not None and message.done_at is not None
    assert message.attempts == 1
    assert [m.subject for m in mail.outbox] == ["hello"]


def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify("never")
            raise RuntimeError("rolled back")
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_an_unknown_task_fails_inside_the_transaction():
    with pytest.raises(ModuleNotFoundError):
        outbox.enqueue("nowhere.tasks.nothing")
    assert not OutboxMessage.objects.exists()


def test_a_message_run_twice_has_its_effect_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = notify("once")
    assert outbox.run_message(message_id=message.pk) == "already done"
    assert outbox.run_message(message_id=message.pk) == "already done"
    assert [m.subject for m in mail.outbox] == ["once"]


def test_a_failing_task_leaves_the_row_not_done():
    message = outbox.enqueue("vouchers.tasks.generate_voucher_certificate", voucher_id=10**9)
    # A voucher that does not exist: the task returns without drawing, so the row is done.
    assert outbox.run_message(message_id=message.pk) == "done"
    broken = outbox.enqueue("providers.tasks.generate_provider_certificate", certificate_id=10**9)
    with pytest.raises(Exception, match="does not exist"):
        outbox.run_message(message_id=broken.pk)
    broken.refresh_from_db()
    assert broken.done_at is None


def test_a_broker_that_is_away_keeps_the_row_for_the_relay(
    unreachable_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = notify("later")
    message.refresh_from_db()
    assert message.sent_at is None and message.done_at is None
    assert message.attempts == 1
    assert "Connection refused" in message.last_error or "111" in message.last_error
    assert message.available_at > timezone.now()
    assert mail.outbox == []

    result = outbox.relay_pending()
    assert result == {"sent": 0, "failed": 0, "considered": 0}  # backing off
    result = outbox.relay_pending(ignore_backoff=True)
    assert result["failed"] == 1
    message.refresh_from_db()
    assert message.attempts == 2 and message.sent_at is None


def test_the_relay_publishes_what_the_broker_missed(
    unreachable_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify("one"), notify("two")
    celery_app.conf.task_always_eager = True  # the broker is back (in-process here)
    result = outbox.relay_pending(ignore_backoff=True)
    assert result == {"sent": 2, "failed": 0, "considered": 2}
    assert sorted(m.subject for m in mail.outbox) == ["one", "two"]
    assert OutboxMessage.objects.filter(done_at__isnull=True).count() == 0
    assert outbox.relay_pending(ignore_backoff=True)["considered"] == 0


def test_approve_answers_success_while_the_broker_is_away(
    unreachable_broker, api_as, demo, submit, django_capture_on_commit_callbacks
):
    application = submit("enterprise-jiangnan", "50000.00")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(demo["users"]["official-wujin"]).post(
            f"/api/voucher-applications/{application.pk}/approve/",
            {"approved_amount": str(application.requested_amount)},
            format="json",
        )
    assert response.status_code == 200, response.content
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, done_at__isnull=True)
    # One connection attempt per request: the rows after the first wait for the relay.
    assert sorted(pending.values_list("attempts", flat=True)) == [0] * (pending.count() - 1) + [1]
    tasks = list(pending.values_list("task_name", flat=True))
    assert tasks.count("vouchers.tasks.generate_voucher_certificate") == 1
    assert "regions.tasks.send_notification" in tasks


def test_old_done_rows_are_purged_after_a_week():
    now = timezone.now()
    old = OutboxMessage.objects.create(task_name="x", done_at=now - timedelta(days=8))
    recent = OutboxMessage.objects.create(task_name="x", done_at=now - timedelta(days=6))
    waiting = OutboxMessage.objects.create(task_name="x", created_at=now - timedelta(days=30))
    assert outbox.purge_done() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()
