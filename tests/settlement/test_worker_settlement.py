"""Settlement on real Celery workers (Redis broker, PostgreSQL): the happy path, and a
worker killed with SIGKILL in the middle of a batch, then replaced."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum

from portal.celery import app as celery_app
from regions.models import AuditEntry, SettlementBatch
from regions.services import reconciliation_run
from regions.tasks import settle_batch
from tests.conftest import ROOT, TEST_BROKER_URL, _missing, _redis_reachable, wait_for
from tests.settlement.factories import obligations_of, spread
from vouchers.models import Redemption

# The flush after a transactional test would drop the districts of the data migration.
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def expected_obligations() -> dict:
    return {
        (row["issuing_region__code"], row["provider_region__code"]): row["total"]
        for row in Redemption.objects.filter(cross_region=True, status__in=["approved", "paid"])
        .values("issuing_region__code", "provider_region__code")
        .annotate(total=Sum("amount"))
    }


def test_a_real_worker_settles_a_batch_created_by_the_api(celery_worker, demo, api_as):
    expected = spread(demo, 24)
    response = api_as(demo["users"]["operator"]).post("/api/settlement-batches/", {}, format="json")
    assert response.status_code == 202
    batch_id = response.json()["id"]

    def computed():
        """the batch computed by the worker"""
        return SettlementBatch.objects.filter(pk=batch_id, status="computed").exists()

    wait_for(computed, timeout=60)
    batch = SettlementBatch.objects.get(pk=batch_id)
    assert obligations_of(batch) == expected
    assert reconciliation_run().ok


def start_worker(
    queue: str, env: dict, name: str, *, beat: bool = False, only: list[str] | None = None
) -> subprocess.Popen:
    """A worker whose default queue is `queue`; it consumes every queue named after it
    (settlement, PDFs, e-mail) unless `only` names the ones it serves."""
    log = open(ROOT / ".pytest-settlement-worker.log", "ab")  # noqa: SIM115
    beat_dir = Path(tempfile.mkdtemp(prefix="pytest-beat-"))
    beat_args = ["-B", "-s", str(beat_dir / "schedule")] if beat else []
    queue_args = ["-Q", ",".join(only)] if only else []
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            *beat_args,
            *queue_args,
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env={**env, "CELERY_DEFAULT_QUEUE": queue},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def loaded_batch(queue: str, **env_extra):
    """1,200 loaded redemptions, an open batch for them, and the environment of the workers
    that will settle it on `queue` (chunks slowed down so a worker can be killed mid-way)."""
    if not TEST_BROKER_URL or not _redis_reachable(TEST_BROKER_URL):
        _missing("TEST_CELERY_BROKER_URL is not set or Redis is not reachable")
    call_command("seed_load", enterprises=20, vouchers=40, redemptions=1200, verbosity=0)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": TEST_BROKER_URL,
        "SETTLEMENT_CHUNK_SIZE": "40",
        "SETTLEMENT_PARTS": "2",
        "SETTLEMENT_CHUNK_DELAY_SECONDS": "0.5",
        "MEDIA_ROOT": str(ROOT / ".pytest-media"),
        "CONN_MAX_AGE": "0",
        **env_extra,
    }
    batch = SettlementBatch.objects.create(
        cutoff=Redemption.objects.latest("decided_at").decided_at
    )
    eligible = Redemption.objects.filter(cross_region=True).count()
    return batch, env, eligible, expected_obligations()


def assert_settled_exactly_once(batch, eligible: int, expected: dict) -> None:
    batch.refresh_from_db()
    settled = Redemption.objects.filter(settlement_item__batch=batch).aggregate(
        n=Count("id"), total=Sum("amount")
    )
    assert settled["n"] == eligible == batch.redemption_count == batch.claimed_count
    assert not Redemption.objects.filter(cross_region=True, settlement_item__isnull=True)
    assert obligations_of(batch) == expected
    assert batch.gross_total == settled["total"] == sum(expected.values(), Decimal("0"))
    report = reconciliation_run()
    assert report.ok, report.breaches


def test_a_worker_killed_mid_batch_is_replaced_and_settles_exactly_once(demo):
    batch, env, eligible, expected = loaded_batch(
        queue := f"settlement-kill-{os.getpid()}", CELERY_VISIBILITY_TIMEOUT="10"
    )
    first = start_worker(queue, env, f"settle-a-{os.getpid()}")
    second = None
    old_broker = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = TEST_BROKER_URL
    try:
        settle_batch.apply_async((batch.pk,), queue=queue)

        def midway():
            """the first worker a few chunks into the claims"""
            return SettlementBatch.objects.get(pk=batch.pk).claimed_count >= 80

        # Generous: a loaded machine may take a while to boot the worker.
        wait_for(midway, timeout=120, interval=0.05)
        stop(first, signal.SIGKILL)
        assert SettlementBatch.objects.get(pk=batch.pk).status == "open"
        killed_at = Redemption.objects.filter(settlement_item__batch=batch).count()
        assert 0 < killed_at < eligible

        time.sleep(11)  # past the visibility timeout: the new worker restores the lost tasks
        second = start_worker(queue, env, f"settle-b-{os.getpid()}")

        def computed():
            """the batch computed after the restart"""
            return SettlementBatch.objects.filter(
                pk=batch.pk, status__in=["computed", "closed"]
            ).exists()

        wait_for(computed, timeout=180)
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.broker_url = old_broker
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)

    assert_settled_exactly_once(batch, eligible, expected)


def test_a_batch_stalled_by_a_killed_worker_is_resumed_by_the_beat_within_minutes(demo):
    """The broker's production visibility timeout (an hour) would hold the killed worker's
    messages; the beat sees the batch stop moving and re-queues what is left of it."""
    batch, env, eligible, expected = loaded_batch(
        queue := f"settlement-stall-{os.getpid()}",
        CELERY_DEFAULT_QUEUE=f"settlement-stall-{os.getpid()}",
        CELERY_VISIBILITY_TIMEOUT="3600",
        SETTLEMENT_STALL_SECONDS="6",
        SETTLEMENT_RESUME_EVERY_SECONDS="2",
        # One part, taken by the first worker: with two, a part still queued when the worker
        # dies is simply run by the replacement, whose final sweep finishes the batch without
        # the beat, and the test would not be testing the beat.
        SETTLEMENT_PARTS="1",
    )
    first = start_worker(queue, env, f"stall-a-{os.getpid()}")
    second = None
    old_broker = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = TEST_BROKER_URL
    try:
        settle_batch.apply_async((batch.pk,), queue=queue)

        def midway():
            """the first worker a few chunks into the claims"""
            return SettlementBatch.objects.get(pk=batch.pk).claimed_count >= 80

        wait_for(midway, timeout=120, interval=0.05)
        stop(first, signal.SIGKILL)
        killed_at = time.monotonic()
        assert SettlementBatch.objects.get(pk=batch.pk).status == "open"
        second = start_worker(queue, env, f"stall-b-{os.getpid()}", beat=True)

        def computed():
            """the stalled batch resumed by the beat and computed"""
            return SettlementBatch.objects.filter(
                pk=batch.pk, status__in=["computed", "closed"]
            ).exists()

        wait_for(computed, timeout=180)
        resumed_after = time.monotonic() - killed_at
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.broker_url = old_broker
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)

    assert resumed_after < 600, "the batch waited for the broker, not for the beat"
    assert AuditEntry.objects.filter(
        object_type="regions.settlementbatch", object_id=str(batch.pk), action="resume"
    ).exists()
    assert_settled_exactly_once(batch, eligible, expected)
