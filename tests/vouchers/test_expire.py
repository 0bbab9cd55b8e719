from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from regions.models import AuditEntry
from vouchers.models import Voucher
from vouchers.tasks import expire_vouchers

pytestmark = pytest.mark.django_db


def past_due(voucher, **fields):
    Voucher.objects.filter(pk=voucher.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1), **fields
    )


def test_it_expires_and_releases_the_balance(demo, rules_of, django_capture_on_commit_callbacks):
    voucher = demo["voucher"]
    past_due(
        voucher,
        held=Decimal("30000.00"),
        redeemed=Decimal("20000.00"),
        balance=Decimal("150000.00"),
    )
    rules = rules_of("WUJIN")
    rules.redeemed = Decimal("20000.00")
    rules.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_vouchers.delay().get() == 1
    voucher.refresh_from_db()
    assert voucher.status == "expired"
    assert voucher.balance == Decimal("0.00")
    assert voucher.released == Decimal("150000.00")
    assert voucher.held == Decimal("30000.00")
    assert rules_of("WUJIN").committed == Decimal("50000.00")
    assert AuditEntry.objects.filter(
        object_type="vouchers.voucher", action="expire", to_status="expired", actor=None
    ).exists()
    # The voucher's own e-mail; its open orders' cancellations: test_ended_voucher_orders.py.
    voucher_mail = [m for m in mail.outbox if "Order #" not in m.subject]
    assert [m.to for m in voucher_mail] == [["enterprise-jiangnan@example.com"]]


def test_it_is_idempotent(demo, rules_of):
    past_due(demo["voucher"])
    assert expire_vouchers() == 1
    assert expire_vouchers() == 0
    assert rules_of("WUJIN").committed == Decimal("0.00")
    assert AuditEntry.objects.filter(action="expire").count() == 1


def test_it_leaves_vouchers_not_yet_due(demo, rules_of):
    assert expire_vouchers() == 0
    demo["voucher"].refresh_from_db()
    assert demo["voucher"].status == "active"
    assert rules_of("WUJIN").committed == Decimal("200000.00")


def test_it_works_in_batches(demo, submit, approve, rules_of):
    vouchers = [approve(submit(u, "1000.00")) for u in ("enterprise-yangpu", "enterprise-nanhu")]
    vouchers += [approve(submit("enterprise-hefei", "1000.00")) for _ in range(3)]
    for voucher in vouchers:
        past_due(voucher)
    assert expire_vouchers(batch_size=2) == 5
    assert Voucher.objects.filter(status="expired").count() == 5
    assert rules_of("HEFEI_HT").committed == Decimal("0.00")


def test_it_leaves_revoked_vouchers_alone(api_as, demo, rules_of):
    voucher = demo["voucher"]
    api_as(demo["users"]["official-wujin"]).post(
        f"/api/vouchers/{voucher.serial}/revoke/", {"reason": "Closed"}
    )
    past_due(voucher)
    assert expire_vouchers() == 0
    voucher.refresh_from_db()
    assert voucher.status == "revoked"
    assert voucher.released == Decimal("200000.00")
