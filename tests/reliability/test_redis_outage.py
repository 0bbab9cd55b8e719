"""Redis (broker and cache) stops for OUTAGE_SECONDS while officials approve vouchers and
certify providers: every request answers success, nothing is lost, nothing runs twice.

A real redis-server of the test's own is stopped and started again on the same port; a real
Celery worker consumes from it and writes e-mails as files, so each one can be counted.
"""

import email
import os
import time
from pathlib import Path

import pytest
import redis
from django.core.management import call_command

from portal import outbox
from portal.models import OutboxMessage
from providers.models import ProviderCertificate
from tests.conftest import wait_for
from tests.providers.conftest import pass_notice
from vouchers.models import Voucher

OUTAGE_SECONDS = float(os.environ.get("REDIS_OUTAGE_SECONDS", "60"))
APPLICATIONS = ("enterprise-jiangnan", "enterprise-yangpu", "enterprise-nanhu")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sent_subjects(mail_dir) -> list[str]:
    """Subjects of every message the worker's filebased backend wrote."""
    subjects = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                subjects.append(email.message_from_string(chunk.lstrip()).get("Subject"))
    return subjects


def settled(broker_url: str) -> bool:
    """Nothing waits in the broker and nothing is being worked on."""
    from portal.celery import all_queues

    client = redis.Redis.from_url(broker_url)
    waiting = sum(client.llen(queue) for queue in all_queues())
    return waiting == 0 and client.hlen("unacked") == 0


@pytest.fixture
def cache_on_own_redis(own_redis, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_redis.url.replace("/0", "/1"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_nothing_is_lost_and_no_request_fails_while_redis_is_down(
    outage_worker, cache_on_own_redis, demo, submit, make_provider, api_as, client
):
    own_redis = outage_worker["redis"]
    mail_dir = outage_worker["mail_dir"]
    applications = [submit(username, "20000.00") for username in APPLICATIONS]
    providers = [make_provider(region=region) for region in ("YANGPU", "WUJIN")]
    assert client.get("/readyz/").status_code == 200

    own_redis.stop()
    outage_started = time.monotonic()
    ready = client.get("/readyz/")
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"].startswith("down: ")
    assert ready.json()["checks"]["cache"].startswith("down: ")

    durations = []
    statuses = []
    for application in applications:
        official = {"WUJIN": "official-wujin", "YANGPU": "official-yangpu"}.get(
            application.region.code, "official-nanhu"
        )
        started = time.monotonic()
        response = api_as(demo["users"][official]).post(
            f"/api/voucher-applications/{application.pk}/approve/",
            {"approved_amount": str(application.requested_amount)},
            format="json",
        )
        durations.append(time.monotonic() - started)
        statuses.append(response.status_code)
    for provider in providers:
        official = {"YANGPU": "official-yangpu", "WUJIN": "official-wujin"}[provider.region.code]
        started = time.monotonic()
        response = api_as(demo["users"][official]).post(f"/api/providers/{provider.pk}/certify/")
        durations.append(time.monotonic() - started)
        statuses.append(response.status_code)
        # The approval put it on public notice; the beat's conclusion (here in-process, the
        # clock moved past the notice) certifies it, Redis still away.
        pass_notice(provider.notices.get())
    assert statuses == [200] * len(statuses)
    print(f"requests during the outage took {', '.join(f'{d:.2f}s' for d in durations)}")
    assert max(durations) < 5

    # The relay (beat's task, here called in-process) fails quietly while Redis is away.
    assert outbox.relay_pending(ignore_backoff=True)["sent"] == 0
    pending = OutboxMessage.objects.filter(done_at__isnull=True)
    assert pending.filter(task_name="vouchers.tasks.generate_voucher_certificate").count() == 3
    assert pending.filter(task_name="providers.tasks.generate_provider_certificate").count() == 2
    assert client.get("/readyz/").json()["outbox"]["pending"] == pending.count()
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
    assert client.get("/readyz/").status_code == 503

    own_redis.start()
    wait_for(lambda: client.get("/readyz/").status_code == 200, timeout=30)
    call_command("relay_outbox", "--now")

    def all_done():
        """every outbox row done by the worker"""
        return not OutboxMessage.objects.filter(done_at__isnull=True).exists()

    wait_for(all_done, timeout=120)
    wait_for(lambda: settled(own_redis.url), timeout=30)

    for application in applications:
        voucher = Voucher.objects.get(application=application)
        assert voucher.certificate_pdf.name
        drawn = Path(voucher.certificate_pdf.storage.path("private/vouchers")).iterdir()
        assert [p.name for p in drawn if p.name.startswith(voucher.serial)] == [
            f"{voucher.serial}.pdf"
        ]
    for provider in providers:
        certificate = ProviderCertificate.objects.get(provider=provider)
        with certificate.pdf.open("rb") as pdf:
            assert pdf.read(4) == b"%PDF"
        drawn = Path(certificate.pdf.storage.path("private/certificates")).iterdir()
        assert [p.name for p in drawn if p.name.startswith(certificate.serial)] == [
            f"{certificate.serial}.pdf"
        ]
    subjects = sent_subjects(mail_dir)
    for application in applications:
        approved = [s for s in subjects if f"application #{application.pk} was approved" in s]
        assert len(approved) == 1, subjects
    for provider in providers:
        assert len([s for s in subjects if f"{provider.name} is certified" in s]) == 1, subjects
    assert len(subjects) == len(set(subjects)), subjects
    assert client.get("/readyz/").json()["outbox"] == {"pending": 0, "oldest_seconds": 0}


def test_a_message_published_three_times_runs_once(outage_worker, demo):
    from django.db import transaction

    mail_dir = outage_worker["mail_dir"]
    with transaction.atomic():
        message = outbox.enqueue(
            "regions.tasks.send_notification",
            recipients=["twice@example.com"],
            subject="published three times",
            body=".",
        )
    # The relay published it after commit; as if it had died before marking it sent, the
    # message goes out twice more, under the same task id.
    with outbox._Publisher() as publisher:
        publisher.publish(message)
        publisher.publish(message)

    def done():
        """the message done by the worker"""
        return OutboxMessage.objects.filter(pk=message.pk, done_at__isnull=False).exists()

    wait_for(done)
    wait_for(lambda: settled(outage_worker["redis"].url), timeout=30)
    assert sent_subjects(mail_dir).count("published three times") == 1
