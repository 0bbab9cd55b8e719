"""A real Celery worker on Redis runs the portal's tasks against the test database."""

import pytest

from regions.models import ReconciliationReport
from regions.tasks import reconcile
from tests.conftest import wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_reconciliation(celery_worker, demo):
    before = ReconciliationReport.objects.count()
    reconcile.delay()

    def report_written():
        """a reconciliation report written by the worker"""
        return ReconciliationReport.objects.count() > before

    wait_for(report_written)
    assert ReconciliationReport.objects.latest("ran_at").ok
