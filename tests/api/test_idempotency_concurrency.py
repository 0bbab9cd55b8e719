"""Two identical requests at the same moment run the view once (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection
from django.urls import Resolver404, resolve

from portal.models import IdempotencyRecord
from regions.models import AuditEntry

# Serialized rollback: the flush after a transactional test empties the districts that a
# data migration created; this restores them for the tests that need `demo`.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.urls("tests.api.urls"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(post, n=2):
    """Fire `n` calls of `post()` together; each thread has its own DB connection."""
    barrier = threading.Barrier(n)
    responses = [None] * n

    def run(i):
        try:
            barrier.wait()
            responses[i] = post()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def test_it_runs_the_view_once_for_simultaneous_twins(api_as, make_user):
    client = api_as(make_user("alice"))

    def post():
        return client.post(
            "/api/test/record/",
            {"note": "twin", "sleep": "0.3"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="twin-key",
        )

    responses = race(post, n=3)

    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.content for r in responses}) == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == 2
    assert AuditEntry.objects.filter(action="test.idempotency").count() == 1
    assert IdempotencyRecord.objects.get(key="twin-key").response_status == 201


def test_a_twin_answers_409_when_the_first_outlasts_the_wait(api_as, make_user, settings):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.1
    client = api_as(make_user("alice"))

    def post():
        return client.post(
            "/api/test/record/",
            {"note": "slow", "sleep": "1"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="slow-key",
        )

    responses = race(post)

    assert sorted(r.status_code for r in responses) == [201, 409]
    busy = next(r for r in responses if r.status_code == 409)
    assert busy.json()["code"] == "idempotency_in_progress"
    assert busy["Retry-After"] == "1"
    assert AuditEntry.objects.filter(action="test.idempotency").count() == 1


def test_simultaneous_applications_create_one(api_as, demo):
    try:
        resolve("/api/voucher-applications/")
    except Resolver404:
        pytest.skip("/api/voucher-applications/ is not there yet")
    from vouchers.models import VoucherApplication

    client = api_as(demo["users"]["enterprise-yangpu"])
    before = VoucherApplication.objects.count()

    def post():
        return client.post(
            "/api/voucher-applications/",
            {"requested_amount": "70000.00", "purpose": "Materials analysis"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="apply-twin",
        )

    responses = race(post, n=4)

    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    assert VoucherApplication.objects.count() == before + 1
