"""`reconcile` reports work queued after a commit that never happened."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import OutboxMessage
from regions.services import reconciliation_run

pytestmark = pytest.mark.django_db


def test_it_reports_an_outbox_row_not_done_after_the_late_minutes(demo, settings):
    settings.OUTBOX_LATE_MINUTES = 30
    late = OutboxMessage.objects.create(
        task_name="regions.tasks.send_notification",
        created_at=timezone.now() - timedelta(minutes=31),
        last_error="OperationalError: Error 111",
    )
    OutboxMessage.objects.create(
        task_name="regions.tasks.send_notification",
        created_at=timezone.now() - timedelta(minutes=5),
    )
    report = reconciliation_run()
    found = [b for b in report.breaches if b["check"] == "outbox_message_done"]
    assert [b["message"] for b in found] == [late.pk]
    assert not report.ok


def test_it_reports_an_issued_voucher_without_its_certificate(demo, settings):
    settings.OUTBOX_LATE_MINUTES = 30
    voucher = demo["voucher"]
    assert reconciliation_run().ok
    type(voucher).objects.filter(pk=voucher.pk).update(
        certificate_pdf="", issued_at=timezone.now() - timedelta(hours=1)
    )
    report = reconciliation_run()
    assert {"check": "voucher_certificate_drawn", "voucher": voucher.serial} in report.breaches
