"""/metrics: who may scrape it, and that its figures are the real ones: requests by view, task
runs, queue lengths in Redis, vouchers and redemptions from the database, settlement batch
durations, and the sum over several processes in multiprocess mode."""

import os
import socket
import subprocess
import sys
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from portal.celery import app as celery_app
from regions.models import SettlementBatch
from regions.settlement.services import settlement_batch_create, settlement_run
from tests.conftest import ROOT, TEST_BROKER_URL, _missing, _redis_reachable
from tests.settlement.factories import spread
from vouchers.models import Redemption, Voucher


def scrape(client) -> dict:
    """{(name, frozenset(labels)): value} of one scrape."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.django_db
def test_metrics_answer_only_allowed_networks_or_the_token(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-1"
    assert client.get("/metrics").status_code == 200  # 127.0.0.1/32 by default
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    bearer = {"HTTP_AUTHORIZATION": "Bearer scrape-secret-1", "REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **bearer).status_code == 200
    wrong = {"HTTP_AUTHORIZATION": "Bearer scrape-secret-2", "REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **wrong).status_code == 403
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics").status_code == 404
    # No token configured: a bearer header opens nothing.
    settings.METRICS_TOKEN = ""
    empty = {"HTTP_AUTHORIZATION": "Bearer ", "REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **empty).status_code == 403
    # Behind a trusted proxy the proxy's own address does not open it.
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    proxied = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert client.get("/metrics", **proxied).status_code == 404


@pytest.mark.django_db
def test_requests_are_counted_and_timed_by_view(client):
    before = scrape(client)
    client.get("/healthz/")
    client.get("/healthz/")
    client.get("/no-such-page/")
    after = scrape(client)
    labels = {"view": "healthz", "method": "GET", "status": "200"}
    assert (
        value(after, "portal_http_requests_total", **labels)
        - value(before, "portal_http_requests_total", **labels)
        == 2
    )
    timed = {"view": "healthz", "method": "GET"}
    assert (
        value(after, "portal_http_request_duration_seconds_count", **timed)
        - value(before, "portal_http_request_duration_seconds_count", **timed)
        == 2
    )
    missing = {"view": "<unresolved>", "method": "GET", "status": "404"}
    assert (
        value(after, "portal_http_requests_total", **missing)
        - value(before, "portal_http_requests_total", **missing)
        == 1
    )


@pytest.mark.django_db
def test_business_figures_and_task_runs_come_from_the_database_and_the_tasks(
    client, demo, django_capture_on_commit_callbacks
):
    before = scrape(client)
    spread(demo, 8)
    with django_capture_on_commit_callbacks(execute=True):
        batch = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)  # a no-op when the queued run computed it
    after = scrape(client)

    assert value(after, "portal_vouchers_issued") == Voucher.objects.count() > 0
    for status in ("active", "exhausted", "expired", "revoked"):
        assert (
            value(after, "portal_vouchers", status=status)
            == Voucher.objects.filter(status=status).count()
        )
    for status in ("pending", "approved", "rejected", "paid"):
        rows = Redemption.objects.filter(status=status)
        assert value(after, "portal_redemptions", status=status) == rows.count()
        assert value(after, "portal_redemptions_amount_cny", status=status) == pytest.approx(
            float(sum(r.amount for r in rows))
        )
    computed = SettlementBatch.objects.filter(computed_at__isnull=False)
    assert value(after, "portal_settlement_batch_duration_seconds_count") == computed.count() >= 1
    assert (
        value(after, "portal_settlement_batch_duration_seconds_bucket", le="+Inf")
        == computed.count()
    )
    expected_seconds = sum((b.computed_at - b.created_at).total_seconds() for b in computed)
    assert value(after, "portal_settlement_batch_duration_seconds_sum") == pytest.approx(
        expected_seconds, abs=1e-3
    )
    # The settlement went through the outbox (in-process here): its run was counted.
    run = {"task": "portal.tasks.run_outbox_message", "state": "SUCCESS"}
    assert value(after, "portal_celery_task_runs_total", **run) > value(
        before, "portal_celery_task_runs_total", **run
    )
    assert value(after, "portal_celery_task_duration_seconds_count", task=run["task"]) > 0


@pytest.mark.django_db
def test_task_failures_are_counted(client):
    from celery import shared_task

    @shared_task(name="tests.ops.always_fails")
    def always_fails():
        raise RuntimeError("this task fails on purpose")

    before = scrape(client)
    # As a worker runs it: the error is recorded on the result, not raised to the caller.
    assert always_fails.apply(throw=False).failed()
    after = scrape(client)
    failed = {"task": "tests.ops.always_fails"}
    assert (
        value(after, "portal_celery_task_failures_total", **failed)
        - value(before, "portal_celery_task_failures_total", **failed)
        == 1
    )
    assert (
        value(after, "portal_celery_task_runs_total", state="FAILURE", **failed)
        == value(before, "portal_celery_task_runs_total", state="FAILURE", **failed) + 1
    )


@pytest.mark.django_db
def test_queue_length_is_read_from_redis_at_scrape(client):
    if not TEST_BROKER_URL:
        _missing("TEST_CELERY_BROKER_URL is not set: no Redis to read queues from")
    if not _redis_reachable(TEST_BROKER_URL):
        _missing(f"Redis is not reachable at {TEST_BROKER_URL}")
    import redis

    queue = f"metrics-test-{uuid.uuid4().hex[:12]}"
    saved = (celery_app.conf.broker_url, celery_app.conf.task_default_queue)
    celery_app.conf.broker_url = TEST_BROKER_URL
    celery_app.conf.task_default_queue = queue
    celery_app.conf.task_always_eager = False
    try:
        # No worker reads this queue: the messages wait there.
        for _ in range(3):
            celery_app.send_task("tests.ops.nobody_runs_this", queue=queue)
        assert value(scrape(client), "portal_celery_queue_length", queue=queue) == 3
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.broker_url, celery_app.conf.task_default_queue = saved
        redis.Redis.from_url(TEST_BROKER_URL).delete(queue)


REQUEST_IN_A_PROCESS = """
import django, sys
django.setup()
from django.test import Client
for _ in range(int(sys.argv[1])):
    assert Client().get("/healthz/").status_code == 200
"""

SCRAPE_IN_A_PROCESS = """
import django, sys
django.setup()
from django.test import Client
sys.stdout.write(Client().get("/metrics").content.decode())
"""


def test_multiprocess_mode_adds_up_the_counts_of_every_process(tmp_path):
    """As gunicorn workers sharing PROMETHEUS_MULTIPROC_DIR: two processes answer requests,
    a third one is scraped and reports their sum."""
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    env.pop("CELERY_BROKER_URL", None)

    def run(code, *args):
        result = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run(REQUEST_IN_A_PROCESS, "2")
    run(REQUEST_IN_A_PROCESS, "3")
    assert len(list(multiproc.glob("counter_*.db"))) >= 2
    # Named by host and process: compose shares the directory between containers, each of
    # which numbers its processes from 1.
    host = socket.gethostname()
    assert all(f.name.startswith(f"counter_{host}-") for f in multiproc.glob("counter_*.db"))
    samples = {}
    for family in text_string_to_metric_families(run(SCRAPE_IN_A_PROCESS)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    labels = {"view": "healthz", "method": "GET", "status": "200"}
    assert value(samples, "portal_http_requests_total", **labels) == 5
