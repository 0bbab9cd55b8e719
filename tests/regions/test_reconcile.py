from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from regions.services import reconciliation_run
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db


def test_the_seed_data_reconciles(demo):
    report = reconciliation_run()
    assert report.ok, report.breaches


def test_a_corrupted_balance_is_reported_and_not_fixed(demo, django_capture_on_commit_callbacks):
    voucher = demo["voucher"]
    Voucher.objects.filter(pk=voucher.pk).update(balance=voucher.balance - Decimal("1.00"))
    with django_capture_on_commit_callbacks(execute=True):
        report = reconciliation_run()
    assert not report.ok
    assert {b["check"] for b in report.breaches} == {"voucher_balance"}
    voucher.refresh_from_db()
    assert voucher.balance == voucher.face_value - Decimal("1.00")
    assert len(mail.outbox) == 1 and "breach" in mail.outbox[0].subject


def test_the_command_fails_on_a_breach(demo):
    Voucher.objects.filter(pk=demo["voucher"].pk).update(held=Decimal("5.00"))
    with pytest.raises(CommandError):
        call_command("reconcile")
