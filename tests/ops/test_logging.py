"""Request ids: made or taken from a trusted proxy, returned in X-Request-ID, written on every
log line (JSON or text), and carried into the Celery tasks a request queues, through the
outbox, to a real worker's log."""

import json
import os
import re
import subprocess
import sys
import uuid

import pytest
from django.db import transaction

from portal import outbox
from portal.models import OutboxMessage
from portal.observability import bound_request_id
from regions.models import SettlementBatch
from tests.conftest import ROOT, wait_for

WORKER_LOG = ROOT / ".pytest-worker.log"


@pytest.mark.django_db
def test_every_response_carries_a_new_request_id(client):
    first = client.get("/healthz/")
    second = client.get("/healthz/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_the_id_of_a_trusted_proxy_is_kept_and_anyone_elses_is_not(client, settings):
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    kept = client.get("/healthz/", HTTP_X_REQUEST_ID="proxy-4f2a.17")
    assert kept["X-Request-ID"] == "proxy-4f2a.17"
    # A value that could forge a log line is replaced even from the proxy.
    forged = client.get("/healthz/", HTTP_X_REQUEST_ID='x" level=ERROR')
    assert forged["X-Request-ID"] != 'x" level=ERROR'
    settings.TRUSTED_PROXY_IPS = []
    ignored = client.get("/healthz/", HTTP_X_REQUEST_ID="client-chosen-id")
    assert ignored["X-Request-ID"] != "client-chosen-id"
    assert re.fullmatch(r"[0-9a-f]{32}", ignored["X-Request-ID"])


# Run in a fresh process: the log format is chosen when the settings load.
LOG_A_REQUEST = """
import django, sys
django.setup()
from django.test import Client
response = Client().get("/no-such-page/")
print("REQUEST_ID=" + response["X-Request-ID"], file=sys.stdout, flush=True)
"""


def _log_a_request(tmp_path, log_format: str):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "LOG_FORMAT": log_format,
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", LOG_A_REQUEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    request_id = re.search(r"REQUEST_ID=(\w+)", result.stdout).group(1)
    return request_id, result.stderr.splitlines()


def test_json_log_lines_carry_the_request_id(tmp_path):
    request_id, lines = _log_a_request(tmp_path, "json")
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    not_found = [r for r in records if r["message"] == "Not Found: /no-such-page/"]
    assert len(not_found) == 1
    record = not_found[0]
    assert record["request_id"] == request_id
    assert record["level"] == "WARNING"
    assert record["logger"] == "django.request"
    assert record["status_code"] == 404  # a field Django passes with extra=
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", record["time"])


def test_text_log_lines_carry_the_request_id(tmp_path):
    request_id, lines = _log_a_request(tmp_path, "text")
    matching = [line for line in lines if "Not Found: /no-such-page/" in line]
    assert len(matching) == 1
    assert f"WARNING django.request [{request_id}] Not Found" in matching[0]


def _worker_lines_with(text: str) -> list[str]:
    if not WORKER_LOG.exists():
        return []
    with open(WORKER_LOG, encoding="utf-8", errors="replace") as log:
        return [line for line in log if text in line]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_logs_a_queued_task_under_the_request_id(celery_worker, demo, api_as):
    from tests.settlement.factories import spread

    spread(demo, 6)
    response = api_as(demo["users"]["operator"]).post("/api/settlement-batches/", {}, format="json")
    assert response.status_code == 202
    request_id = response["X-Request-ID"]
    batch_id = response.json()["id"]
    assert OutboxMessage.objects.get(kwargs__batch_id=batch_id).request_id == request_id

    def logged():
        """the worker's log line for the settlement task, under the request's id"""
        return [
            line
            for line in _worker_lines_with(request_id)
            if "outbox: ran regions.tasks.settle_batch #" in line
        ]

    lines = wait_for(logged, timeout=60)
    assert SettlementBatch.objects.get(pk=batch_id).status == "computed"
    assert len(lines) == 1
    # Celery's own line for the task run carries it too.
    assert any("succeeded" in line for line in _worker_lines_with(request_id))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_row_published_later_by_the_relay_keeps_the_id_it_was_written_under(
    celery_worker, demo, monkeypatch
):
    written_under = f"req-{uuid.uuid4().hex}"
    relay_under = f"relay-{uuid.uuid4().hex}"
    # As after a failed publish: this process leaves new rows to the relay for a while.
    monkeypatch.setattr(outbox, "_broker_away_until", float("inf"))
    with bound_request_id(written_under), transaction.atomic():
        message = outbox.enqueue(
            "vouchers.tasks.generate_voucher_certificate", voucher_id=demo["voucher"].pk
        )
    message.refresh_from_db()
    assert message.sent_at is None and message.request_id == written_under

    with bound_request_id(relay_under):
        assert outbox.relay_pending(ignore_backoff=True)["sent"] >= 1

    def logged():
        """the worker's log line for the certificate task"""
        return [
            line
            for line in _worker_lines_with(f"#{message.pk}")
            if "outbox: ran vouchers.tasks.generate_voucher_certificate" in line
            and written_under in line
        ]

    wait_for(logged, timeout=60)
    assert not _worker_lines_with(relay_under)
