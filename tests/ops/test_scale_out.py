"""Scale-out: settlement on workers of its own, beside the workers of PDFs and e-mail.

Two real Celery worker processes run at once on the shared Redis and the test database: one
consumes only the settlement queue, the other the default, PDF and e-mail queues. A loaded
batch is settled while vouchers are approved; the batch is settled exactly once, on the
settlement worker only, and the certificates and e-mails are done by the other one.
"""

import os
import socket

import pytest
from django.db import transaction

from portal import outbox
from portal.celery import app as celery_app
from portal.celery import queue_for
from portal.models import OutboxMessage
from regions.models import SettlementBatch
from tests.conftest import TEST_BROKER_URL, wait_for
from tests.settlement.test_worker_settlement import (
    assert_settled_exactly_once,
    loaded_batch,
    start_worker,
    stop,
)
from vouchers.models import Voucher

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SETTLEMENT_TASKS = {
    "regions.tasks.settle_batch_part",
    "regions.tasks.finish_settlement_batch",
}


def _use_broker(url: str, queue: str) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.task_default_queue = queue
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _tasks_run_by(node: str) -> dict:
    """What a worker has run so far, by task name (its remote-control stats)."""
    stats = celery_app.control.inspect(destination=[node], timeout=5).stats() or {}
    return stats.get(node, {}).get("total", {})


def test_settlement_and_certificates_run_at_once_on_workers_of_their_own(demo, submit):
    pid = os.getpid()
    queue = f"scale-{pid}"
    batch, env, eligible, expected = loaded_batch(queue, SETTLEMENT_CHUNK_DELAY_SECONDS="0.1")
    settle_node, other_node = (
        f"{name}-{pid}@{socket.gethostname()}" for name in ("settle", "other")
    )
    previous = (celery_app.conf.broker_url, celery_app.conf.task_default_queue)
    _use_broker(TEST_BROKER_URL, queue)
    settlement_queue, pdf_queue, email_queue = (
        queue_for(name)
        for name in (
            "regions.tasks.settle_batch",
            "vouchers.tasks.generate_voucher_certificate",
            "regions.tasks.send_notification",
        )
    )
    assert len({queue, settlement_queue, pdf_queue, email_queue}) == 4
    settler = start_worker(queue, env, f"settle-{pid}", only=[settlement_queue])
    other = start_worker(queue, env, f"other-{pid}", only=[queue, pdf_queue, email_queue])
    celery_app.conf.task_always_eager = False
    try:
        for node in (settle_node, other_node):
            wait_for(
                lambda node=node: celery_app.control.ping(destination=[node], timeout=1), timeout=60
            )
        with transaction.atomic():
            outbox.enqueue("regions.tasks.settle_batch", batch_id=batch.pk)
        applications = [
            submit(username, "20000.00") for username in ("enterprise-yangpu", "enterprise-nanhu")
        ]
        from vouchers.services import application_approve

        for application, official in zip(
            applications, ("official-yangpu", "official-nanhu"), strict=True
        ):
            application_approve(
                application=application, actor=demo["users"][official], approved_amount=None
            )

        def settled():
            """the batch computed by the settlement worker"""
            return SettlementBatch.objects.filter(
                pk=batch.pk, status__in=["computed", "closed"]
            ).exists()

        def all_done():
            """every outbox row done (settlement, certificates, e-mails)"""
            return not OutboxMessage.objects.filter(done_at__isnull=True).exists()

        wait_for(settled, timeout=180)
        wait_for(all_done, timeout=120)
        settle_ran, other_ran = _tasks_run_by(settle_node), _tasks_run_by(other_node)
        print(f"settlement worker ran {settle_ran}; the other worker ran {other_ran}")
    finally:
        celery_app.conf.task_always_eager = True
        _use_broker(*previous)
        stop(settler)
        stop(other)

    assert_settled_exactly_once(batch, eligible, expected)
    for application in applications:
        assert Voucher.objects.get(application=application).certificate_pdf.name
    # The settlement worker ran the batch's parts; the other one never touched settlement,
    # and ran the certificates and e-mails (outbox messages).
    assert SETTLEMENT_TASKS <= set(settle_ran), settle_ran
    assert not SETTLEMENT_TASKS & set(other_ran), other_ran
    assert other_ran.get("portal.tasks.run_outbox_message", 0) >= 4, other_ran
    assert settle_ran.get("portal.tasks.run_outbox_message", 0) == 1, settle_ran
